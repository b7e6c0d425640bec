// Rate limits. The Open API throttles per (user_id, client_id) with three classes (§7.3):
// openFile/list 4/s, openFile/getDownloadUrl 1/s, every other authenticated call 15/s. Token
// buckets hold one second's worth, so a burst of N then a steady N/s passes; the 429 says in
// `x-retry-after` how many ms until the next token (§7.4). The online token service counts
// token-issuing requests per IP in a sliding window (§2.8).
import type {Clock} from './clock.js'

export type RateClass = 'list' | 'link' | 'other'

const RATES: Record<RateClass, number> = {list: 4, link: 1, other: 15}

export function rateClassOf(path: string): RateClass {
  if (path === '/adrive/v1.0/openFile/list') return 'list'
  if (path === '/adrive/v1.0/openFile/getDownloadUrl') return 'link'
  return 'other'
}

export class RateLimiter {
  private readonly buckets = new Map<string, {tokens: number; last: number}>()
  /** false = off; otherwise a multiplier of the real rates */
  scale: number | false

  constructor(
    private readonly clock: Clock,
    setting: boolean | number,
  ) {
    this.scale = RateLimiter.normalize(setting)
  }

  static normalize(setting: boolean | number): number | false {
    if (setting === false) return false
    if (setting === true) return 1
    if (!(setting > 0)) throw new Error('rate limit scale must be a positive number')
    return setting
  }

  set(setting: boolean | number): void {
    this.scale = RateLimiter.normalize(setting)
    this.buckets.clear()
  }

  /** 0 when the call may proceed, else the milliseconds until a token is available */
  take(userId: string, clientId: string, cls: RateClass): number {
    if (this.scale === false) return 0
    const rate = RATES[cls] * this.scale // tokens per second, also the capacity
    const key = `${userId}|${clientId}|${cls}`
    const now = this.clock.now()
    const b = this.buckets.get(key) ?? {tokens: rate, last: now}
    b.tokens = Math.min(rate, b.tokens + ((now - b.last) / 1000) * rate)
    b.last = now
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) / rate) * 1000))
  }
}

export class OnlineLimiter {
  private readonly hits = new Map<string, number[]>()
  limit: false | {max: number; minutes: number}

  constructor(
    private readonly clock: Clock,
    limit: false | {max: number; minutes: number},
  ) {
    this.limit = limit
  }

  /** records a hit for the IP; false when it is over the limit */
  hit(ip: string): boolean {
    if (this.limit === false) return true
    const now = this.clock.now()
    const windowStart = now - this.limit.minutes * 60_000
    const recent = (this.hits.get(ip) ?? []).filter((t) => t > windowStart)
    if (recent.length >= this.limit.max) {
      this.hits.set(ip, recent)
      return false
    }
    recent.push(now)
    this.hits.set(ip, recent)
    return true
  }

  reset(): void {
    this.hits.clear()
  }
}
