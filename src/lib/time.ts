import {InterruptedError} from './errors.js'

/** A sleep that an AbortSignal cuts short with InterruptedError. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new InterruptedError())
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(new InterruptedError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

/** Exponential backoff with full jitter: attempt 0 → up to base, 1 → up to 2·base, … capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** ISO-8601 UTC with milliseconds, the format the API uses (§1.3). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}
