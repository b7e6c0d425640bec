import {type CompareMode, compareFiles} from '../files/compare.js'
import {type Tree, type TreeNode, isWithin, parentRel} from '../files/tree.js'

/**
 * The plan of a mirror run: a pure function of the two walked trees, the rules, and the SHA-1 of
 * the local files that the listings alone could not judge. `--dry-run` prints exactly this; the
 * executor carries it out. Nothing here touches the disk or the network, so every rule of a
 * mirror (what is new, changed, in the way, or to go) is unit-tested without either.
 */

export type ActionKind = 'new' | 'replace' | 'delete'

export interface SyncAction {
  action: ActionKind
  type: 'file' | 'folder'
  /** Path relative to SOURCE/DEST, POSIX separators. */
  rel: string
  /** Bytes: the file's size, or for a deleted folder the bytes of the files inside it. */
  size: number
  source?: TreeNode
  dest?: TreeNode
  /**
   * replace: `changed` content; `time`, same content under another time (no bytes move for an
   * upload: the service has them, rapid upload re-creates the file with the right time); `type`,
   * a file where a folder is or the other way round (the old one must go first).
   */
  reason?: 'changed' | 'time' | 'type'
  /** delete, and the old side of a `type` replace: the entries that go (a folder and all inside it). */
  entries?: number
  /** The local file's SHA-1 when the plan read it (an upload then need not read it again to hash). */
  localSha1?: string
}

export interface PlanRules {
  compare: CompareMode
  /**
   * Uploads: re-create a file whose content is the same but whose time is not, so the next run
   * sees it unchanged (only worth it when rapid upload makes that free).
   */
  fixRemoteTimes: boolean
}

export interface Plan {
  /** In the order they run: new folders (parents first), transfers, then deletions. */
  actions: SyncAction[]
  /** Files found identical. */
  unchanged: number
  /** Downloads: identical files whose local time only needs setting to the remote one. */
  retime: Array<{source: TreeNode; dest: TreeNode}>
  /** Entries a run would delete, counting everything inside deleted folders. */
  deleteEntries: number
}

/** The files whose local SHA-1 the plan needs: same size, and the times cannot tell (or `--checksum`). */
export function filesToHash(source: Tree, dest: Tree, compare: CompareMode): string[] {
  const out: string[] = []
  for (const [rel, s] of source.nodes) {
    const d = dest.nodes.get(rel)
    if (s.type === 'file' && d?.type === 'file' && compareFiles(s, d, compare) === 'hash') out.push(rel)
  }
  return out
}

