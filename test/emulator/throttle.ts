// Data-plane speed knobs. `bytesPerSec` caps every data-plane request (upload part or download) so
// that transfers last long enough for a test or the demo to watch progress or interrupt them.
// `downloadBytesPerSec` caps each download connection alone: the unpaid tier's ~500 KB/s per
// connection (§6), scaled to whatever a test or benchmark needs. Both off by default.

export class Throttle {
  constructor(
    public bytesPerSec: number | undefined,
    public downloadBytesPerSec?: number,
  ) {}

  /**
   * A per-request pacer: call with each chunk's size, await the returned delay. A download
   * request holds one connection for its whole body, so a per-request cap on downloads is the
   * per-connection cap; credit never builds up across requests.
   */
  meter(kind: 'upload' | 'download' = 'upload'): (bytes: number) => Promise<void> {
    const started = Date.now()
    let total = 0
    return async (bytes) => {
      const rate = this.rateFor(kind)
      if (!rate) return
      total += bytes
      const due = started + (total / rate) * 1000
      const wait = due - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }

  private rateFor(kind: 'upload' | 'download'): number | undefined {
    const caps = [this.bytesPerSec, kind === 'download' ? this.downloadBytesPerSec : undefined].filter((v): v is number => Boolean(v))
    return caps.length > 0 ? Math.min(...caps) : undefined
  }
}
