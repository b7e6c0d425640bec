import type {Drive, RemoteEntry} from '../drive/drive.js'
import {sortEntries} from '../files/ls.js'
import {humanSize} from '../output/format.js'
import {type ReadMethod, type RemoteListing, readRemoteTree} from './enumerate.js'

export interface TreeViewOptions {
  /** Show sizes: a file's own, a folder's total. */
  size?: boolean
  dirsOnly?: boolean
  /** Entries down to this depth (PATH's children are depth 1). */
  maxDepth?: number
}

/** One entry of `tree --json`: folders carry their children (down to `--max-depth`). */
export interface TreeNodeJson {
  name: string
  path: string
  type: 'file' | 'folder'
  /** Files: bytes. Folders: the bytes beneath them with --size, else null. */
  size: number | null
  children?: TreeNodeJson[]
}

export interface TreeView {
  root: TreeNodeJson
  /** What the drawing shows (not counting PATH itself). */
  folders: number
  files: number
}

/** The tree as nested objects: a pure function of the listing. */
export function buildTreeView(listing: RemoteListing, options: TreeViewOptions = {}): TreeView {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY
  let folders = 0
  let files = 0
  const totals = new Map<string, number>()
  const total = (folder: RemoteEntry): number => {
    let bytes = totals.get(folder.file_id)
    if (bytes !== undefined) return bytes
    bytes = 0
    for (const child of listing.children.get(folder.file_id) ?? []) bytes += child.type === 'file' ? child.size : total(child)
    totals.set(folder.file_id, bytes)
    return bytes
  }
  const node = (entry: RemoteEntry, depth: number): TreeNodeJson => {
    const out: TreeNodeJson = {name: entry.name, path: entry.path, type: entry.type, size: entry.type === 'file' ? entry.size : options.size ? total(entry) : null}
    if (entry.type === 'folder' && depth < maxDepth) {
      const shown = sortEntries(listing.children.get(entry.file_id) ?? [], 'name', false).filter((c) => !options.dirsOnly || c.type === 'folder')
      out.children = shown.map((child) => {
        if (child.type === 'folder') folders++
        else files++
        return node(child, depth + 1)
      })
    }
    return out
  }
  return {root: node(listing.root, 0), folders, files}
}

/**
 * The drawing `tree` prints: PATH, then each entry under its parent with `├──`/`└──` guides,
 * folders ending in `/`, sizes in brackets with --size.
 */
export function renderTree(view: TreeView, options: TreeViewOptions = {}): string[] {
  const label = (node: TreeNodeJson) => `${options.size && node.size !== null ? `[${humanSize(node.size)}]  ` : ''}${printable(node.name)}${node.type === 'folder' ? '/' : ''}`
  const lines = [`${options.size && view.root.size !== null ? `[${humanSize(view.root.size)}]  ` : ''}${printable(view.root.path)}`]
  const draw = (node: TreeNodeJson, indent: string) => {
    const children = node.children ?? []
    children.forEach((child, i) => {
      const last = i === children.length - 1
      lines.push(`${indent}${last ? '└── ' : '├── '}${label(child)}`)
      draw(child, `${indent}${last ? '    ' : '│   '}`)
    })
  }
  draw(view.root, '')
  return lines
}

/** `3 folders, 12 files` (folders only with --dirs-only), as tree(1) ends. */
export function treeSummary(view: TreeView, options: TreeViewOptions = {}): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return options.dirsOnly ? plural(view.folders, 'folder') : `${plural(view.folders, 'folder')}, ${plural(view.files, 'file')}`
}

/** A name with a newline or other control character would break the drawing: show it escaped. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name).slice(1, -1) : name
}

export interface TreeOptions extends TreeViewOptions {
  path: string
  method: ReadMethod
  signal?: AbortSignal
}

/**
 * `tree PATH`: read down to `--max-depth` (the whole tree with --size, whose folder totals need
 * everything beneath), then build the view.
 */
export async function tree(drive: Drive, options: TreeOptions): Promise<TreeView> {
  const listing = await readRemoteTree(drive, options.path, {method: options.method, maxDepth: options.size ? undefined : options.maxDepth, signal: options.signal})
  return buildTreeView(listing, options)
}
