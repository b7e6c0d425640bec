import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {isNotFound} from '../api/api-error.js'
import type {CheckNameMode} from '../api/wire.js'
import {type Drive, type DriveUploadOutcome, type RemoteEntry, type UploadSource, entryFromItem as entryFromFile} from '../drive/drive.js'
import {AlipanError, ConflictError, ExitCode, UsageError, asLocalFsError} from '../errors.js'
import type {RemovalMethod} from '../manage/remove.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {DOWNLOAD_SLOTS, type LivpFormat} from '../transfer/download.js'
import type {ByteRange, RangeRead} from '../transfer/range-read.js'
import {Semaphore} from '../transfer/semaphore.js'
import {StreamParts} from '../transfer/stream-parts.js'
import {type UploadTarget, rapidUploadFrom} from '../transfer/upload.js'
import type {PlaceOptions, PutOptions, ServeBackend} from './backend.js'
import {joinPath, splitPath} from './paths.js'

export interface DriveBackendOptions {
  /** What DELETE does, and where replaced files go: the `removal-method` setting. */
  removal: RemovalMethod
  /** Which stream of a live photo is served: the `livp-format` setting. */
  livp: LivpFormat
  rapid: boolean
  internalUpload: boolean
  bandwidth?: BandwidthLimiter
  /** Where a body of unknown length waits for its upload (default: the system temp folder). */
  spoolDir?: string
}

/** Bodies up to this size are read into memory first: they may be rapid uploads (upload.ts). */
const SMALL_BODY = 1024 * 1024

/**
 * A drive behind `serve webdav` (backend.ts's seam), any drive: lookups and listings, uploads,
 * range reads, moves, copies and removals all go through the Drive (a Drive rooted at the served
 * folder, so paths here are served paths). What is the server's own stays here: how a body is
 * taken (streamed, in memory, or spooled), a replaced file leaving only once the new one is in,
 * the OC-Checksum check. A drive with direct links gets 302s; one without (an encrypted
 * location, whose URLs serve ciphertext) is always proxied.
 */
export class DriveBackend implements ServeBackend {
  /** The per-user download connection limit (§6), shared by every proxied GET. */
  private readonly slots = new Semaphore(DOWNLOAD_SLOTS)
  /** Only for a drive that has links (see ServeBackend.link). */
  readonly link?: (file: RemoteEntry, signal?: AbortSignal) => Promise<string | undefined>
  /** Only where a time can be set: re-registering the same bytes by rapid upload. */
  readonly setModTime?: (file: RemoteEntry, mtimeMs: number, signal?: AbortSignal) => Promise<RemoteEntry>
  readonly quota?: (signal?: AbortSignal) => Promise<{used: number; total: number}>

  constructor(
    private readonly drive: Drive,
    private readonly options: DriveBackendOptions,
  ) {
    if (drive.link) this.link = (file, signal) => drive.link!(file, {signal, livp: options.livp})
    if (drive.api && drive.features.rapidUpload) this.setModTime = (file, mtimeMs, signal) => this.reregister(file, mtimeMs, signal)
    if (drive.quota) this.quota = (signal) => drive.quota!(signal)
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    if (path === '/') return this.drive.stat('/')
    // The Drive's own path cache lives for a command; a server asks afresh (listing-cache.ts decides when).
    this.drive.forgetAll()
    return this.drive.tryStat(path)
  }

  async list(folder: RemoteEntry): Promise<RemoteEntry[]> {
    const entries = await this.drive.list(folder)
    // The Drive remembers every entry it lists, for good; the listing cache above keeps them instead, for a while.
    this.drive.forgetAll()
    return entries
  }

  openRange(file: RemoteEntry, range: ByteRange | undefined, signal?: AbortSignal): Promise<RangeRead> {
    return this.drive.openRange(file, range, {slots: this.slots, bandwidth: this.options.bandwidth, signal, livp: this.options.livp})
  }

