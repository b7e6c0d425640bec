import {ApiError} from '../api/api-error.js'
import {batchGetFiles, getFile, searchFiles} from '../api/files.js'
import type {FileItem, FileType} from '../api/wire.js'
import {type AlipanApi, type Drive, type RemoteEntry, entryFromItem} from '../drive/drive.js'
import {joinRemotePath} from '../drive/remote-path.js'
import {AlipanError, ExitCode, UsageError, throwIfAborted} from '../errors.js'
import {type LsEntry, toLsEntry} from '../files/ls.js'
import {runPool} from '../files/pool.js'

export interface FindOptions {
  /** Folder to search under (default `/`). */
  path?: string
  /** Glob on the name (`*`, `?`, `[…]`, `{a,b}`), case-insensitive, whole name. */
  name?: string
  /** A raw `openFile/search` expression (§4.3). */
  query?: string
  type?: FileType
  signal?: AbortSignal
}

const PAGE_SIZE = 100
const BATCH = 100
const MAX_DEPTH = 256

/**
 * `find`: `openFile/search` is drive-wide and answers items with only their parent's id, so the
 * hits are placed in the tree by resolving their ancestors (batch/get, 100 ids a call, each id
 * fetched once), and kept only when they sit under PATH (and the configured root folder).
 * `--name` sends `name match` on the glob's longest literal run and filters with the full glob.
 */
export async function find(drive: Drive, options: FindOptions): Promise<LsEntry[]> {
  if (!options.name && options.query === undefined) throw new UsageError('Give --name GLOB or --query EXPR.')
  const base = await drive.stat(options.path ?? '/')
  if (base.type !== 'folder') throw new UsageError(`Not a folder: ${base.path}`)
  const pattern = options.name ? globToRegExp(options.name) : undefined
  const found = drive.api ? await search(drive, drive.api, base, pattern, options) : await walk(drive, base, pattern, options)
  const collator = new Intl.Collator(undefined, {numeric: true})
  return found.sort((a, b) => collator.compare(a.path, b.path)).map((e) => toLsEntry(e))
}

/** The service's search, drive-wide, its hits placed in the tree (see `find`). */
async function search(drive: Drive, api: AlipanApi, base: RemoteEntry, pattern: RegExp | undefined, options: FindOptions): Promise<RemoteEntry[]> {
  const query = buildQuery(options)
  const places = new Placer(drive, api, base)
  const found: RemoteEntry[] = []
  let marker = ''
  for (;;) {
    throwIfAborted(options.signal)
    let page
    try {
      page = await searchFiles(api.client, {drive_id: api.driveId, query, limit: PAGE_SIZE, order_by: 'name ASC', ...(marker ? {marker} : {})}, {signal: options.signal})
    } catch (error) {
      if (error instanceof ApiError && /^InvalidParameter/.test(error.apiCode)) {
        throw new AlipanError(`The service did not accept the search: ${error.message}`, ExitCode.usage, {code: error.apiCode, hint: "e.g. --query \"name match 'report' and type = 'file'\" (at most 5 conditions)"})
      }
      throw error
    }
    const hits = (page.items ?? []).filter((item) => (!pattern || pattern.test(item.name)) && (!options.type || item.type === options.type))
    const parents = await places.resolve(hits)
    for (const item of hits) {
      const parentPath = parents.get(item.parent_file_id)
      if (parentPath !== undefined && parentPath !== null) found.push(entryFromItem(item, parentPath))
    }
    marker = page.next_marker ?? ''
    if (!marker) break
  }
  return found
}

/** Folders listed at once by a walk (the pacer keeps to the list rate). */
const WALK_CONCURRENCY = 4

/**
 * A drive the search cannot see into (its stored names are not the names: an encrypted location)
 * is walked instead, one listing per folder under PATH, and names are matched as it lists them.
 */
async function walk(drive: Drive, base: RemoteEntry, pattern: RegExp | undefined, options: FindOptions): Promise<RemoteEntry[]> {
  if (options.query !== undefined) {
    throw new UsageError('--query needs the service\'s search, which cannot see the names in this location.', {hint: 'use --name GLOB and --type: they are matched while the folders are listed'})
  }
  const found: RemoteEntry[] = []
  let level = [base]
  while (level.length > 0) {
    const listings = await runPool(level, WALK_CONCURRENCY, options.signal, (folder) => drive.list(folder))
    level = []
    for (const entry of listings.flat()) {
      if ((!pattern || pattern.test(entry.name)) && (!options.type || entry.type === options.type)) found.push(entry)
      if (entry.type === 'folder') level.push(entry)
    }
  }
  return found
}

export function buildQuery(options: Pick<FindOptions, 'name' | 'query' | 'type'>): string {
  const conditions: string[] = []
  if (options.query !== undefined && options.query.trim()) conditions.push(`(${options.query.trim()})`)
  if (options.name) {
    const literal = longestLiteral(options.name)
    if (literal) conditions.push(`name match ${quote(literal)}`)
  }
  if (options.type) conditions.push(`type = '${options.type}'`)
  return conditions.join(' and ')
}

