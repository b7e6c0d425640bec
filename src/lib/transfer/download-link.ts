import {debug} from '../debug.js'
import {urlExpiresSoon} from './oss-url.js'

/**
 * The one signed URL all streams of a file share. getDownloadUrl is limited to 1/s per user
 * (§7.3): three streams asking for their own URL would spend three seconds of that budget per
 * file, and renew three times when it expires. Here a renewal already under way is joined, and a
 * stream reporting a URL that was already replaced gets the new one without another call.
 */
export class DownloadLink {
  private current?: string
  private pending?: Promise<string>
  /** getDownloadUrl calls made through this link. */
  calls = 0

  constructor(
    private readonly fetchUrl: () => Promise<string>,
    private readonly label = '',
    /** A URL this close to its expiry is renewed before it is handed out. */
    private readonly marginMs = 30_000,
  ) {}

  /** The current URL, fetched first when there is none or it is about to expire. */
  get(): Promise<string> {
    if (this.current && !urlExpiresSoon(this.current, this.marginMs)) return Promise.resolve(this.current)
    return this.refresh()
  }

  /** `stale` was refused as expired: renew it, unless another stream already has. */
  renew(stale: string): Promise<string> {
    if (this.current && this.current !== stale) return Promise.resolve(this.current)
    debug('download', `URL expired for ${this.label}; renewing`)
    this.current = undefined
    return this.refresh()
  }

  private refresh(): Promise<string> {
    this.pending ??= (async () => {
      try {
        this.calls++
        this.current = await this.fetchUrl()
        return this.current
      } finally {
        this.pending = undefined
      }
    })()
    return this.pending
  }
}
