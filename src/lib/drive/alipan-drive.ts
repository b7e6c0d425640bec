import type {Writable} from 'node:stream'

import {ApiError, isNotFound} from '../api/api-error.js'
import type {ApiClient} from '../api/client.js'
import {createFolder, getFile, getFileByPath, listFiles, renameFile} from '../api/files.js'
import {getSpaceInfo} from '../api/user.js'
import type {CheckNameMode, FileItem, FileType} from '../api/wire.js'
import {ConflictError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import type {TaskEvents} from '../manage/async-task.js'
import {copyOne, moveOne} from '../manage/move-copy.js'
import {removeEntry} from '../manage/remove.js'
import {type DownloadResult, downloadToFile, downloadToStream, downloadUrl, isLivePhoto, listingUrl} from '../transfer/download.js'
import {sha1File} from '../transfer/hashing.js'
import {LinkCache} from '../transfer/link-cache.js'
import {type ByteRange, type RangeRead, openRange} from '../transfer/range-read.js'
import {downloadSlotsOf} from '../transfer/remote-source.js'
import {type UploadOutcome, type UploadTarget, uploadBytes, uploadFile, uploadSizedStream, uploadStream} from '../transfer/upload.js'
import {
  type AlipanApi,
  type Drive,
  type DriveDownloadOptions,
  type DriveFeatures,
  type DriveUploadOutcome,
  type HashOptions,
  type ListOrder,
  type Placed,
  type RangeOptions,
  type RemoteEntry,
  type RemovalMethod,
  type UploadRequest,
  type UploadSource,
  entryFromItem,
  listAll,
} from './drive.js'
import {joinRemotePath, normalizeRemotePath, parentAndName, splitRemotePath} from './remote-path.js'

/** The documented max page is 100, but 200 works in practice (§4.2); fall back if refused. */
const PAGE_SIZE = 200
const FALLBACK_PAGE_SIZE = 100

const FEATURES: DriveFeatures = {rapidUpload: true, contentHash: true, livePhotos: true}

/** Signed URLs may be handed to a client (serve's 302) for up to this long: the longest any app tier gets (§4.8). */
const LINK_EXPIRE_SEC = 14_400

/**
 * An Alipan drive as it is (the `alipan:` locations), shaped like rclone's Fs: path-addressed
 * operations over an id-addressed API, with a path→entry cache (repeated path lookups trigger the
 * service's risk control, §4.6). Changes and transfers are the engines every command has always
 * used (manage/, transfer/), called with this drive's login and ids.
 */
export class AlipanDrive implements Drive {
  private readonly cache = new Map<string, RemoteEntry>()
  private rootPath?: Promise<string>
  private pageSize = PAGE_SIZE
  private linkCache?: LinkCache
  readonly features = FEATURES

  constructor(
    readonly client: ApiClient,
    readonly driveId: string,
    /** Remote paths resolve under this folder id (`root` = the drive root). */
    readonly rootId: string = 'root',
  ) {}

  get signal(): AbortSignal | undefined {
    return this.client.signal
  }

  get storage(): string {
    return `alipan\0${this.driveId}`
  }

  get place(): string {
    return `${this.storage}\0${this.rootId}`
  }

  get api(): AlipanApi {
    return {client: this.client, driveId: this.driveId}
  }

  /** The entry at `path`; NotFoundError (exit 3) naming the path when there is none. */
  async stat(path: string): Promise<RemoteEntry> {
    const entry = await this.tryStat(path)
    if (!entry) throw new NotFoundError(`Not found: ${normalizeRemotePath(path)}`, {code: 'NotFound', hint: 'check the path with `alipan ls`'})
    return entry
  }

  async tryStat(path: string): Promise<RemoteEntry | undefined> {
    const normalized = normalizeRemotePath(path)
    const cached = this.cache.get(normalized)
    if (cached) return cached
    if (normalized === '/') return this.root()
    try {
      const item = await getFileByPath(this.client, this.driveId, (await this.absolutePrefix()) + normalized)
      return this.remember(entryFromItem(item, parentAndName(normalized)[0]))
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  /** The configured root folder as an entry. */
  private async root(): Promise<RemoteEntry> {
    let entry: RemoteEntry
    if (this.rootId === 'root') {
      entry = {path: '/', name: '', type: 'folder', size: 0, file_id: 'root', parent_file_id: ''}
    } else {
      const item = await this.getRootItem()
      entry = {...entryFromItem(item, '/'), path: '/', name: ''}
    }
    return this.remember(entry)
  }

  private async getRootItem(): Promise<FileItem> {
    try {
      const item = await getFile(this.client, this.driveId, this.rootId)
      if (item.type !== 'folder') throw new UsageError(`The root folder id ${this.rootId} is a file, not a folder.`, {hint: 'check --root-folder-id / `alipan config get root-folder-id`'})
      return item
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`The root folder id ${this.rootId} does not exist in this drive.`, {hint: 'check --root-folder-id / `alipan config get root-folder-id`'})
      throw error
    }
  }

  /**
   * get_by_path takes paths from the drive root (§4.6). Under another root folder, find that
   * folder's own path once by walking up its parents.
   */
  private absolutePrefix(): Promise<string> {
    this.rootPath ??= (async () => {
      if (this.rootId === 'root') return ''
      const names: string[] = []
      let item = await this.getRootItem()
      for (let depth = 0; depth < 256; depth++) {
        names.unshift(item.name)
        if (!item.parent_file_id || item.parent_file_id === 'root') return `/${names.join('/')}`
        item = await getFile(this.client, this.driveId, item.parent_file_id)
      }
      throw new UsageError('The root folder is nested too deeply.')
    })()
    return this.rootPath
  }

  /** Pages of a folder's children, through `next_marker` to the end; a failed page throws. */
  async *pages(folder: RemoteEntry, order: ListOrder = {}): AsyncGenerator<RemoteEntry[]> {
    let marker = ''
    for (;;) {
      throwIfAborted(this.signal)
      const response = await this.listPage(folder.file_id, marker, order)
      const entries = (response.items ?? []).map((item) => this.remember(entryFromItem(item, folder.path)))
      yield entries
      marker = response.next_marker ?? ''
      if (!marker) return
    }
  }

  private async listPage(parentId: string, marker: string, order: ListOrder) {
    const request = {
      drive_id: this.driveId,
      parent_file_id: parentId,
      limit: this.pageSize,
      order_by: order.orderBy ?? 'name',
      order_direction: order.direction ?? 'ASC',
      ...(marker ? {marker} : {}),
    }
    try {
      return await listFiles(this.client, request)
    } catch (error) {
      if (this.pageSize !== FALLBACK_PAGE_SIZE && error instanceof ApiError && /Limit/i.test(error.apiCode)) {
        this.pageSize = FALLBACK_PAGE_SIZE
        return listFiles(this.client, {...request, limit: FALLBACK_PAGE_SIZE})
      }
      throw error
    }
  }

  /** All children of a folder (by path or entry). */
  list(target: string | RemoteEntry, order?: ListOrder): Promise<RemoteEntry[]> {
    return listAll(this, target, order)
  }

  /**
   * `mkdir -p`: every missing folder on the way is created with `check_name_mode: refuse`, which
   * answers an existing folder's id with `exist: true` (§4.9) — safe to run concurrently and twice.
   */
  async mkdirp(path: string): Promise<RemoteEntry> {
    const normalized = normalizeRemotePath(path)
    const existing = this.cache.get(normalized)
    if (existing) return assertFolder(existing)
    let current = await this.root()
    for (const name of splitRemotePath(normalized)) {
      const childPath = joinRemotePath(current.path, name)
      const cached = this.cache.get(childPath)
      current = cached ? assertFolder(cached) : (await this.createFolderIn(current, name)).entry
    }
    return current
  }

  /**
   * Create one folder; `created: false` when a folder of that name was already there. `resent`:
   * the first attempt's answer was lost, so an existing folder may be the one it made.
   */
  async createFolderIn(parent: RemoteEntry, name: string): Promise<{entry: RemoteEntry; created: boolean; resent: boolean}> {
    throwIfAborted(this.signal)
    const response = await createFolder(this.client, this.driveId, parent.file_id, name)
    const path = joinRemotePath(parent.path, name)
    let type: FileType = response.type ?? 'folder'
    if (response.exist && response.type === undefined) type = (await getFile(this.client, this.driveId, response.file_id)).type
    const entry = this.remember({path, name, type, size: 0, file_id: response.file_id, parent_file_id: parent.file_id})
    return {entry: assertFolder(entry), created: !response.exist, resent: response.resent}
  }

  remember(entry: RemoteEntry): RemoteEntry {
    this.cache.set(entry.path, entry)
    return entry
  }

  /** Forget every remembered path: a long-running server keeps its own cache, one that expires (serve/listing-cache.ts). */
  forgetAll(): void {
    this.cache.clear()
  }

  /** Drop a path and everything under it from the cache (after remove, move, rename). */
  forget(path: string): void {
    const normalized = normalizeRemotePath(path)
    for (const key of this.cache.keys()) {
      if (key === normalized || key.startsWith(`${normalized}/`)) this.cache.delete(key)
    }
  }

  at(folder: RemoteEntry): AlipanDrive {
    return folder.path === '/' ? this : new AlipanDrive(this.client, this.driveId, folder.file_id)
  }

  async parentIdOf(fileId: string): Promise<string | undefined> {
    return (await getFile(this.client, this.driveId, fileId)).parent_file_id || undefined
  }

  remove(entry: RemoteEntry, method: RemovalMethod, options: {signal?: AbortSignal; events?: TaskEvents} = {}): Promise<void> {
    return removeEntry(this, entry, method, options)
  }

  async rename(entry: RemoteEntry, name: string, mode: CheckNameMode): Promise<string> {
    const item = await renameFile(this.client, this.driveId, entry.file_id, name, mode, entry.name)
    this.forget(entry.path)
    return item.name ?? name
  }

  move(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, options: {signal?: AbortSignal; events?: TaskEvents} = {}): Promise<Placed> {
    return moveOne(this, entry, folder, name, mode, entry.parent_file_id === folder.file_id, joinRemotePath(folder.path, name), options)
  }

  copy(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, occupant: RemoteEntry | null | undefined, options: {signal?: AbortSignal; events?: TaskEvents} = {}): Promise<Placed> {
    return copyOne(this, entry, folder, name, mode, occupant, options)
  }

  async upload(parent: RemoteEntry, name: string, source: UploadSource, request: UploadRequest): Promise<DriveUploadOutcome> {
    const target: UploadTarget = {client: this.client, driveId: this.driveId, parentId: parent.file_id, name, checkNameMode: request.checkNameMode, occupants: request.occupants}
    let outcome: UploadOutcome
    switch (source.kind) {
      case 'file':
        outcome = await uploadFile(source.path, source, target, request)
        break
      case 'bytes':
        outcome = await uploadBytes(source.source, source.mtimeMs, target, request)
        break
      case 'stream':
        outcome = await uploadSizedStream(source.body, source.size, target, {...request, mtimeMs: source.mtimeMs})
        break
      case 'unsized':
        outcome = await uploadStream(source.body, target, request)
        break
    }
    if (outcome.status === 'exists') return outcome
    // An answer that leaves out the name or size (the spec has both) keeps what was sent.
    const {file} = outcome
    const size = source.kind === 'file' ? source.size : source.kind === 'bytes' ? source.source.size : source.kind === 'stream' ? source.size : outcome.bytesSent
    const entry = entryFromItem({...file, name: file.name ?? name, size: file.size ?? size}, parent.path)
    return {status: 'uploaded', entry, rapid: outcome.rapid, bytesSent: outcome.bytesSent, resumedParts: outcome.resumedParts}
  }

  download(entry: RemoteEntry, destination: string, options: DriveDownloadOptions): Promise<DownloadResult> {
    return downloadToFile(entry, destination, {...options, client: this.client, driveId: this.driveId})
  }

  downloadToStream(entry: RemoteEntry, output: Writable, options: DriveDownloadOptions): Promise<DownloadResult> {
    return downloadToStream(entry, output, {...options, client: this.client, driveId: this.driveId})
  }

  /**
   * Through the file's listing URL when it has a usable one, else a signed URL kept per file while
   * it stays valid (getDownloadUrl allows 1 call/s): a player's many range reads of one file, or a
   * copy's parts, share it. A live photo without a range reads its chosen stream whole.
   */
  openRange(entry: RemoteEntry, range: ByteRange | undefined, options: RangeOptions = {}): Promise<RangeRead> {
    const livp = isLivePhoto(entry) ? options.livp ?? 'jpeg' : undefined
    const key = livp ? `${entry.file_id}#${livp}` : entry.file_id
    const fetch = () => downloadUrl(entry, livp, {client: this.client, driveId: this.driveId}, LINK_EXPIRE_SEC)
    const listed = livp ? undefined : listingUrl(entry)
    return openRange(range ?? {start: 0, end: livp ? undefined : entry.size}, {
      link: {get: () => (listed ? Promise.resolve(listed) : this.links.get(key, fetch)), renew: (stale) => this.links.renew(key, stale, fetch)},
      slots: options.slots ?? downloadSlotsOf(this.client),
      bandwidth: options.bandwidth,
      signal: options.signal,
      label: entry.path,
    })
  }

  /** A direct URL (the listing's, else a cached signed one), unless its signature covers headers the client would have to send (§6: `x-oss-additional-headers`). */
  async link(entry: RemoteEntry, options: {livp?: 'jpeg' | 'mov'} = {}): Promise<string | undefined> {
    const stream = isLivePhoto(entry) ? options.livp ?? 'jpeg' : undefined
    const key = stream ? `${entry.file_id}#${stream}` : entry.file_id
    const url = (stream ? undefined : listingUrl(entry)) ?? (await this.links.get(key, () => downloadUrl(entry, stream, {client: this.client, driveId: this.driveId}, LINK_EXPIRE_SEC)))
    return new URL(url).searchParams.has('x-oss-additional-headers') ? undefined : url
  }

  /** The signed URLs this drive keeps (serve counts and forgets them). */
  get links(): LinkCache {
    this.linkCache ??= new LinkCache()
    return this.linkCache
  }

  localHash(_entry: RemoteEntry, path: string, size: number, options: HashOptions = {}): Promise<string> {
    return sha1File(path, size, options)
  }

  async quota(): Promise<{used: number; total: number}> {
    const info = await getSpaceInfo(this.client)
    return {used: Number(info.personal_space_info?.used_size ?? 0), total: Number(info.personal_space_info?.total_size ?? 0)}
  }
}

function assertFolder(entry: RemoteEntry): RemoteEntry {
  if (entry.type !== 'folder') throw new ConflictError(`A file is in the way: ${entry.path} is a file, not a folder.`)
  return entry
}