export function plan(source: Tree, dest: Tree, rules: PlanRules, localHashes: ReadonlyMap<string, string> = new Map()): Plan {
  const folders: SyncAction[] = []
  const transfers: SyncAction[] = []
  const deletions: SyncAction[] = []
  const retime: Plan['retime'] = []
  let unchanged = 0
  const typeChanged: string[] = []

  for (const [rel, s] of source.nodes) {
    const d = dest.nodes.get(rel)
    if (!d) {
      ;(s.type === 'folder' ? folders : transfers).push({action: 'new', type: s.type, rel, size: s.size, source: s})
      continue
    }
    if (s.type !== d.type) {
      typeChanged.push(rel)
      transfers.push({action: 'replace', type: s.type, rel, size: s.size, source: s, dest: d, reason: 'type', entries: subtree(dest, d).entries})
      continue
    }
    if (s.type === 'folder') continue
    const verdict = compareFiles(s, d, rules.compare)
    if (verdict === 'same') {
      unchanged++
      continue
    }
    if (verdict === 'hash' && sameContent(s, d, localHashes.get(rel))) {
      // Same bytes under another time: set the time where that is cheap, so the next run need not
      // read the file again. Without a time on the remote side (another tool uploaded it, or the
      // listing has no `local_modified_at`, which the spec leaves unconfirmed) nothing is written.
      if (rules.compare === 'default' && s.mtimeMs !== undefined && d.mtimeMs !== undefined) {
        if (d.path !== undefined) retime.push({source: s, dest: d})
        else if (rules.fixRemoteTimes) {
          transfers.push({action: 'replace', type: 'file', rel, size: s.size, source: s, dest: d, reason: 'time', localSha1: localHashes.get(rel)})
          continue
        }
      }
      unchanged++
      continue
    }
    transfers.push({action: 'replace', type: 'file', rel, size: s.size, source: s, dest: d, reason: 'changed', ...(localHashes.has(rel) ? {localSha1: localHashes.get(rel)} : {})})
  }

  let deleteEntries = 0
  const going: string[] = []
  for (const [rel, d] of dest.nodes) {
    if (source.nodes.has(rel)) continue
    // Inside a folder that goes as one entry, or in the way of a type change: it goes with it.
    if (going.some((g) => isWithin(rel, g)) || typeChanged.some((t) => isWithin(rel, t))) continue
    // A folder holding excluded entries stays; its other contents are judged one by one.
    if (d.type === 'folder' && d.holdsExcluded) continue
    const {entries, bytes} = subtree(dest, d)
    deletions.push({action: 'delete', type: d.type, rel, size: bytes, dest: d, entries})
    deleteEntries += entries
    if (d.type === 'folder') going.push(rel)
  }
  // Duplicates of a kept name (the service allows them) are not part of a mirror.
  for (const d of dest.shadowed) {
    const parent = parentRel(d.rel)
    if (parent !== '' && (going.some((g) => isWithin(parent, g)) || typeChanged.some((t) => isWithin(parent, t)))) continue
    const {entries, bytes} = subtree(dest, d)
    deletions.push({action: 'delete', type: d.type, rel: d.rel, size: bytes, dest: d, entries})
    deleteEntries += entries
  }
  for (const action of transfers) if (action.reason === 'type') deleteEntries += action.entries ?? 1
  // Execution order: what needs no deletion first; then deletions; then each type change (its old
  // entry must go first) followed by what goes inside it.
  const underChange = (a: SyncAction) => typeChanged.some((t) => isWithin(a.rel, t))
  const first = [...folders, ...transfers].filter((a) => !underChange(a))
  const changes = typeChanged.flatMap((t) => [...folders, ...transfers].filter((a) => isWithin(a.rel, t)).sort((a, b) => (a.rel === t ? -1 : b.rel === t ? 1 : 0)))
  return {actions: [...first, ...deletions, ...changes], unchanged, retime, deleteEntries}
}

/**
 * The local file's SHA-1 against the remote one's, or (both sides remote: a copy between drives)
 * the two listings' SHA-1s. A remote file without a hash is never "the same".
 */
function sameContent(s: TreeNode, d: TreeNode, localHash: string | undefined): boolean {
  if (s.path === undefined && d.path === undefined) localHash = d.hash || undefined
  const remoteHash = s.path === undefined ? s.hash || undefined : d.hash
  return remoteHash !== undefined && localHash !== undefined && remoteHash.toUpperCase() === localHash.toUpperCase()
}

/** A dest entry and everything under it: how many entries, how many bytes. */
function subtree(tree: Tree, node: TreeNode): {entries: number; bytes: number} {
  if (node.type === 'file') return {entries: 1, bytes: node.size}
  let entries = 1
  let bytes = 0
  const prefix = `${node.rel}/`
  for (const [rel, child] of tree.nodes) {
    if (!rel.startsWith(prefix)) continue
    entries++
    bytes += child.size
  }
  return {entries, bytes}
}

/** Bytes a plan moves: new and changed files (a `time` replace moves none: rapid upload). */
export function plannedBytes(actions: readonly SyncAction[]): number {
  let bytes = 0
  for (const a of actions) if (a.type === 'file' && a.action !== 'delete' && a.reason !== 'time') bytes += a.size
  return bytes
}
