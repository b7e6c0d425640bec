import type {ApiClient} from '../api/client.js'
import {getUploadUrls} from '../api/upload.js'
import type {PartInfo} from '../api/wire.js'
import {NetworkError} from '../errors.js'
import {toInternalUploadUrl, urlExpiresSoon} from './oss-url.js'

/** Renew a part URL this long before its `x-oss-expires` (URLs live about an hour, §5.7). */
const RENEW_MARGIN_MS = 2 * 60 * 1000
/** URLs asked for at once when renewing: the next stretch of parts, not all 10,000. */
const BATCH = 50

/** The upload URLs of one session: seeded from `create`, renewed before they expire and on demand. */
export class UploadUrls {
  private readonly urls = new Map<number, string>()

  constructor(
    private readonly client: ApiClient,
    private readonly session: {driveId: string; fileId: string; uploadId: string},
    /** Total parts when known; streamed uploads ask for one URL at a time. */
    private readonly parts: number | undefined,
    private readonly options: {internalUpload?: boolean; signal?: AbortSignal},
  ) {}

  seed(list: readonly PartInfo[]): void {
    for (const part of list) if (part.upload_url) this.urls.set(part.part_number, part.upload_url)
  }

  /** The URL for part `n`; `renew` after the data plane said it expired. */
  async get(n: number, renew = false): Promise<string> {
    let url = this.urls.get(n)
    if (renew || !url || urlExpiresSoon(url, RENEW_MARGIN_MS)) {
      const last = this.parts ? Math.min(this.parts, n + BATCH - 1) : n
      const numbers = Array.from({length: last - n + 1}, (_, i) => n + i)
      const response = await getUploadUrls(this.client, this.session, numbers, {signal: this.options.signal})
      this.seed(response.part_info_list ?? [])
      url = this.urls.get(n)
      if (!url) throw new NetworkError(`The service gave no upload URL for part ${n}.`)
    }
    // §5.9: only rewrites the public Beijing host; other URLs pass unchanged.
    return this.options.internalUpload ? toInternalUploadUrl(url) : url
  }
}
