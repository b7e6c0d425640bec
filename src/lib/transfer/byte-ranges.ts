/** A half-open byte interval [start, end). */
export type Interval = [start: number, end: number]

/**
 * A set of byte positions kept as sorted, disjoint, non-touching intervals: which parts of a
 * multi-stream download are on disk, and which are still to fetch.
 */
export class ByteRanges {
  private list: Interval[] = []

  constructor(intervals: Iterable<Interval> = []) {
    for (const [start, end] of intervals) this.add(start, end)
  }

  get intervals(): Interval[] {
    return this.list.map(([a, b]) => [a, b])
  }

  /** Bytes covered. */
  get size(): number {
    return this.list.reduce((sum, [a, b]) => sum + b - a, 0)
  }

  add(start: number, end: number): void {
    if (end <= start) return
    const merged: Interval[] = []
    let [a, b] = [start, end]
    let placed = false
    for (const [s, e] of this.list) {
      if (e < a) merged.push([s, e])
      else if (s > b) {
        if (!placed) merged.push([a, b])
        placed = true
        merged.push([s, e])
      } else {
        a = Math.min(a, s)
        b = Math.max(b, e)
      }
    }
    if (!placed) merged.push([a, b])
    this.list = merged
  }

  /** Where the covered run that contains `from` ends (`from` itself when it is not covered). */
  runEnd(from: number): number {
    for (const [s, e] of this.list) {
      if (s <= from && from < e) return e
      if (s > from) break
    }
    return from
  }

  /** The gaps in [0, size). */
  missing(size: number): Interval[] {
    const gaps: Interval[] = []
    let at = 0
    for (const [s, e] of this.list) {
      if (s >= size) break
      if (s > at) gaps.push([at, s])
      at = Math.max(at, e)
    }
    if (at < size) gaps.push([at, size])
    return gaps
  }

  /** Only what lies below `size` (a .part shorter than its record cannot vouch for more). */
  clip(size: number): ByteRanges {
    return new ByteRanges(this.list.filter(([s]) => s < size).map(([s, e]) => [s, Math.min(e, size)] as Interval))
  }
}

/**
 * Work for the streams of one file: the missing intervals cut into pieces of at most `chunk`
 * bytes, handed out lowest offset first, so the streams advance together and the in-order SHA-1
 * trails just behind them. A piece a stream could not finish goes back, to be taken first.
 */
export class RangeQueue {
  private readonly pieces: Interval[] = []

  constructor(missing: Interval[], chunk: number) {
    for (const [start, end] of missing) {
      for (let at = start; at < end; at += chunk) this.pieces.push([at, Math.min(end, at + chunk)])
    }
  }

  get length(): number {
    return this.pieces.length
  }

  /** Bytes still to hand out. */
  get bytes(): number {
    return this.pieces.reduce((sum, [start, end]) => sum + end - start, 0)
  }

  take(): Interval | undefined {
    return this.pieces.shift()
  }

  giveBack(piece: Interval): void {
    if (piece[1] <= piece[0]) return
    const index = this.pieces.findIndex(([s]) => s > piece[0])
    this.pieces.splice(index === -1 ? this.pieces.length : index, 0, piece)
  }
}