function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`
}

/** The longest run of plain characters in a glob (outside `[…]` and `{…}`, without `"`). */
export function longestLiteral(glob: string): string {
  const runs: string[] = []
  let current = ''
  let depth = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '\\' && i + 1 < glob.length && depth === 0) {
      current += glob[++i]
      continue
    }
    if (c === '[' || c === '{') depth++
    // A literal with ' is sent in "…" (§4.3 allows both quotes); a " ends the run.
    if (depth > 0 || c === '*' || c === '?' || c === '"') {
      runs.push(current)
      current = ''
      if ((c === ']' || c === '}') && depth > 0) depth--
      continue
    }
    current += c
  }
  runs.push(current)
  return runs.reduce((best, run) => (run.trim().length > best.length ? run.trim() : best), '')
}

/** A glob as an anchored, case-insensitive RegExp over a whole name. */
export function globToRegExp(glob: string): RegExp {
  let out = ''
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i])
    else if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end < 0) {
        out += '\\['
        continue
      }
      let body = glob.slice(i + 1, end)
      if (body.startsWith('!')) body = `^${body.slice(1)}`
      out += `[${body.replace(/\\/g, '\\\\')}]`
      i = end
    } else if (c === '{') {
      braces++
      out += '(?:'
    } else if (c === '}' && braces > 0) {
      braces--
      out += ')'
    } else if (c === ',' && braces > 0) out += '|'
    else out += escape(c)
  }
  out += ')'.repeat(braces)
  return new RegExp(`^${out}$`, 'is')
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/**
 * Folder id → path under the search base (null: outside it). Knows the base from the start;
 * learns every folder it fetches, so each id costs at most one lookup for the whole search.
 */
class Placer {
  private readonly paths = new Map<string, string | null>()
  private readonly folders = new Map<string, {name: string; parent: string}>()

  constructor(
    private readonly drive: Drive,
    private readonly api: AlipanApi,
    base: RemoteEntry,
  ) {
    this.paths.set(base.file_id, base.path)
    // The drive root is above every base but itself (and above a configured root folder).
    if (base.file_id !== 'root') this.paths.set('root', null)
    this.paths.set('', null)
  }

  /** Paths of the hits' parents: a string for those under the base, null otherwise. */
  async resolve(hits: FileItem[]): Promise<Map<string, string | null>> {
    for (const item of hits) if (item.type === 'folder') this.folders.set(item.file_id, {name: item.name, parent: item.parent_file_id})
    let frontier = this.unknownAncestors(hits.map((h) => h.parent_file_id))
    for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
      throwIfAborted(this.drive.signal)
      await this.fetch(frontier)
      frontier = this.unknownAncestors(frontier)
    }
    return new Map(hits.map((item) => [item.parent_file_id, this.pathOf(item.parent_file_id, 0)]))
  }

  /** For each id, the first id on its way up that is neither placed nor fetched yet. */
  private unknownAncestors(ids: string[]): string[] {
    const out = new Set<string>()
    for (let id of ids) {
      for (let depth = 0; depth < MAX_DEPTH && !this.paths.has(id); depth++) {
        const folder = this.folders.get(id)
        if (!folder) {
          out.add(id)
          break
        }
        id = folder.parent
      }
    }
    return [...out]
  }

  private pathOf(id: string, depth: number): string | null {
    const known = this.paths.get(id)
    if (known !== undefined) return known
    const folder = this.folders.get(id)
    this.paths.set(id, null)
    if (!folder || depth >= MAX_DEPTH) return null
    const parent = this.pathOf(folder.parent, depth + 1)
    const path = parent === null ? null : joinRemotePath(parent, folder.name)
    this.paths.set(id, path)
    return path
  }

  /** batch/get in chunks; ids the service does not return (gone, trashed) are outside. */
  private async fetch(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH)
      let items: FileItem[]
      try {
        items = await batchGetFiles(this.api.client, this.api.driveId, chunk)
      } catch (error) {
        if (!recoverable(error)) throw error
        items = await this.fetchOneByOne(chunk)
      }
      for (const item of items) if (item.type === 'folder') this.folders.set(item.file_id, {name: item.name, parent: item.parent_file_id})
      for (const id of chunk) if (!this.folders.has(id)) this.paths.set(id, null)
    }
  }

  /** If batch/get is refused, one `get` per id. */
  private async fetchOneByOne(ids: string[]): Promise<FileItem[]> {
    const items: FileItem[] = []
    for (const id of ids) {
      try {
        items.push(await getFile(this.api.client, this.api.driveId, id))
      } catch (error) {
        if (!recoverable(error)) throw error
      }
    }
    return items
  }
}

/** An answer about this request (not found, refused), not about the login or the network. */
function recoverable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false
  const fatal: number[] = [ExitCode.auth, ExitCode.network, ExitCode.interrupted]
  return !fatal.includes(error.exitCode)
}
