import {ApiError, isNotFound} from '../api/api-error.js'
import type {ApiClient} from '../api/client.js'
import {createFolder, getFile, getFileByPath, listFiles} from '../api/files.js'
import type {FileItem, FileType, OrderBy, OrderDirection} from '../api/wire.js'
import {ConflictError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import {joinRemotePath, normalizeRemotePath, parentAndName, splitRemotePath} from './remote-path.js'

/** A file or folder at a path of the drive, with what callers need from the wire object. */
export interface RemoteEntry {
  /** Absolute path under the configured root, e.g. `/backups/db.tar`. */
  path: string
  name: string
  type: FileType
  size: number
  file_id: string
  parent_file_id: string
  content_hash?: string
  created_at?: string
  updated_at?: string
  item?: FileItem
}

export interface ListOrder {
  orderBy?: OrderBy
  direction?: OrderDirection
}

/** The documented max page is 100, but 200 works in practice (§4.2); fall back if refused. */
const PAGE_SIZE = 200
const FALLBACK_PAGE_SIZE = 100

/**
 * The drive, shaped like rclone's Fs: path-addressed operations over an id-addressed API, with a
 * path→entry cache (repeated path lookups trigger the service's risk control, §4.6).
 */
export class Drive {
  private readonly cache = new Map<string, RemoteEntry>()
  private rootPath?: Promise<string>
  private pageSize = PAGE_SIZE

  constructor(
    readonly client: ApiClient,
    readonly driveId: string,
    /** Remote paths resolve under this folder id (`root` = the drive root). */
    readonly rootId: string = 'root',
  ) {}

  get signal(): AbortSignal | undefined {
    return this.client.signal
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
  async list(target: string | RemoteEntry, order?: ListOrder): Promise<RemoteEntry[]> {
    const folder = typeof target === 'string' ? await this.stat(target) : target
    if (folder.type !== 'folder') throw new UsageError(`Not a folder: ${folder.path}`)
    const all: RemoteEntry[] = []
    for await (const page of this.pages(folder, order)) all.push(...page)
    return all
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
}

export function entryFromItem(item: FileItem, parentPath: string): RemoteEntry {
  return {
    path: joinRemotePath(parentPath, item.name),
    name: item.name,
    type: item.type,
    size: Number(item.size ?? 0),
    file_id: item.file_id,
    parent_file_id: item.parent_file_id,
    content_hash: item.content_hash ? item.content_hash.toUpperCase() : undefined,
    created_at: item.created_at,
    updated_at: item.updated_at,
    item,
  }
}

function assertFolder(entry: RemoteEntry): RemoteEntry {
  if (entry.type !== 'folder') throw new ConflictError(`A file is in the way: ${entry.path} is a file, not a folder.`)
  return entry
}
