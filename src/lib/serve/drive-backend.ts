import {createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {isNotFound} from '../api/api-error.js'
import {getSpaceInfo} from '../api/user.js'
import type {CheckNameMode} from '../api/wire.js'
import {type Drive, type RemoteEntry, entryFromItem} from '../drive/drive.js'
import {AlipanError, ConflictError, ExitCode, UsageError, asLocalFsError} from '../errors.js'
import {MAX_EXPIRE_SEC} from '../manage/link.js'
import {copyOne, moveOne} from '../manage/move-copy.js'
import {type RemovalMethod, removeEntry} from '../manage/remove.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {DOWNLOAD_SLOTS, type LivpFormat, downloadUrl, isLivePhoto, listingUrl} from '../transfer/download.js'
import {type ByteRange, type RangeRead, openRange} from '../transfer/range-read.js'
import {Semaphore} from '../transfer/semaphore.js'
import {type UploadOutcome, type UploadTarget, rapidUploadFrom, uploadFile, uploadSizedStream} from '../transfer/upload.js'
import type {PlaceOptions, PutOptions, ServeBackend} from './backend.js'
import {LinkCache} from './link-cache.js'
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
 * The Alipan drive behind `serve webdav` (backend.ts's seam), made of the pieces every other
 * command uses: the Drive for lookups and listings (a Drive rooted at the served folder, so paths
 * here are served paths), the upload engine for PUT, the download data plane for --proxy, and
 * manage/ for moves, copies and removals.
 */
export class DriveBackend implements ServeBackend {
  readonly links = new LinkCache()
  /** The per-user download connection limit (§6), shared by every proxied GET. */
  private readonly slots = new Semaphore(DOWNLOAD_SLOTS)

  constructor(
    private readonly drive: Drive,
    private readonly options: DriveBackendOptions,
  ) {}

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

  /** A direct URL, unless its signature covers headers the client would have to send (§6: `x-oss-additional-headers`). */
  async link(file: RemoteEntry): Promise<string | undefined> {
    const url = listingUrl(file) ?? (await this.links.get(this.linkKey(file), () => this.fetchLink(file)))
    return new URL(url).searchParams.has('x-oss-additional-headers') ? undefined : url
  }

  openRange(file: RemoteEntry, range: ByteRange | undefined, signal?: AbortSignal): Promise<RangeRead> {
    const key = this.linkKey(file)
    const fetch = () => this.fetchLink(file)
    const listed = listingUrl(file)
    return openRange(range ?? {start: 0, end: isLivePhoto(file) ? undefined : file.size}, {
      link: {get: () => (listed ? Promise.resolve(listed) : this.links.get(key, fetch)), renew: (stale) => this.links.renew(key, stale, fetch)},
      slots: this.slots,
      bandwidth: this.options.bandwidth,
      signal,
      label: file.path,
    })
  }

  async put(parent: RemoteEntry, name: string, body: Readable, options: PutOptions): Promise<RemoteEntry> {
    const source = await this.prepare(body, options)
    try {
      let replace = options.replace
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.upload(source, this.target(parent, name, replace), options)
        if (outcome.status === 'exists') {
          // The name was taken behind our back (listings are cached): a PUT replaces, once.
          const found = await this.stat(joinPath(parent.path, name))
          if (attempt > 0 || !found) throw new ConflictError(`${joinPath(parent.path, name)} keeps appearing while it is uploaded.`)
          if (found.type === 'folder') throw new ConflictError(`${found.path} is a folder.`)
          replace = found
          continue
        }
        const file = outcome.file
        if (options.expectSha1 && file.content_hash?.toUpperCase() !== options.expectSha1) {
          await removeEntry(this.drive, entryFromItem(file, parent.path), 'delete').catch(() => undefined)
          throw new UsageError(`The body's SHA-1 ${file.content_hash} is not the ${options.expectSha1} its OC-Checksum announced; nothing was replaced.`, {code: 'ChecksumMismatch'})
        }
        // Safe overwrite: the old file goes only now that the new one is complete and verified.
        if (replace && replace.file_id !== file.file_id) await this.removeReplaced(replace, options.signal)
        return entryFromItem(file, parent.path)
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
    const sameParent = entry.parent_file_id === toParent.file_id
    const placed = await moveOne(this.drive, entry, toParent, name, this.placeMode(options), sameParent, target, {signal: options.signal})
    this.drive.forget(entry.path)
    this.drive.forget(target)
    if (options.replace && options.replace.file_id !== placed.fileId) await this.removeReplaced(options.replace, options.signal)
    return {...entry, path: joinPath(toParent.path, placed.name), name: placed.name, parent_file_id: toParent.file_id}
  }

  async copy(entry: RemoteEntry, toParent: RemoteEntry, name: string, options: PlaceOptions): Promise<RemoteEntry> {
    this.drive.forget(joinPath(toParent.path, entry.name))
    const placed = await copyOne(this.drive, entry, toParent, name, this.placeMode(options), undefined, {signal: options.signal})
    this.drive.forget(joinPath(toParent.path, name))
    if (options.replace && options.replace.file_id !== placed.fileId) await this.removeReplaced(options.replace, options.signal)
    return {...entry, path: joinPath(toParent.path, placed.name), name: placed.name, parent_file_id: toParent.file_id, file_id: placed.fileId, item: undefined}
  }

  async remove(entry: RemoteEntry, signal?: AbortSignal): Promise<void> {
    await removeEntry(this.drive, entry, this.options.removal, {signal})
    this.links.forget(entry.file_id)
  }

  /**
   * The Open API cannot change a file's time in place (`update` takes a name, nothing more), so
   * the same content is registered again under the same name with the new time, by rapid upload
   * with proof bytes read from the file itself (8 bytes, not the content); the old entry, holding
   * the very same bytes, is then deleted outright rather than kept in the recycle bin.
   */
  async setModTime(file: RemoteEntry, mtimeMs: number, signal?: AbortSignal): Promise<RemoteEntry> {
    if (file.size > 0 && !file.content_hash) throw new AlipanError(`${file.path} has no SHA-1 to register again.`, ExitCode.conflict, {code: 'NoContentHash'})
    const target: UploadTarget = {client: this.drive.client, driveId: this.drive.driveId, parentId: file.parent_file_id, name: file.name, checkNameMode: 'ignore', occupants: [file.file_id]}
    const outcome =
      file.size === 0
        ? await this.upload({kind: 'buffer', bytes: Buffer.alloc(0), cleanup: async () => undefined}, target, {size: 0, mtimeMs, signal})
        : await rapidUploadFrom({size: file.size, contentHash: file.content_hash!, readProof: (start, end) => this.readBytes(file, start, end, signal)}, target, {mtimeMs, signal})
    if (outcome.status !== 'uploaded') {
      throw new AlipanError(`The service would not register ${file.path} again without its bytes, so its time was not changed.`, ExitCode.conflict, {code: 'NotRapid'})
    }
    await removeEntry(this.drive, file, 'delete', {signal})
    this.links.forget(file.file_id)
    return entryFromItem(outcome.file, splitPath(file.path)[0])
  }

  async quota(): Promise<{used: number; total: number}> {
    const info = await getSpaceInfo(this.drive.client)
    return {used: Number(info.personal_space_info?.used_size ?? 0), total: Number(info.personal_space_info?.total_size ?? 0)}
  }

  private linkKey(file: RemoteEntry): string {
    return isLivePhoto(file) ? `${file.file_id}#${this.options.livp}` : file.file_id
  }

  private fetchLink(file: RemoteEntry): Promise<string> {
    return downloadUrl(file, isLivePhoto(file) ? this.options.livp : undefined, {client: this.drive.client, driveId: this.drive.driveId}, MAX_EXPIRE_SEC)
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

  private target(parent: RemoteEntry, name: string, replace: RemoteEntry | undefined): UploadTarget {
    return {
      client: this.drive.client,
      driveId: this.drive.driveId,
      parentId: parent.file_id,
      name,
      checkNameMode: replace ? 'ignore' : 'refuse',
      occupants: replace ? [replace.file_id] : [],
    }
  }

  /** A replaced file goes where removals go; an empty one (Windows PUTs 0 bytes before the content) is simply deleted: it holds nothing to restore. */
  private async removeReplaced(old: RemoteEntry, signal?: AbortSignal): Promise<void> {
    this.links.forget(old.file_id)
    try {
      await removeEntry(this.drive, old, old.type === 'file' && old.size === 0 ? 'delete' : this.options.removal, {signal})
    } catch (error) {
      // Already gone (removed elsewhere since it was listed): what replacing it wanted.
      if (!isNotFound(error)) throw error
    }
  }

  /** The body as the upload will read it: streamed, in memory (small), or spooled to a private temp file (length unknown). */
  private async prepare(body: Readable, options: PutOptions): Promise<Source> {
    const none = async () => undefined
    if (options.size !== undefined && options.size > SMALL_BODY) return {kind: 'stream', body, size: options.size, cleanup: none}
    if (options.size !== undefined) {
      const chunks: Buffer[] = []
      for await (const chunk of body) chunks.push(chunk as Buffer)
      return {kind: 'buffer', bytes: Buffer.concat(chunks), cleanup: none}
    }
    const base = this.options.spoolDir ?? tmpdir()
    const dir = await mkdtemp(join(base, 'alipan-serve-')).catch((error: unknown) => {
      throw asLocalFsError(error, base, 'spooling an upload of unknown length to')
    })
    const cleanup = () => rm(dir, {recursive: true, force: true})
    try {
      const path = join(dir, 'body')
      await pipeline(body, createWriteStream(path, {mode: 0o600}), {signal: options.signal}).catch((error: unknown) => {
        throw asLocalFsError(error, dir, 'spooling an upload of unknown length to')
      })
      return {kind: 'file', path, size: (await stat(path)).size, cleanup}
    } catch (error) {
      await cleanup()
      throw error
    }
  }

  private upload(source: Source, target: UploadTarget, options: PutOptions): Promise<UploadOutcome> {
    const engine = {rapid: this.options.rapid, internalUpload: this.options.internalUpload, bandwidth: this.options.bandwidth, signal: options.signal}
    switch (source.kind) {
      case 'stream':
        return uploadSizedStream(source.body, source.size, target, {...engine, mtimeMs: options.mtimeMs})
      case 'buffer':
        if (options.size !== undefined && source.bytes.length !== options.size) {
          throw new UsageError(`The request body has ${source.bytes.length} bytes, not the ${options.size} announced.`, {code: 'SourceChanged'})
        }
        return uploadSizedStream([source.bytes], source.bytes.length, target, {...engine, mtimeMs: options.mtimeMs})
      case 'file':
        return uploadFile(source.path, {size: source.size, mtimeMs: options.mtimeMs ?? Date.now()}, target, engine)
    }
  }
}

type Source =
  | {kind: 'stream'; body: Readable; size: number; cleanup: () => Promise<void>}
  | {kind: 'buffer'; bytes: Buffer; cleanup: () => Promise<void>}
  | {kind: 'file'; path: string; size: number; cleanup: () => Promise<void>}