  async put(parent: RemoteEntry, name: string, body: Readable, options: PutOptions): Promise<RemoteEntry> {
    const source = await this.prepare(body, options)
    try {
      let replace = options.replace
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.upload(source, parent, name, replace, options)
        if (outcome.status === 'exists') {
          // The name was taken behind our back (listings are cached): a PUT replaces, once.
          const found = await this.stat(joinPath(parent.path, name))
          if (attempt > 0 || !found) throw new ConflictError(`${joinPath(parent.path, name)} keeps appearing while it is uploaded.`)
          if (found.type === 'folder') throw new ConflictError(`${found.path} is a folder.`)
          replace = found
          continue
        }
        const file = outcome.entry
        // The body's own SHA-1: the listed one where the drive stores the bytes as they are, else hashed on the way.
        const sha1 = this.drive.features.contentHash ? file.content_hash : source.sha1?.()
        if (options.expectSha1 && sha1 !== options.expectSha1) {
          await this.drive.remove(file, 'delete').catch(() => undefined)
          throw new UsageError(`The body's SHA-1 ${sha1} is not the ${options.expectSha1} its OC-Checksum announced; nothing was replaced.`, {code: 'ChecksumMismatch'})
        }
        // Safe overwrite: the old file goes only now that the new one is complete and verified.
        if (replace && replace.file_id !== file.file_id) await this.removeReplaced(replace, options)
        return file
      }
    } finally {
      await source.cleanup()
    }
  }

  async mkdir(parent: RemoteEntry, name: string): Promise<RemoteEntry> {
    const {entry, created, resent} = await this.drive.createFolderIn(parent, name)
    if (!created && !resent) throw new ConflictError(`${entry.path} already exists.`)
    return entry
  }

  async move(entry: RemoteEntry, toParent: RemoteEntry, name: string, options: PlaceOptions): Promise<RemoteEntry> {
    const target = joinPath(toParent.path, name)
    const placed = await this.drive.move(entry, toParent, name, this.placeMode(options), {signal: options.signal})
    this.drive.forget(entry.path)
    this.drive.forget(target)
    if (options.replace && options.replace.file_id !== placed.fileId) await this.removeReplaced(options.replace, options)
    return {...entry, path: joinPath(toParent.path, placed.name), name: placed.name, parent_file_id: toParent.file_id}
  }

  async copy(entry: RemoteEntry, toParent: RemoteEntry, name: string, options: PlaceOptions): Promise<RemoteEntry> {
    this.drive.forget(joinPath(toParent.path, entry.name))
    const placed = await this.drive.copy(entry, toParent, name, this.placeMode(options), undefined, {signal: options.signal})
    this.drive.forget(joinPath(toParent.path, name))
    if (options.replace && options.replace.file_id !== placed.fileId) await this.removeReplaced(options.replace, options)
    return {...entry, path: joinPath(toParent.path, placed.name), name: placed.name, parent_file_id: toParent.file_id, file_id: placed.fileId, item: undefined}
  }

  async remove(entry: RemoteEntry, signal?: AbortSignal): Promise<void> {
    await this.drive.remove(entry, this.options.removal, {signal})
    this.forgetLink(entry)
  }

  /**
   * The Open API cannot change a file's time in place (`update` takes a name, nothing more), so
   * the same content is registered again under the same name with the new time, by rapid upload
   * with proof bytes read from the file itself (8 bytes, not the content); the old entry, holding
   * the very same bytes, is then deleted outright rather than kept in the recycle bin.
   */
  private async reregister(file: RemoteEntry, mtimeMs: number, signal?: AbortSignal): Promise<RemoteEntry> {
    const api = this.drive.api!
    if (file.size > 0 && !file.content_hash) throw new AlipanError(`${file.path} has no SHA-1 to register again.`, ExitCode.conflict, {code: 'NoContentHash'})
    const parent = {...file, path: splitPath(file.path)[0], file_id: file.parent_file_id, type: 'folder' as const}
    let placed: RemoteEntry
    if (file.size === 0) {
      const outcome = await this.drive.upload(parent, file.name, {kind: 'stream', body: [Buffer.alloc(0)], size: 0, mtimeMs}, {...this.engine(signal), checkNameMode: 'ignore', occupants: [file.file_id]})
      if (outcome.status !== 'uploaded') throw notRapid(file)
      placed = outcome.entry
    } else {
      const target: UploadTarget = {client: api.client, driveId: api.driveId, parentId: file.parent_file_id, name: file.name, checkNameMode: 'ignore', occupants: [file.file_id]}
      const outcome = await rapidUploadFrom({size: file.size, contentHash: file.content_hash!, readProof: (start, end) => this.readBytes(file, start, end, signal)}, target, {mtimeMs, signal})
      if (outcome.status !== 'uploaded') throw notRapid(file)
      placed = entryFromFile(outcome.file, parent.path)
    }
    await this.drive.remove(file, 'delete', {signal})
    this.forgetLink(file)
    return placed
  }

  private forgetLink(file: RemoteEntry): void {
    ;(this.drive as {links?: {forget(key: string): void}}).links?.forget(file.file_id)
  }

  private engine(signal?: AbortSignal) {
    return {rapid: this.options.rapid, internalUpload: this.options.internalUpload, bandwidth: this.options.bandwidth, signal}
  }

  private async readBytes(file: RemoteEntry, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    const {stream} = await this.openRange(file, {start, end}, signal)
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  private placeMode(options: PlaceOptions): CheckNameMode {
    return options.replace ? 'ignore' : 'refuse'
  }

  /** A replaced file goes where removals go; an empty one (Windows PUTs 0 bytes before the content) is simply deleted: it holds nothing to restore. */
  private async removeReplaced(old: RemoteEntry, options: {signal?: AbortSignal; replaceFailed?: (old: RemoteEntry, error: unknown) => void}): Promise<void> {
    this.forgetLink(old)
    try {
      await this.drive.remove(old, old.type === 'file' && old.size === 0 ? 'delete' : this.options.removal, {signal: options.signal})
    } catch (error) {
      // Already gone (removed elsewhere since it was listed): what replacing it wanted.
      if (isNotFound(error)) return
      // The new entry stands already: failing the request now would tell the client its write was lost.
      if (!options.replaceFailed) throw error
      options.replaceFailed(old, error)
    }
  }

  /** The body as the upload will read it: streamed, in memory (small), or spooled to a private temp file (length unknown). */
  private async prepare(body: Readable, options: PutOptions): Promise<Source> {
    const none = async () => undefined
    // The body's SHA-1 on the way, where the drive's listing will not give it (see put).
    const hashing = options.expectSha1 !== undefined && !this.drive.features.contentHash
    if (options.size !== undefined && options.size > SMALL_BODY) {
      if (!hashing) return {kind: 'stream', body, size: options.size, cleanup: none}
      const hash = createHash('sha1')
      const tee = async function* () {
        for await (const chunk of body) {
          hash.update(chunk as Buffer)
          yield chunk as Buffer
        }
      }
      return {kind: 'stream', body: tee(), size: options.size, cleanup: none, sha1: () => hash.digest('hex').toUpperCase()}
    }
    if (options.size !== undefined) {
      // Read no further than announced: a chunked body claiming 1 KiB and sending gigabytes fails at its first extra byte (400), not once it is all in memory.
      const bytes = await new StreamParts(body, options.size).readAll()
      return {kind: 'buffer', bytes, cleanup: none, sha1: () => createHash('sha1').update(bytes).digest('hex').toUpperCase()}
    }
    const base = this.options.spoolDir ?? tmpdir()
    const dir = await mkdtemp(join(base, 'alipan-serve-')).catch((error: unknown) => {
      throw asLocalFsError(error, base, 'spooling an upload of unknown length to')
    })
    const cleanup = () => rm(dir, {recursive: true, force: true})
    try {
      const path = join(dir, 'body')
      const hash = hashing ? createHash('sha1') : undefined
      const spool = async function* () {
        for await (const chunk of body) {
          hash?.update(chunk as Buffer)
          yield chunk as Buffer
        }
      }
      await pipeline(hash ? spool() : body, createWriteStream(path, {mode: 0o600}), {signal: options.signal}).catch((error: unknown) => {
        throw asLocalFsError(error, dir, 'spooling an upload of unknown length to')
      })
      return {kind: 'file', path, size: (await stat(path)).size, cleanup, sha1: hash && (() => hash.digest('hex').toUpperCase())}
    } catch (error) {
      await cleanup()
      throw error
    }
  }

  private upload(source: Source, parent: RemoteEntry, name: string, replace: RemoteEntry | undefined, options: PutOptions): Promise<DriveUploadOutcome> {
    const request = {...this.engine(options.signal), checkNameMode: (replace ? 'ignore' : 'refuse') as CheckNameMode, occupants: replace ? [replace.file_id] : []}
    let upload: UploadSource
    switch (source.kind) {
      case 'stream':
        upload = {kind: 'stream', body: source.body, size: source.size, mtimeMs: options.mtimeMs}
        break
      case 'buffer':
        upload = {kind: 'stream', body: [source.bytes], size: source.bytes.length, mtimeMs: options.mtimeMs}
        break
      case 'file':
        upload = {kind: 'file', path: source.path, size: source.size, mtimeMs: options.mtimeMs ?? Date.now()}
        break
    }
    return this.drive.upload(parent, name, upload, request)
  }
}

function notRapid(file: RemoteEntry): AlipanError {
  return new AlipanError(`The service would not register ${file.path} again without its bytes, so its time was not changed.`, ExitCode.conflict, {code: 'NotRapid'})
}

type Source = (
  | {kind: 'stream'; body: AsyncIterable<unknown>; size: number}
  | {kind: 'buffer'; bytes: Buffer}
  | {kind: 'file'; path: string; size: number}
) & {cleanup: () => Promise<void>; sha1?: () => string}
