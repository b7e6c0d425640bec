import type {Drive, RemoteEntry} from '../drive/drive.js'
import {sortEntries} from '../files/ls.js'
import {type ReadMethod, type RemoteListing, readRemoteTree} from './enumerate.js'

/** One folder of `du`: everything beneath it, at any depth. The `--json` shape. */
export interface DuRow {
  path: string
  /** Bytes of every file beneath it (duplicates included: each takes space). */
  size: number
  files: number
  folders: number
  /** 0 for PATH itself, 1 for its subfolders, … */
  depth: number
}

export interface DuResult {
  /** PATH itself: the total. */
  total: DuRow
  /** The folders down to `--max-depth`, as du prints them: a folder after its subfolders. */
  folders: DuRow[]
}

/**
 * `du`: size and counts per folder, from a listing of the whole tree (a pure function of it).
 * PATH may be a file: then the total is that file.
 */
export function folderSizes(listing: RemoteListing, maxDepth = Number.POSITIVE_INFINITY): DuResult {
  const folders: DuRow[] = []
  const visit = (folder: RemoteEntry, depth: number): DuRow => {
    const row: DuRow = {path: folder.path, size: 0, files: 0, folders: 0, depth}
    for (const child of sortEntries(listing.children.get(folder.file_id) ?? [], 'name', false)) {
      if (child.type === 'file') {
        row.size += child.size
        row.files++
        continue
      }
      const inner = visit(child, depth + 1)
      row.size += inner.size
      row.files += inner.files
      row.folders += inner.folders + 1
    }
    if (depth > 0 && depth <= maxDepth) folders.push(row)
    return row
  }
  const root = listing.root
  const total = root.type === 'file' ? {path: root.path, size: root.size, files: 1, folders: 0, depth: 0} : visit(root, 0)
  return {total, folders}
}

export interface DuOptions {
  path: string
  maxDepth?: number
  method: ReadMethod
  signal?: AbortSignal
}

/** `du PATH`: read the whole tree once (it is all needed for the totals), then add it up. */
export async function du(drive: Drive, options: DuOptions): Promise<DuResult> {
  return folderSizes(await readRemoteTree(drive, options.path, {method: options.method, signal: options.signal}), options.maxDepth)
}
