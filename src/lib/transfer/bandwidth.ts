import {UsageError} from '../errors.js'
import {sleep} from '../time.js'
import {parseSize} from './part-size.js'

/**
 * `--bwlimit`: one token bucket for a whole command, as rclone's token_bucket.go limits a whole
 * process. Every stream of every file, upload or download, draws from the same bucket, so the
 * total stays at the rate however many transfers run. GCRA form (one "theoretical arrival
 * time"), like the API pacer: a burst of at most `burstMs` worth of bytes, so over any transfer
 * longer than a few seconds the average is the rate within a percent or two.
 */
export class BandwidthLimiter {
  private tat = 0

  constructor(
    readonly bytesPerSec: number,
    private readonly burstMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSec > 0)) throw new UsageError(`A bandwidth limit must be positive (got ${bytesPerSec}).`)
  }

  /** Account for `bytes` moved (or about to move); returns how long to wait before moving more, in ms. */
  reserve(bytes: number): number {
    const now = this.now()
    this.tat = Math.max(this.tat, now) + (bytes * 1000) / this.bytesPerSec
    return Math.max(0, this.tat - now - this.burstMs)
  }

  /** Reserve and wait: for senders, before each chunk goes out. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(bytes)
    if (wait > 0) await sleep(wait, signal)
  }
}

/** Chunks paced by the limiter: each waits for its tokens before it is handed on. */
export async function* paced<T extends {length: number}>(chunks: AsyncIterable<T> | Iterable<T>, limiter: BandwidthLimiter, signal?: AbortSignal): AsyncGenerator<T> {
  for await (const chunk of chunks) {
    await limiter.take(chunk.length, signal)
    yield chunk
  }
}

/** `10M`, `512K`, `8MiB/s`, `1048576` → bytes per second (binary units); `off` or `0` → no limit. */
export function parseRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const trimmed = text.trim().replace(/\/s$/i, '')
  if (trimmed === '' || /^(off|none|0)$/i.test(trimmed)) return undefined
  try {
    return parseSize(trimmed)
  } catch {
    throw new UsageError(`Not a rate: ${text}`, {hint: 'bytes per second, or with a binary unit: 512K, 10M, 1.5MiB (off for none)'})
  }
}
