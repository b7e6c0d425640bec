import type {RemoteEntry} from '../drive/drive.js'
import type {AlipanError} from '../errors.js'
import {type ClashKind, type NameRules, foldRel} from './name-clash.js'

/**
 * One side of a transfer, walked once: the local folder (`walkLocal`) or the remote one
 * (`walkRemote`). `put -r`, `get -r` and `sync` all work from these, keyed by the path relative
 * to the walked folder with POSIX separators, parents before children.
 */
export interface TreeNode {
  rel: string
  type: 'file' | 'folder'
  /** Bytes for files; 0 for folders. */
  size: number
  /** Modification time in ms (float) when the side knows one. */
  mtimeMs?: number
  /** Remote live photos walked for a download: they land as one stream, so only the time compares (compare.ts). */
  sizeUnknown?: boolean
  /** Remote files: the service's SHA-1 (uppercase). */
  hash?: string
  /** Local side: the absolute path. */
  path?: string
  /** Remote side: the entry (its name may differ from the key on Windows). */
  entry?: RemoteEntry
  /** Folders: a filter left something inside out, so the folder itself must stay. */
  holdsExcluded?: boolean
  /** Downloads: it lost a name clash, so its key is a numbered name (name-clash.ts). */
  clash?: {kind: ClashKind; keeper: RemoteEntry; keeperRel: string}
}

/** Something the walk left out on purpose (a FIFO, a symlink): reported, not a failure. */
export interface SkippedEntry {
  rel: string
  reason: string
}

/** A path the walk could not take (a link loop, an unreadable folder, a name the disk refuses). */
export interface WalkFailure {
  rel: string
  error: AlipanError
}

export interface Tree {
  nodes: Map<string, TreeNode>
  skipped: SkippedEntry[]
  failed: WalkFailure[]
  /** DEST of an upload: remote entries that share a name with a kept one (the service allows duplicates). */
  shadowed: TreeNode[]
  /** A download's SOURCE: the nodes that lost a name clash and carry a numbered name. */
  clashes: TreeNode[]
  /**
   * A download's SOURCE: the local path of every entry of each walked folder, the ones a filter
   * left out included, folded by the target's rules (`landsAt`): what the remote side holds
   * under a local name, whether or not this run transfers it.
   */
  landings?: {rules: NameRules; rels: Set<string>}
}

export function emptyTree(): Tree {
  return {nodes: new Map(), skipped: [], failed: [], shadowed: [], clashes: []}
}

/**
 * Does the remote folder walked for a download hold an entry landing at `rel` (as the target
 * compares names), filtered out or not? Trees without that record answer from their nodes.
 */
export function landsAt(tree: Tree, rel: string): boolean {
  return tree.landings ? tree.landings.rels.has(foldRel(rel, tree.landings.rules)) : tree.nodes.has(rel)
}

export function joinRel(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name
}

/** `a/b/c` → `a/b`; a top-level name → ``. */
export function parentRel(rel: string): string {
  const slash = rel.lastIndexOf('/')
  return slash === -1 ? '' : rel.slice(0, slash)
}

/** Is `rel` the folder `folder` itself or somewhere inside it? */
export function isWithin(rel: string, folder: string): boolean {
  return folder === '' || rel === folder || rel.startsWith(`${folder}/`)
}

export function countFiles(tree: Tree): number {
  let n = 0
  for (const node of tree.nodes.values()) if (node.type === 'file') n++
  return n
}

/** Folders a filter left something out of (and each folder above them) must outlive a mirror's deletions. */
export function markHoldsExcluded(tree: Tree, folders: Iterable<string>): void {
  for (const rel of folders) {
    for (let r = rel; r !== '' && !tree.nodes.get(r)?.holdsExcluded; r = parentRel(r)) {
      const node = tree.nodes.get(r)
      if (node) node.holdsExcluded = true
    }
  }
}
