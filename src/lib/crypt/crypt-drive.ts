import {randomBytes} from 'node:crypto'
import {open} from 'node:fs/promises'
import {Transform, type Writable} from 'node:stream'

import type {CheckNameMode} from '../api/wire.js'
import type {
  Drive,
  DriveDownloadOptions,
  DriveFeatures,
  DriveUploadOutcome,
  HashOptions,
  ListOrder,
  Placed,
  RangeOptions,
  RemoteEntry,
  RemovalMethod,
  UploadRequest,
  UploadSource,
} from '../drive/drive.js'
import {listAll} from '../drive/drive.js'
import {joinRemotePath, normalizeRemotePath, parentAndName, splitRemotePath} from '../drive/remote-path.js'
import {ConflictError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import type {TaskEvents} from '../manage/async-task.js'
import {fileSource} from '../transfer/byte-source.js'
import type {DownloadResult} from '../transfer/download.js'
import type {ByteRange, RangeRead} from '../transfer/range-read.js'
import type {TransferProgress} from '../transfer/upload.js'
import {cryptCodec} from './codec.js'
import {type Crypt, decryptedSize, headerNonce} from './crypt.js'
import {EncryptedSource} from './encrypted-source.js'
import {BadNameError, WrongNamesError} from './errors.js'
import {HEADER_SIZE, NONCE_SIZE, cipherRange, decryptedSizeOrReason, encryptedSize} from './format.js'
import type {NonceStore} from './nonces.js'

const FEATURES: DriveFeatures = {rapidUpload: false, contentHash: false, livePhotos: false}

/** The id of a location's root whose folder is not made yet. */
const NOT_YET = ''

/** The service's limit on one name (§1.3): an encrypted name must fit it. */
const MAX_NAME_BYTES = 1024

export interface CryptDriveOptions {
  /** The location's name, for messages (`vault`). */
  name: string
  /** Nonces of this profile's uploads (nonces.ts): comparisons without reading the upload. */
  nonces?: NonceStore
  /** A stored name that does not decrypt, or a size no encrypted file has: said once, and the entry skipped (or sized 0). */
  notice?: (message: string) => void
}

/**
 * An encrypted location: a drive that wraps a drive, as rclone's crypt backend wraps any Fs, in
 * rclone's crypt format (so rclone reads what it writes, and it reads what rclone writes). Names
 * are encrypted segment by segment on the way in and decrypted on the way out, sizes follow by
 * formula, and file bodies pass through the streaming transforms: uploads send ciphertext made as
 * they go (no temp file), downloads decrypt as they verify. Ids are the inner drive's, so removals,
 * moves and copies go by id unchanged and only a new name is encrypted. Entries it hands out have
 * plain paths, names and sizes; `item` stays the stored wire object.
 *
 * What the inner drive does not get to do: rapid upload (each upload has a random nonce, so the
 * ciphertext is never one the service has), search (it sees only encrypted names), direct links
 * (they would serve ciphertext). The SHA-1 a listing carries is the ciphertext's: `localHash`
 * encrypts a local file under the remote file's nonce to compare with it.
 */
export class CryptDrive implements Drive {
  readonly features = FEATURES
  readonly api = undefined
  private readonly cache = new Map<string, RemoteEntry>()
  /** The stored entry behind each entry this drive handed out. */
  private readonly inners = new WeakMap<RemoteEntry, RemoteEntry>()
  private readonly told = new Set<string>()

  constructor(
    private readonly inner: Drive,
    /** The folder of the inner drive that holds the ciphertext (`/vault`). */
    private readonly base: string,
    private readonly crypt: Crypt,
    private readonly options: CryptDriveOptions,
  ) {
    this.base = normalizeRemotePath(base)
  }

  get storage(): string {
    return `${this.inner.storage}\0crypt:${this.crypt.id}`
  }

  get place(): string {
    return `${this.storage}\0${this.inner.place}\0${this.base}`
  }

  get signal(): AbortSignal | undefined {
    return this.inner.signal
  }

  // ---- names and entries ----

  /** A plain name as stored: a file's or a folder's (they differ with `off` mode or without directory encryption). */
  private storedName(name: string, type: 'file' | 'folder'): string {
    const stored = type === 'file' ? this.crypt.names.encryptFilePath(name) : this.crypt.names.encryptDirPath(name)
    const bytes = Buffer.byteLength(stored)
    if (bytes > MAX_NAME_BYTES) {
      throw new UsageError(`The name "${shorten(name)}" is too long to store encrypted: it becomes ${bytes} bytes, over the drive's ${MAX_NAME_BYTES}.`, {
        code: 'NameTooLong',
        hint: 'with standard names in base32 a name can have up to 639 bytes (base64: 767); use a shorter name',
      })
    }
    return stored
  }

  /** The inner drive's path of a plain path, its last segment stored as a `type`. */
  private storedPath(path: string, type: 'file' | 'folder'): string {
    const segments = splitRemotePath(path)
    if (segments.length === 0) return this.base
    const last = segments.pop()!
    return joinRemotePath(this.base, ...segments.map((s) => this.storedName(s, 'folder')), this.storedName(last, type))
  }

  /** The plain entry of a stored one, in the plain folder `parentPath`; undefined for a name that does not decrypt (said once). */
  private plainEntry(stored: RemoteEntry, parentPath: string, knownName?: string): RemoteEntry | undefined {
    let name = knownName
    if (name === undefined) {
      try {
        name = stored.type === 'file' ? this.crypt.names.decryptFilePath(stored.name) : this.crypt.names.decryptDirPath(stored.name)
      } catch (error) {
        if (!(error instanceof BadNameError)) throw error
        this.tell(`${stored.path}#name`, `${this.options.name}: skipped ${stored.path}: ${error.message.replace(/^Cannot decrypt the name "[^"]*": /, 'its name does not decrypt: ')}`)
        return undefined
      }
    }
    let size = 0
    if (stored.type === 'file') {
      const plain = decryptedSizeOrReason(stored.size)
      if (typeof plain === 'number') size = plain
      else this.tell(`${stored.path}#size`, `${this.options.name}: ${joinRemotePath(parentPath, name)} has ${stored.size} bytes, which no encrypted file has (truncated?); it is listed as empty`)
    }
    const entry: RemoteEntry = {...stored, path: joinRemotePath(parentPath, name), name, size, livePhoto: false}
    this.inners.set(entry, stored)
    return entry
  }

  /** The stored entry behind a plain one: the one it came from when unchanged, else by formula. */
  private storedEntry(entry: RemoteEntry): RemoteEntry {
    const known = this.inners.get(entry)
    const path = this.storedPath(entry.path, entry.type)
    if (known && known.file_id === entry.file_id && known.path === path) return known
    const name = entry.path === '/' ? parentAndName(this.base)[1] : parentAndName(path)[1]
    const size = entry.type === 'file' ? (entry.item && decryptedSizeOrReason(Number(entry.item.size ?? -1)) === entry.size ? Number(entry.item.size) : encryptedSize(entry.size)) : 0
    return {...entry, path, name, size, livePhoto: false}
  }

  private tell(key: string, message: string): void {
    if (this.told.has(key)) return
    this.told.add(key)
    this.options.notice?.(message)
  }

  // ---- lookups ----

  async stat(path: string): Promise<RemoteEntry> {
    const entry = await this.tryStat(path)
    if (!entry) throw new NotFoundError(`Not found: ${this.options.name}:${normalizeRemotePath(path)}`, {code: 'NotFound', hint: 'check the path with `alipan ls`'})
    return entry
  }

  async tryStat(path: string): Promise<RemoteEntry | undefined> {
    const normalized = normalizeRemotePath(path)
    const cached = this.cache.get(normalized)
    if (cached) return cached
    if (normalized === '/') return this.root()
    const [parentPath, name] = parentAndName(normalized)
    // A file and a folder of one name are stored under different names with `off` names, or
    // without directory encryption: look for the file first, then the folder.
    const asFile = this.storedPath(normalized, 'file')
    const asFolder = this.storedPath(normalized, 'folder')
    let stored = await this.inner.tryStat(asFile)
    if (stored && stored.type !== 'file' && asFile !== asFolder) stored = undefined
    if (!stored && asFile !== asFolder) {
      stored = await this.inner.tryStat(asFolder)
      if (stored && stored.type !== 'folder') stored = undefined
    }
    if (!stored) return undefined
    return this.remember(this.plainEntry(stored, parentPath, name)!)
  }

  /**
   * The location's root. Its folder may not exist yet (a location just added): the root is then
   * an empty folder that is made on the first write into it.
   */
  private async root(): Promise<RemoteEntry> {
    const stored = await this.inner.tryStat(this.base)
    if (!stored) return {path: '/', name: '', type: 'folder', size: 0, file_id: NOT_YET, parent_file_id: '', livePhoto: false}
    if (stored.type !== 'folder') throw new ConflictError(`${this.options.name}: ${this.base} is a file, not the folder its encrypted files live in.`)
    const entry: RemoteEntry = {...stored, path: '/', name: '', size: 0, livePhoto: false}
    this.inners.set(entry, stored)
    return this.remember(entry)
  }

  /** A folder to write into, made first when it is the root that does not exist yet. */
  private async folderFor(entry: RemoteEntry): Promise<RemoteEntry> {
    if (entry.file_id !== NOT_YET) return this.storedEntry(entry)
    await this.inner.mkdirp(this.base)
    const root = await this.root()
    if (root.file_id === NOT_YET) throw new NotFoundError(`${this.options.name}: the folder ${this.base} could not be made.`)
    return this.storedEntry(root)
  }

  async *pages(folder: RemoteEntry, order?: ListOrder): AsyncGenerator<RemoteEntry[]> {
    if (folder.file_id === NOT_YET) {
      // Made since it was looked at? Then list what it holds; else it holds nothing.
      const root = await this.root()
      if (root.file_id === NOT_YET) return yield []
      folder = root
    }
    let plain = 0
    let undecryptable = 0
    for await (const page of this.inner.pages(this.storedEntry(folder), order)) {
      const entries: RemoteEntry[] = []
      for (const stored of page) {
        const entry = this.plainEntry(stored, folder.path)
        if (entry) entries.push(this.remember(entry))
        else undecryptable++
      }
      plain += entries.length
      yield entries
    }
    // A few foreign names are skipped with a notice, as rclone does; a folder of nothing but
    // names that do not decrypt is the sign of a wrong password, which must not pass for an
    // empty folder (a sync from it would see nothing, a get -r would land nothing and exit 0).
    if (plain === 0 && undecryptable > 0) throw new WrongNamesError(`${this.options.name}:${folder.path}`, undecryptable)
  }

  list(target: string | RemoteEntry, order?: ListOrder): Promise<RemoteEntry[]> {
    return listAll(this, target, order)
  }

  async mkdirp(path: string): Promise<RemoteEntry> {
    const normalized = normalizeRemotePath(path)
    const existing = this.cache.get(normalized)
    if (existing) return assertFolder(existing)
    let current = await this.root()
    if (current.file_id === NOT_YET) {
      await this.folderFor(current)
      current = await this.root()
    }
    for (const name of splitRemotePath(normalized)) {
      const cached = this.cache.get(joinRemotePath(current.path, name))
      current = cached ? assertFolder(cached) : (await this.createFolderIn(current, name)).entry
    }
    return current
  }

  async createFolderIn(parent: RemoteEntry, name: string): Promise<{entry: RemoteEntry; created: boolean; resent: boolean}> {
    const path = joinRemotePath(parent.path, name)
    let made
    try {
      made = await this.inner.createFolderIn(await this.folderFor(parent), this.storedName(name, 'folder'))
    } catch (error) {
      // A file of the same plain name may be stored under the same name: say so in plain words.
      if (error instanceof ConflictError) throw new ConflictError(`A file is in the way: ${path} is a file, not a folder.`)
      throw error
    }
    return {...made, entry: this.remember(this.plainEntry(made.entry, parent.path, name)!)}
  }

  private remember(entry: RemoteEntry): RemoteEntry {
    this.cache.set(entry.path, entry)
    return entry
  }

  forget(path: string): void {
    const normalized = normalizeRemotePath(path)
    for (const key of this.cache.keys()) {
      if (key === normalized || key.startsWith(`${normalized}/`)) this.cache.delete(key)
    }
    if (normalized === '/') return this.inner.forget(this.base)
    for (const type of ['file', 'folder'] as const) {
      try {
        this.inner.forget(this.storedPath(normalized, type))
      } catch {
        // A name too long to store was never stored.
      }
    }
  }

  forgetAll(): void {
    this.cache.clear()
    this.inner.forgetAll()
  }

  at(folder: RemoteEntry): Drive {
    if (folder.path === '/') return this
    return new CryptDrive(this.inner, this.storedPath(folder.path, 'folder'), this.crypt, this.options)
  }

  parentIdOf(fileId: string): Promise<string | undefined> {
    return this.inner.parentIdOf(fileId)
  }

  // ---- changes: by id, only new names encrypted ----

  async remove(entry: RemoteEntry, method: RemovalMethod, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<void> {
    await this.inner.remove(this.storedEntry(entry), method, options)
    this.forget(entry.path)
  }

  async rename(entry: RemoteEntry, name: string, mode: CheckNameMode): Promise<string> {
    const [parentPath] = parentAndName(entry.path)
    if (mode === 'auto_rename') {
      name = await this.freeName(await this.stat(parentPath), name, entry.type)
      mode = 'refuse'
    }
    const stored = await this.inner.rename(this.storedEntry(entry), this.storedName(name, entry.type), mode)
    this.forget(entry.path)
    return this.plainName(stored, entry.type, name)
  }

  async move(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<Placed> {
    if (mode === 'auto_rename') {
      name = await this.freeName(folder, name, entry.type)
      mode = 'refuse'
    }
    const placed = await this.inner.move(this.storedEntry(entry), await this.folderFor(folder), this.storedName(name, entry.type), mode, options)
    this.forget(entry.path)
    this.forget(joinRemotePath(folder.path, name))
    return {fileId: placed.fileId, name: this.plainName(placed.name, entry.type, name)}
  }

  async copy(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, occupant: RemoteEntry | null | undefined, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<Placed> {
    if (mode === 'auto_rename') {
      name = await this.freeName(folder, name, entry.type)
      mode = 'refuse'
      occupant = null
    }
    const placed = await this.inner.copy(this.storedEntry(entry), await this.folderFor(folder), this.storedName(name, entry.type), mode, occupant ? this.storedEntry(occupant) : occupant, options)
    this.forget(joinRemotePath(folder.path, name))
    return {fileId: placed.fileId, name: this.plainName(placed.name, entry.type, name)}
  }

  /** A stored name the service answered, in plain words (`fallback` if it is not ours). */
  private plainName(stored: string, type: 'file' | 'folder', fallback: string): string {
    try {
      return type === 'file' ? this.crypt.names.decryptFilePath(stored) : this.crypt.names.decryptDirPath(stored)
    } catch {
      return fallback
    }
  }

  /**
   * The service's `auto_rename` would number the stored (encrypted) name, which then decrypts to
   * nothing: numbered names are chosen here instead, as the service numbers them (`a(1).txt`).
   */
  private async freeName(folder: RemoteEntry, name: string, type: 'file' | 'folder'): Promise<string> {
    const taken = new Set((await this.list(folder)).map((e) => e.name))
    if (!taken.has(name)) return name
    const dot = type === 'file' ? name.lastIndexOf('.') : -1
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
    for (let n = 1; ; n++) if (!taken.has(`${stem}(${n})${ext}`)) return `${stem}(${n})${ext}`
  }

  // ---- bodies ----

  async upload(parent: RemoteEntry, name: string, source: UploadSource, request: UploadRequest): Promise<DriveUploadOutcome> {
    let mode = request.checkNameMode
    if (mode === 'auto_rename') {
      name = await this.freeName(parent, name, 'file')
      mode = 'refuse'
    }
    const storedName = this.storedName(name, 'file')
    let nonce: Buffer = randomBytes(NONCE_SIZE)
    let encrypted: EncryptedSource | undefined
    let plainSize: number | undefined
    let stored: UploadSource
    switch (source.kind) {
      case 'file':
        encrypted = new EncryptedSource(fileSource(source.path, source.size), this.crypt, nonce)
        stored = {kind: 'bytes', source: encrypted, mtimeMs: source.mtimeMs}
        plainSize = source.size
        break
      case 'bytes':
        encrypted = new EncryptedSource(source.source, this.crypt, nonce)
        stored = {kind: 'bytes', source: encrypted, mtimeMs: source.mtimeMs}
        plainSize = source.source.size
        break
      case 'stream':
        stored = {kind: 'stream', body: this.crypt.encrypt(source.body as AsyncIterable<Uint8Array>, nonce), size: encryptedSize(source.size), mtimeMs: source.mtimeMs}
        plainSize = source.size
        break
      case 'unsized':
        stored = {kind: 'unsized', body: this.crypt.encrypt(source.body as AsyncIterable<Uint8Array>, nonce)}
        break
    }
    const onProgress = plainSize === undefined ? request.onProgress : scaledProgress(request.onProgress, plainSize)
    // Rapid upload never finds a ciphertext under a fresh nonce; the SHA-1 known is the plain file's.
    const outcome = await this.inner.upload(await this.folderFor(parent), storedName, stored, {...request, checkNameMode: mode, rapid: false, knownSha1: undefined, onProgress})
    if (outcome.status === 'exists') return outcome
    // A resumed upload carries on with the nonce it started with.
    if (encrypted) nonce = encrypted.nonce
    await this.options.nonces?.record(outcome.entry.file_id, outcome.entry.content_hash, nonce)
    this.forget(joinRemotePath(parent.path, name))
    const entry = this.plainEntry(outcome.entry, parent.path, name)!
    return {...outcome, entry}
  }

  async download(entry: RemoteEntry, destination: string, options: DriveDownloadOptions): Promise<DownloadResult> {
    const stored = this.storedEntry(entry)
    const decode = cryptCodec(this.crypt, stored.size, entry.path)
    return this.inner.download(stored, destination, {...options, decode, onProgress: scaledProgress(options.onProgress, decode.decodedSize, stored.size)})
  }

  async downloadToStream(entry: RemoteEntry, output: Writable, options: DriveDownloadOptions): Promise<DownloadResult> {
    const stored = this.storedEntry(entry)
    const decode = cryptCodec(this.crypt, stored.size, entry.path)
    return this.inner.downloadToStream(stored, output, {...options, decode, onProgress: scaledProgress(options.onProgress, decode.decodedSize, stored.size)})
  }

  /**
   * Plain bytes [start, end) of a file: the whole blocks holding them are fetched and each is
   * authenticated before a byte of it goes out. A range from the start reads the header with the
   * blocks; any other needs the file's nonce first (recorded at upload, else 32 bytes read).
   */
  async openRange(entry: RemoteEntry, range: ByteRange | undefined, options: RangeOptions = {}): Promise<RangeRead> {
    const stored = this.storedEntry(entry)
    const plainSize = decryptedSize(stored.size, entry.path)
    const start = Math.min(range?.start ?? 0, plainSize)
    const end = Math.min(range?.end ?? plainSize, plainSize)
    const span = cipherRange(start, end, plainSize)
    const length = span.end - span.start
    if (start === 0) {
      const read = await this.inner.openRange(stored, {start: 0, end: Math.max(HEADER_SIZE, span.cipherEnd)}, options)
      const decrypt = this.crypt.decryptStream({label: entry.path, expectedBytes: Math.max(HEADER_SIZE, span.cipherEnd)})
      read.stream.on('error', (error) => decrypt.destroy(error))
      const stream = read.stream.pipe(decrypt)
      if (length === plainSize) return {stream, length}
      const limited = limit(length)
      decrypt.on('error', (error) => limited.destroy(error))
      return {stream: stream.pipe(limited), length}
    }
    const nonce = await this.nonceOf(entry, stored, options)
    const read = await this.inner.openRange(stored, {start: span.cipherStart, end: span.cipherEnd}, options)
    const decrypt = this.crypt.decryptStream({label: entry.path, expectedBytes: span.cipherEnd - span.cipherStart, range: {nonce, firstBlock: span.firstBlock, discard: span.discard, length}})
    read.stream.on('error', (error) => decrypt.destroy(error))
    return {stream: read.stream.pipe(decrypt), length}
  }

  /** The file's nonce: recorded when this profile uploaded it, else from its 32-byte header (one Range request). */
  private async nonceOf(entry: RemoteEntry, stored: RemoteEntry, options: RangeOptions = {}): Promise<Buffer> {
    const recorded = await this.options.nonces?.lookup(stored.file_id, stored.content_hash)
    if (recorded) return recorded
    const {stream} = await this.inner.openRange(stored, {start: 0, end: Math.min(HEADER_SIZE, stored.size)}, options)
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return headerNonce(Buffer.concat(chunks), entry.path)
  }

  /** The local file encrypted under the remote file's nonce, hashed: equal to its content_hash exactly when the contents are equal. */
  async localHash(entry: RemoteEntry, path: string, size: number, options: HashOptions = {}): Promise<string> {
    const stored = this.storedEntry(entry)
    // A size that no encryption of this file has: different, without reading anything.
    if (stored.size !== encryptedSize(size)) return `size:${size}`
    const nonce = await this.nonceOf(entry, stored, {signal: options.signal})
    const {sha1} = await this.crypt.ciphertextSha1(readFile(path, options), nonce)
    return sha1
  }

  async quota(signal?: AbortSignal): Promise<{used: number; total: number}> {
    if (!this.inner.quota) throw new UsageError('The drive has no quota to show.')
    return this.inner.quota(signal)
  }
}

function assertFolder(entry: RemoteEntry): RemoteEntry {
  if (entry.type !== 'folder') throw new ConflictError(`A file is in the way: ${entry.path} is a file, not a folder.`)
  return entry
}

function shorten(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name
}

/** Progress of stored bytes as plain bytes (a bar counts the file the user knows). */
function scaledProgress(onProgress: ((p: TransferProgress) => void) | undefined, plainSize: number, storedSize = encryptedSize(plainSize)): ((p: TransferProgress) => void) | undefined {
  if (!onProgress) return undefined
  const scale = storedSize > 0 ? plainSize / storedSize : 1
  return (p) => onProgress({...p, done: Math.min(plainSize, Math.round(p.done * scale)), total: p.total === undefined ? undefined : plainSize})
}

/** A local file's bytes in 1 MiB reads. */
async function* readFile(path: string, options: HashOptions): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(1 << 20)
    for (;;) {
      throwIfAborted(options.signal)
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, null)
      if (bytesRead === 0) return
      options.onBytes?.(bytesRead)
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await handle.close()
  }
}

/** At most `length` bytes of a stream, then its end. */
function limit(length: number): Transform {
  let left = length
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (left <= 0) return done()
      const piece = chunk.length > left ? chunk.subarray(0, left) : chunk
      left -= piece.length
      done(null, piece)
    },
  })
}
