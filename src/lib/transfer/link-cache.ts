import {DownloadLink} from '../transfer/download-link.js'

/**
 * Signed download URLs, one per file, reused until shortly before their `x-oss-expires`.
 * getDownloadUrl is limited to 1 call/s per user (§7.3), and a player opens the same file many
 * times (probing, seeking, resuming): the second to the hundredth GET of a file costs no call.
 * Concurrent requests for a file share one call (DownloadLink joins a renewal under way).
 */
export class LinkCache {
  private readonly links = new Map<string, DownloadLink>()

  constructor(
    private readonly options: {
      /** A URL with less life left than this is renewed before it is handed out (a client needs time to use it). */
      marginMs?: number
      /** Files remembered; the least recently used go first. */
      max?: number
    } = {},
  ) {}

  /**
   * The URL for `key` (a file id, or a file id and a live-photo stream); `fetch` asks the service
   * when there is none worth handing out. It must not depend on one request's signal: the URL it
   * gets serves every later request too.
   */
  get(key: string, fetch: () => Promise<string>): Promise<string> {
    return this.linkFor(key, fetch).get()
  }

  /** The data plane refused `stale` as expired: a new one, unless another request already renewed it. */
  renew(key: string, stale: string, fetch: () => Promise<string>): Promise<string> {
    return this.linkFor(key, fetch).renew(stale)
  }

  /** The file changed (replaced, removed): forget its URL. */
  forget(key: string): void {
    for (const [k, link] of this.links) {
      if (k !== key && !k.startsWith(`${key}#`)) continue
      this.retiredCalls += link.calls
      this.links.delete(k)
    }
  }

  /** URL fetches made so far (for tests and the benchmark). */
  get calls(): number {
    let n = this.retiredCalls
    for (const link of this.links.values()) n += link.calls
    return n
  }

  private retiredCalls = 0

  private linkFor(key: string, fetch: () => Promise<string>): DownloadLink {
    let link = this.links.get(key)
    if (link) {
      // Most recently used last: Map keeps insertion order.
      this.links.delete(key)
      this.links.set(key, link)
      return link
    }
    link = new DownloadLink(fetch, key, this.options.marginMs ?? 120_000)
    this.links.set(key, link)
    const max = this.options.max ?? 10_000
    while (this.links.size > max) {
      const oldest = this.links.keys().next().value as string
      this.retiredCalls += this.links.get(oldest)!.calls
      this.links.delete(oldest)
    }
    return link
  }
}
