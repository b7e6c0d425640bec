import type {Drive, RemoteEntry} from '../drive/drive.js'
import {throwIfAborted} from '../errors.js'

export type SortKey = 'name' | 'size' | 'time'

export interface LsOptions {
  path: string
  recursive?: boolean
  sort?: SortKey
  reverse?: boolean
}

/** One listed entry, the `--json` shape of `ls`. */
export interface LsEntry {
  name: string
  path: string
  type: 'file' | 'folder'
  /** Bytes; null for folders. */
  size: number | null
  file_id: string
  content_hash: string | null
  updated_at: string | null
}

/**
 * List a folder (or describe a file). Pages through next_marker to the end; a page that fails
 * throws, so a partial listing is never returned as if complete. `-R` walks depth-first,
 * each folder's children sorted, a folder followed by its contents.
 */
export async function listPath(drive: Drive, options: LsOptions): Promise<LsEntry[]> {
  const target = await drive.stat(options.path)
  if (target.type === 'file') return [toLsEntry(target)]
  const out: LsEntry[] = []
  const walk = async (folder: RemoteEntry): Promise<void> => {
    throwIfAborted(drive.signal)
    const children = sortEntries(await drive.list(folder), options.sort ?? 'name', options.reverse ?? false)
    for (const child of children) {
      out.push(toLsEntry(child))
      if (options.recursive && child.type === 'folder') await walk(child)
    }
  }
  await walk(target)
  return out
}

export function toLsEntry(entry: RemoteEntry): LsEntry {
  return {
    name: entry.name,
    path: entry.path,
    type: entry.type,
    size: entry.type === 'file' ? entry.size : null,
    file_id: entry.file_id,
    content_hash: entry.content_hash ?? null,
    updated_at: entry.updated_at ?? null,
  }
}

const collator = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'})

export function sortEntries(entries: RemoteEntry[], key: SortKey, reverse: boolean): RemoteEntry[] {
  const byName = (a: RemoteEntry, b: RemoteEntry) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const compare =
    key === 'size'
      ? (a: RemoteEntry, b: RemoteEntry) => b.size - a.size || byName(a, b)
      : key === 'time'
        ? (a: RemoteEntry, b: RemoteEntry) => (b.updated_at ?? '').localeCompare(a.updated_at ?? '') || byName(a, b)
        : byName
  const sorted = [...entries].sort(compare)
  return reverse ? sorted.reverse() : sorted
}
