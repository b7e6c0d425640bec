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
 */
export type CompareMode = 'default' | 'checksum' | 'size-only'

export interface Comparable {
  size: number
  /** Modification time in ms (float), when known. */
  mtimeMs?: number
}

export type Verdict = 'same' | 'differ' | 'hash'

/** The service keeps times to the millisecond (§1.3). */
export const MODIFY_WINDOW_MS = 1

export function compareFiles(source: Comparable, dest: Comparable, mode: CompareMode): Verdict {
  if (source.size !== dest.size) return 'differ'
  if (mode === 'size-only') return 'same'
  if (mode === 'checksum') return 'hash'
  if (source.mtimeMs !== undefined && dest.mtimeMs !== undefined && Math.abs(source.mtimeMs - dest.mtimeMs) < MODIFY_WINDOW_MS) return 'same'
  return 'hash'
}
