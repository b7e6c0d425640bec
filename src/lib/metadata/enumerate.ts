import {searchFiles} from '../api/files.js'
import {type Drive, type RemoteEntry, entryFromItem} from '../drive/drive.js'
import {remotePathArg} from '../drive/remote-path.js'
import {throwIfAborted} from '../errors.js'
import {runPool} from '../files/pool.js'

/**
 * A remote folder and everything under it, as the service lists it: duplicate names stay
 * duplicates (the service allows them, and `du`, `tree` and `dedupe` must see each one).
 */
export interface RemoteListing {
  root: RemoteEntry
  /** The children of every folder read, by the folder's file_id, in name order. */
  children: Map<string, RemoteEntry[]>
}

export interface EnumerateOptions {
  /** Read folders down to this depth (the root's children are depth 1); default: all. */
  maxDepth?: number
  signal?: AbortSignal
}

/** How `du` and `tree` read: the search (default, faster), or one listing per folder (`--no-search`). */
export type ReadMethod = 'search' | 'list'

/** PATH (a file or a folder; missing: exit 3) and, for a folder, everything under it. */
export async function readRemoteTree(drive: Drive, path: string, options: EnumerateOptions & {method: ReadMethod}): Promise<RemoteListing> {
  const root = await drive.stat(remotePathArg(path))
  // The search sees stored names: a drive that maps them (an encrypted location) is listed.
  return options.method === 'list' || !drive.api ? listEachFolder(drive, root, options) : searchByParents(drive, root, options)
}

/** The search endpoint's page (§4.3: 100 at most) and its cap on conditions per query. */
const SEARCH_PAGE = 100
const CONDITIONS_PER_QUERY = 5
/** Folder batches in flight: enough to keep the client's pacer busy across round trips. */
const IN_FLIGHT = 4

/**
 * One `openFile/list` per folder (pages of 200, §4.2), paced at the list limit of 4 calls/s
 * (§7.3). Always current: it reads the folders themselves. `dedupe` acts on what it finds, so it
 * reads this way.
 */
export function listEachFolder(drive: Drive, root: RemoteEntry, options: EnumerateOptions = {}): Promise<RemoteListing> {
  return breadthFirst(root, options, async (folders) => {
    const out = new Map<string, RemoteEntry[]>()
    for (const folder of folders) out.set(folder.file_id, await drive.list(folder))
    return out
  }, 1)
}

/**
 * `openFile/search` with `parent_file_id = 'a' or … = 'e'`: five folders per query, pages of 100,
 * paced at the 15 calls/s that every call but list and link shares (§7.3). A level of a tree reads
 * in a quarter of the calls a listing per folder needs whenever its folders hold fewer than 100
 * entries, and at almost four times the call rate: `du` and `tree` read this way (README,
 * "du and tree read through the search").
 *
 * Only the folders under `root` are asked for, one level at a time: an empty query would list
 * the whole drive (§4.3), whatever `root` is.
 */
export function searchByParents(drive: Drive, root: RemoteEntry, options: EnumerateOptions = {}): Promise<RemoteListing> {
  const api = drive.api
  if (!api) return listEachFolder(drive, root, options)
  return breadthFirst(root, options, async (folders) => {
    const byId = new Map(folders.map((f) => [f.file_id, f]))
    const out = new Map<string, RemoteEntry[]>(folders.map((f) => [f.file_id, []]))
    const query = folders.map((f) => `parent_file_id = ${quote(f.file_id)}`).join(' or ')
    let marker = ''
    for (;;) {
      throwIfAborted(options.signal)
      const page = await searchFiles(api.client, {drive_id: api.driveId, query, limit: SEARCH_PAGE, order_by: 'name ASC', ...(marker ? {marker} : {})}, {signal: options.signal})
      for (const item of page.items ?? []) {
        const parent = byId.get(item.parent_file_id)
        // A search hit outside the folders asked for, or in the recycle bin, is not theirs.
        if (!parent || item.trashed) continue
        out.get(parent.file_id)!.push(entryFromItem(item, parent.path))
      }
      marker = page.next_marker ?? ''
      if (!marker) break
    }
    return out
  }, CONDITIONS_PER_QUERY)
}

/**
 * Read a tree level by level: each level's folders in batches of `batchSize`, a few batches at
 * once, so the pacer, not the round trips, sets the pace.
 */
async function breadthFirst(root: RemoteEntry, options: EnumerateOptions, read: (folders: RemoteEntry[]) => Promise<Map<string, RemoteEntry[]>>, batchSize: number): Promise<RemoteListing> {
  const children = new Map<string, RemoteEntry[]>()
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY
  let level: RemoteEntry[] = root.type === 'folder' ? [root] : []
  for (let depth = 1; level.length > 0 && depth <= maxDepth; depth++) {
    throwIfAborted(options.signal)
    const batches: RemoteEntry[][] = []
    for (let i = 0; i < level.length; i += batchSize) batches.push(level.slice(i, i + batchSize))
    const results = await runPool(batches, IN_FLIGHT, options.signal, read)
    const next: RemoteEntry[] = []
    for (const result of results) {
      for (const [id, entries] of result) {
        entries.sort(byName)
        children.set(id, entries)
        for (const entry of entries) if (entry.type === 'folder') next.push(entry)
      }
    }
    level = next
  }
  return {root, children}
}

function byName(a: RemoteEntry, b: RemoteEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.file_id < b.file_id ? -1 : a.file_id > b.file_id ? 1 : 0
}

/** A value in a search query (§4.3): single quotes, or double when it holds one. */
function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`
}
