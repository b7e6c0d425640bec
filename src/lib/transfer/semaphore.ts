import {InterruptedError} from '../errors.js'

/**
 * At most `limit` holders at once. Two queues, each served in order: `normal` waiters always
 * before `low` ones. Downloads use it for the per-user connection limit (§6): a file's first
 * stream asks as `normal`, its extra streams as `low`, so a file waiting to start is never kept
 * behind another file's extra streams.
 */
export class Semaphore {
  private active = 0
  private readonly waiting: Record<Priority, Array<() => void>> = {normal: [], low: []}

  constructor(readonly limit: number) {}

  /** Holders right now (for tests and diagnostics). */
  get inUse(): number {
    return this.active
  }

  /** Waiters of normal priority: when there are any, low-priority holders should give way. */
  get waitingNormal(): number {
    return this.waiting.normal.length
  }

  async acquire(signal?: AbortSignal, priority: Priority = 'normal'): Promise<() => void> {
    if (signal?.aborted) throw new InterruptedError()
    if (this.active < this.limit && (priority === 'normal' ? true : this.waiting.normal.length === 0)) {
      this.active++
      return this.releaser()
    }
    const queue = this.waiting[priority]
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = queue.indexOf(grant)
        if (index !== -1) queue.splice(index, 1)
        reject(new InterruptedError())
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      queue.push(grant)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
    // The releasing holder handed its slot straight to us (active was not decremented).
    return this.releaser()
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.normal.shift() ?? this.waiting.low.shift()
      if (next) next()
      else this.active--
    }
  }
}

export type Priority = 'normal' | 'low'
