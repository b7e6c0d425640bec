// Ordering and pagination shared by list, search and starredList (§4.2–§4.4).
//
// Markers are opaque to clients but are keyset cursors here: the sort key and file id of the last
// item sent. The next page starts strictly after that position, so entries created or deleted
// between pages (a recursive `rm` walking a folder, say) never shift the listing.
import {ApiError, invalidParam} from './errors.js'
import type {FileNode} from './types.js'

export type OrderBy = 'name' | 'created_at' | 'updated_at' | 'size' | 'name_enhanced'
export const ORDER_FIELDS: readonly OrderBy[] = ['name', 'created_at', 'updated_at', 'size', 'name_enhanced']

type Key = string | number
const collator = new Intl.Collator('en', {numeric: true})

function keyOf(n: FileNode, by: OrderBy): Key {
  switch (by) {
    case 'created_at':
      return n.created
    case 'updated_at':
      return n.updated
    case 'size':
      return n.size ?? 0
    default:
      return n.name
  }
}

function compareKeys(a: Key, b: Key, by: OrderBy): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (by === 'name_enhanced') return collator.compare(String(a), String(b))
  return a < b ? -1 : a > b ? 1 : 0
}

interface Position {
  k: Key
  id: string
}

export function paginate(
  nodes: FileNode[],
  by: OrderBy,
  direction: 'ASC' | 'DESC',
  limit: number,
  marker: string | undefined,
): {items: FileNode[]; next_marker: string} {
  const sign = direction === 'DESC' ? -1 : 1
  // ties on the key fall back to the file id so the order is total and stable across pages
  const cmp = (a: Position, b: Position) => sign * compareKeys(a.k, b.k, by) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const positioned = nodes.map((n) => ({n, pos: {k: keyOf(n, by), id: n.file_id}}))
  positioned.sort((a, b) => cmp(a.pos, b.pos))
  let rest = positioned
  if (marker) {
    const after = decodeMarker(marker)
    rest = positioned.filter((p) => cmp(p.pos, after) > 0)
  }
  const page = rest.slice(0, limit)
  const last = page.at(-1)
  const next_marker = rest.length > limit && last ? encodeMarker(last.pos) : ''
  return {items: page.map((p) => p.n), next_marker}
}

function encodeMarker(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url')
}

function decodeMarker(marker: string): Position {
  try {
    const p = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as Position
    if ((typeof p.k === 'string' || typeof p.k === 'number') && typeof p.id === 'string') return p
  } catch {
    // fall through
  }
  throw invalidParam('marker')
}

/** limit: default/max per endpoint; above the max → 400 InvalidParameter.Limit (§4.2) */
export function parseLimit(value: number | undefined, def: number, max: number): number {
  if (value === undefined) return def
  if (value < 1 || value > max) {
    throw new ApiError(400, 'InvalidParameter.Limit', `The input parameter limit is not valid. limit should be less than ${max}`)
  }
  return value
}
