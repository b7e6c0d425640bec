import type {Drive, RemoteEntry} from '../drive/drive.js'
import {AlipanError, throwIfAborted} from '../errors.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {NO_FILTER, type PathFilter} from './filter.js'
import {runPool} from './pool.js'
import {type Tree, type TreeNode, emptyTree, joinRel, markHoldsExcluded} from './tree.js'

export interface RemoteWalkOptions {
  filter?: PathFilter
  /**
   * The name an entry takes on the walk's keys: for downloads, the local name it will be written
   * under (safe on this platform, a live photo's stream extension). A name it refuses (throws)
   * fails that entry alone.
   */
  localName?: (name: string, type: 'file' | 'folder') => string
  /**
   * Folders listed at once. Each folder is one listing (pages of 200, §4.2) and the client's pacer
   * keeps to 4 list calls/s (§7.3): a few in flight keep the pacer busy across round trips.
   */
  concurrency?: number
  signal?: AbortSignal
}

/**
 * Walk a remote folder for `get -r` and `sync`: one listing per folder, nothing else. Nodes carry
 * size, SHA-1 and a modification time (`local_modified_at`, else `updated_at`).
 */
export async function walkRemote(drive: Drive, root: RemoteEntry, options: RemoteWalkOptions = {}): Promise<Tree> {
  const tree = emptyTree()
  const filter = options.filter ?? NO_FILTER
  const collected: TreeNode[] = []
  const holdingExcluded = new Set<string>()
  let level: Array<{entry: RemoteEntry; rel: string}> = [{entry: root, rel: ''}]
  // Breadth-first, one level at a time, so listings run side by side and the pacer sets the pace.
  while (level.length > 0) {
    throwIfAborted(options.signal)
    const listings = await runPool(level, options.concurrency ?? 4, options.signal, async (folder) => ({folder, children: await drive.list(folder.entry)}))
    const next: typeof level = []
    for (const {folder, children} of listings) {
      const byName = new Map<string, TreeNode>()
      for (const child of children) {
        let name: string
        try {
          name = options.localName ? options.localName(child.name, child.type) : child.name
        } catch (error) {
          if (!(error instanceof AlipanError)) throw error
          tree.failed.push({rel: joinRel(folder.rel, child.name), error})
          continue
        }
        const rel = joinRel(folder.rel, name)
        if (filter.excludes(rel, child.type === 'folder')) {
          holdingExcluded.add(folder.rel)
          continue
        }
        const node: TreeNode = {rel, type: child.type, size: child.type === 'file' ? child.size : 0, mtimeMs: remoteMtimeMs(child), hash: child.content_hash, entry: child}
        const twin = byName.get(name)
        if (twin) {
          // The service allows duplicate names (`ignore`): keep the newest, report the others.
          const keep = (twin.entry?.updated_at ?? '') >= (child.updated_at ?? '') ? twin : node
          tree.shadowed.push(keep === twin ? node : twin)
          byName.set(name, keep)
        } else {
          byName.set(name, node)
        }
      }
      for (const node of byName.values()) {
        collected.push(node)
        if (node.type === 'folder') next.push({entry: node.entry!, rel: node.rel})
      }
    }
    level = next
  }
  collected.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  for (const node of collected) tree.nodes.set(node.rel, node)
  markHoldsExcluded(tree, holdingExcluded)
  return tree
}
