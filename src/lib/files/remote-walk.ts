import type {Drive, RemoteEntry} from '../drive/drive.js'
import {AlipanError, throwIfAborted} from '../errors.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {isLivePhoto} from '../transfer/download.js'
import {NO_FILTER, type PathFilter} from './filter.js'
import {EXACT_NAMES, type NameRules, foldRel, placeEntries} from './name-clash.js'
import {runPool} from './pool.js'
import {type Tree, type TreeNode, emptyTree, joinRel, markHoldsExcluded} from './tree.js'

export interface RemoteWalkOptions {
  filter?: PathFilter
  /**
   * Downloads: the keys are local names. `name` gives the one an entry takes on its own (made
   * safe, a live photo's stream extension; a name it refuses, by throwing, fails that entry
   * alone), and entries of one folder that would land on one name under `rules` are settled by
   * `placeEntries` (name-clash.ts): the newest keeps it, the others are numbered and listed in
   * `tree.clashes`. Without it (uploads: the remote side is DEST), the keys are the remote names
   * and the older duplicates of a name are `tree.shadowed`.
   */
  landing?: {name: (name: string, type: 'file' | 'folder', livePhoto: boolean) => string; rules: NameRules}
  /**
   * Folders listed at once. Each folder is one listing (pages of 200, §4.2) and the client's pacer
   * keeps to 4 list calls/s (§7.3): a few in flight keep the pacer busy across round trips.
   */
  concurrency?: number
  signal?: AbortSignal
}

/**
 * Walk a remote folder for `get -r` and `sync`: one listing per folder, nothing else. Nodes carry
 * size, SHA-1 and a modification time (`local_modified_at`, else `updated_at`). Nodes come out
 * sorted by key; `tree.clashes` in the order their folders were listed.
 */
export async function walkRemote(drive: Drive, root: RemoteEntry, options: RemoteWalkOptions = {}): Promise<Tree> {
  const tree = emptyTree()
  const filter = options.filter ?? NO_FILTER
  const collected: TreeNode[] = []
  const holdingExcluded = new Set<string>()
  if (options.landing) tree.landings = {rules: options.landing.rules, rels: new Set()}
  let level: Array<{entry: RemoteEntry; rel: string}> = [{entry: root, rel: ''}]
  // Breadth-first, one level at a time, so listings run side by side and the pacer sets the pace.
  while (level.length > 0) {
    throwIfAborted(options.signal)
    const listings = await runPool(level, options.concurrency ?? 4, options.signal, async (folder) => ({folder, children: await drive.list(folder.entry)}))
    const next: typeof level = []
    for (const {folder, children} of listings) {
      const named: Array<{entry: RemoteEntry; name: string}> = []
      for (const child of children) {
        try {
          named.push({entry: child, name: options.landing ? options.landing.name(child.name, child.type, isLivePhoto(child)) : child.name})
        } catch (error) {
          if (!(error instanceof AlipanError)) throw error
          tree.failed.push({rel: joinRel(folder.rel, child.name), error})
        }
      }
      // Names are settled among everything listed, filters or not, so a filter never renumbers.
      for (const {entry, name, clash} of placeEntries(named, options.landing?.rules ?? EXACT_NAMES)) {
        const rel = joinRel(folder.rel, options.landing || !clash ? name : clash.keeperName)
        tree.landings?.rels.add(foldRel(rel, tree.landings.rules))
        if (filter.excludes(rel, entry.type === 'folder')) {
          holdingExcluded.add(folder.rel)
          continue
        }
        const node: TreeNode = {rel, type: entry.type, size: entry.type === 'file' ? entry.size : 0, mtimeMs: remoteMtimeMs(entry), hash: entry.content_hash, entry}
        if (options.landing && entry.type === 'file' && isLivePhoto(entry)) node.sizeUnknown = true
        if (clash && !options.landing) {
          // DEST of an upload: the service allows duplicate names (`ignore`); the newest is compared, the others reported.
          tree.shadowed.push(node)
          continue
        }
        if (clash) {
          node.clash = {kind: clash.kind, keeper: clash.keeper, keeperRel: joinRel(folder.rel, clash.keeperName)}
          tree.clashes.push(node)
        }
        collected.push(node)
        if (node.type === 'folder') next.push({entry, rel: node.rel})
      }
    }
    level = next
  }
  collected.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  for (const node of collected) tree.nodes.set(node.rel, node)
  markHoldsExcluded(tree, holdingExcluded)
  return tree
}
