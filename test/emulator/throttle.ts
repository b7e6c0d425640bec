// Test knob: cap each data-plane request at N bytes per second, so that transfers last long
// enough for a test (or the demo) to watch progress or interrupt them. Off by default.

export class Throttle {
  constructor(public bytesPerSec: number | undefined) {}

  /** A per-request pacer: call with each chunk's size, await the returned delay. */
  meter(): (bytes: number) => Promise<void> {
    const started = Date.now()
    let total = 0
    return async (bytes) => {
      const rate = this.bytesPerSec
      if (!rate) return
      total += bytes
      const due = started + (total / rate) * 1000
      const wait = due - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }
}
