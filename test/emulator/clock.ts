// The emulator's notion of "now". Every expiry (tokens, QR sessions, signed URLs, rate-limit
// buckets, async tasks) reads this clock, so `advanceTime` lets tests skip hours without sleeping,
// and `freeze` makes time-sensitive tests (rate limits) deterministic on a slow machine.

export class Clock {
  private offset = 0
  private frozenAt: number | undefined

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offset
  }

  advance(ms: number): void {
    this.offset += ms
  }

  /** stop (true) or resume (false) the passing of real time; advance() still moves it */
  freeze(frozen: boolean): void {
    if (frozen && this.frozenAt === undefined) this.frozenAt = Date.now()
    if (!frozen && this.frozenAt !== undefined) {
      this.offset += this.frozenAt - Date.now()
      this.frozenAt = undefined
    }
  }

  /** ISO-8601 UTC with milliseconds and Z, the only time format on the wire (§1.3) */
  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString()
  }

  unix(ms: number = this.now()): number {
    return Math.floor(ms / 1000)
  }
}
