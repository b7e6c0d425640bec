import {InterruptedError} from '../errors.js'

/** At most `limit` holders at once; waiters are served in order. */
export class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new InterruptedError()
    if (this.active < this.limit) {
      this.active++
      return this.releaser()
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant)
        if (index !== -1) this.waiting.splice(index, 1)
        reject(new InterruptedError())
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      this.waiting.push(grant)
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
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
