import {sleep} from '../time.js'

/**
 * Client-side pacing at the documented per-user rates (§7.3): `openFile/list` 4/s,
 * `getDownloadUrl` 1/s, every other call 15/s. A big job slows down instead of meeting 429s.
 * Slots are reserved in order, so concurrent transfers share one schedule.
 */
export type Bucket = 'list' | 'link' | 'other'

export const DOCUMENTED_RATES: Readonly<Record<Bucket, number>> = {list: 4, link: 1, other: 15}

/** Stay this fraction under the limits so clock jitter between us and the server does not bite. */
const SAFETY = 0.95

export class Pacer {
  private readonly intervalMs: Record<Bucket, number>
  private readonly nextSlot: Record<Bucket, number> = {list: 0, link: 0, other: 0}

  constructor(
    rates: Readonly<Record<Bucket, number>> = DOCUMENTED_RATES,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = {
      list: 1000 / (rates.list * SAFETY),
      link: 1000 / (rates.link * SAFETY),
      other: 1000 / (rates.other * SAFETY),
    }
  }

  /** Wait for this bucket's next free slot. */
  async take(bucket: Bucket, signal?: AbortSignal): Promise<void> {
    const now = this.now()
    const slot = Math.max(now, this.nextSlot[bucket])
    this.nextSlot[bucket] = slot + this.intervalMs[bucket]
    if (slot > now) await sleep(slot - now, signal)
  }

  /** The server said "wait": nobody in this process uses the bucket before then. */
  holdOff(bucket: Bucket, ms: number): void {
    this.nextSlot[bucket] = Math.max(this.nextSlot[bucket], this.now() + ms)
  }
}
