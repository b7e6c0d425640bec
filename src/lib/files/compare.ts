/**
 * Change detection shared by `sync` and `put -r --on-conflict skip`: decide from what the listings
 * already say, and read file contents only when they cannot tell.
 *
 * - `default`: unchanged when the sizes match and the modification times agree within the
 *   service's precision (1 ms; |Δ| < 1 ms, as rclone's modify window). Times are compared as the
 *   floats they are: truncating either side to whole milliseconds puts half of all files set by
 *   `utimes` 1 ms off (measured here), and each of those would be transferred again every run.
 *   Same size but no usable time on one side, or times that disagree: the SHA-1 decides.
 * - `checksum`: same size, then SHA-1, whatever the times say.
 * - `size-only`: sizes alone.
 *
 * A live photo downloads as one stream of its package (`IMG.livp` → `IMG.jpg`), so its local size
 * says nothing about the listed one, and no listing carries the stream's SHA-1: only the time can
 * tell (the download sets it to the remote one). Without a time, it is fetched again.
 */
export type CompareMode = 'default' | 'checksum' | 'size-only'

export interface Comparable {
  size: number
  /** Modification time in ms (float), when known. */
  mtimeMs?: number
  /** The local copy is a stream of a package (a live photo): sizes and hashes cannot be compared. */
  sizeUnknown?: boolean
}

export type Verdict = 'same' | 'differ' | 'hash'

/** The service keeps times to the millisecond (§1.3). */
export const MODIFY_WINDOW_MS = 1

export function compareFiles(source: Comparable, dest: Comparable, mode: CompareMode): Verdict {
  if (source.sizeUnknown || dest.sizeUnknown) return sameTime(source, dest) || mode === 'size-only' ? 'same' : 'differ'
  if (source.size !== dest.size) return 'differ'
  if (mode === 'size-only') return 'same'
  if (mode === 'checksum') return 'hash'
  if (sameTime(source, dest)) return 'same'
  return 'hash'
}

function sameTime(source: Comparable, dest: Comparable): boolean {
  return source.mtimeMs !== undefined && dest.mtimeMs !== undefined && Math.abs(source.mtimeMs - dest.mtimeMs) < MODIFY_WINDOW_MS
}
