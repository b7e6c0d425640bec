import {sleep} from '../time.js'

/**
 * Client-side pacing at the documented per-user rates (§7.3): `openFile/list` 4/s,
 * `getDownloadUrl` 1/s, every other call 15/s. A big job slows down instead of meeting 429s.
 *
 * A token bucket in GCRA form (one "theoretical arrival time" per class): slots are reserved in
 * order, so concurrent transfers share one schedule; a short burst lets a small command's handful
 * of calls go at once, while the sustained rate stays under the limit.
 */
export type Bucket = 'list' | 'link' | 'other'

export const DOCUMENTED_RATES: Readonly<Record<Bucket, number>> = {list: 4, link: 1, other: 15}

/** Stay this fraction under the limits so clock jitter between us and the server does not bite. */
const SAFETY = 0.95

/** Calls allowed back to back before pacing starts: a third of a second's worth, at least one. */
function burstOf(rate: number): number {
  return Math.max(1, Math.floor(rate / 3))
}

export class Pacer {
  private readonly intervalMs: Record<Bucket, number>
  private readonly toleranceMs: Record<Bucket, number>
  private readonly arrival: Record<Bucket, number> = {list: 0, link: 0, other: 0}

  constructor(
    rates: Readonly<Record<Bucket, number>> = DOCUMENTED_RATES,
    private readonly now: () => number = Date.now,
  ) {
    const interval = (rate: number) => 1000 / (rate * SAFETY)
    this.intervalMs = {list: interval(rates.list), link: interval(rates.link), other: interval(rates.other)}
    this.toleranceMs = {
      list: (burstOf(rates.list) - 1) * this.intervalMs.list,
      link: (burstOf(rates.link) - 1) * this.intervalMs.link,
      other: (burstOf(rates.other) - 1) * this.intervalMs.other,
    }
  }

  /** Wait for this bucket's next free slot. */
  async take(bucket: Bucket, signal?: AbortSignal): Promise<void> {
    const now = this.now()
    const arrival = Math.max(this.arrival[bucket], now)
    this.arrival[bucket] = arrival + this.intervalMs[bucket]
    const wait = arrival - this.toleranceMs[bucket] - now
    if (wait > 0) await sleep(wait, signal)
  }

  /** The server said "wait": nobody in this process uses the bucket before then. */
  holdOff(bucket: Bucket, ms: number): void {
    this.arrival[bucket] = Math.max(this.arrival[bucket], this.now() + ms + this.toleranceMs[bucket])
  }
}
