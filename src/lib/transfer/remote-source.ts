import type {IncomingMessage} from 'node:http'

import type {ApiClient} from '../api/client.js'
import {getDownloadUrl} from '../api/files.js'
import {debug} from '../debug.js'
import type {Drive, RemoteEntry} from '../drive/drive.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, UsageError, isAbortError, throwIfAborted} from '../errors.js'
import {backoffDelay, sleep} from '../time.js'
import {getStream, readBody} from './data-plane.js'
import {DOWNLOAD_SLOTS, listingUrl} from './download.js'
import {DownloadLink} from './download-link.js'
import {isConcurrencyError, isExpiredUrlError, parseOssError} from './oss-url.js'
import {Semaphore} from './semaphore.js'

const MAX_FAILURES = 6

/**
 * The service allows 3 download connections per user (§6). A copy reads from the source login's
 * data plane, so every reader of one login (one client) shares that login's connections.
 */
const slotsByLogin = new WeakMap<ApiClient, Semaphore>()
export function downloadSlotsOf(client: ApiClient): Semaphore {
  let slots = slotsByLogin.get(client)
  if (!slots) slotsByLogin.set(client, (slots = new Semaphore(DOWNLOAD_SLOTS)))
  return slots
}

/**
 * Byte ranges of a remote file, for a copy into another drive or login: the 8 proof bytes of a
 * rapid upload (§5.4), or the parts of a streamed copy. The file's signed URL is its listing's
 * direct `url` when that one is usable (§4.1: files under 5 MB, no getDownloadUrl call, which is
 * limited to 1/s), else getDownloadUrl's; one URL serves every range and is renewed when it
 * expires. Data-plane trouble (expiry, ExceedMaxConcurrency, 5xx, dropped connections) is waited
 * out as downloads do.
 */
export class RemoteSource {
  /** Bytes received from the data plane. */
  bytesRead = 0
  /** getDownloadUrl calls made. */
  linkCalls = 0
  /** The listing's URL, until it is first used. */
  private listing?: string
  /** The listing's URL once in use, to tell it apart from getDownloadUrl's. */
  private listingInUse?: string
  private current?: string
  private readonly link: DownloadLink
  private readonly slots: Semaphore

  constructor(
    readonly drive: Drive,
    readonly entry: RemoteEntry,
    private readonly signal?: AbortSignal,
  ) {
    this.listing = listingUrl(entry)
    this.link = new DownloadLink(() => this.fetchUrl(), entry.path)
    if (!drive.api) throw new UsageError(`${entry.path} cannot be read as it is stored to copy it.`)
    this.api = drive.api
    this.slots = downloadSlotsOf(drive.api.client)
  }

  private readonly api: {client: ApiClient; driveId: string}

  /** Was the URL in use the listing's own (which may serve other bytes, §4.1: images)? */
  get viaListingUrl(): boolean {
    return this.current !== undefined && this.current === this.listingInUse
  }

  /** From now on, getDownloadUrl's URL rather than the listing's. */
  async dropListingUrl(): Promise<void> {
    this.listing = undefined
    if (this.viaListingUrl) await this.link.renew(this.current!)
  }

  private async fetchUrl(): Promise<string> {
    if (this.listing) {
      const url = this.listing
      this.listing = undefined
      this.listingInUse = url
      return url
    }
    this.linkCalls++
    const response = await getDownloadUrl(this.api.client, this.api.driveId, this.entry.file_id, undefined, {signal: this.signal})
    // A live photo has streams instead of one URL (§4.8): its own bytes cannot be read to copy it.
    if (!response.url) throw new AlipanError(`The service gives no download URL for ${this.entry.path}, so it cannot be copied to another drive or login.`, ExitCode.unexpected, {code: 'NoDownloadUrl'})
    return response.url
  }

  /** Exactly the bytes [start, end) (the proof code's 8), in memory. */
  async read(start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0)
    const chunks: Buffer[] = []
    let failures = 0
    for (;;) {
      chunks.length = 0
      try {
        for await (const chunk of this.chunks(start, end)) chunks.push(chunk)
        return Buffer.concat(chunks)
      } catch (error) {
        if (error instanceof AlipanError || isAbortError(error)) throw error
        if (++failures >= MAX_FAILURES) throw new NetworkError(`Reading ${this.entry.path} kept failing.`, {cause: error})
        await sleep(backoffDelay(failures - 1, 300, 8000), this.signal)
      }
    }
  }

  /**
   * The bytes [start, end) as they arrive, holding one of the login's connections meanwhile. A
   * connection lost mid-range throws a plain error (the caller retries the range); a refusal
   * that waiting cannot cure throws an AlipanError.
   */
  async *chunks(start: number, end: number): AsyncGenerator<Buffer> {
    if (end <= start) return
    const release = await this.slots.acquire(this.signal)
    let response: IncomingMessage | undefined
    try {
      response = await this.open(start, end)
      // A server that ignores Range sends the whole file: skip to `start`, stop at `end`.
      let skip = response.statusCode === 200 ? start : 0
      let left = end - start
      for await (const data of response) {
        const chunk = data as Buffer
        this.bytesRead += chunk.length
        let piece = chunk
        if (skip > 0) {
          const drop = Math.min(skip, piece.length)
          skip -= drop
          piece = piece.subarray(drop)
        }
        if (piece.length > left) piece = piece.subarray(0, left)
        left -= piece.length
        if (piece.length > 0) yield piece
        if (left === 0 && response.statusCode === 200) break
      }
      if (left > 0) throw Object.assign(new Error(`the connection closed ${left} bytes before the end of the range`), {code: 'ECONNRESET'})
    } finally {
      if (response && !response.complete) response.destroy()
      release()
    }
  }

  /** GET the range, renewing the URL and waiting out refusals until the body starts. */
  private async open(start: number, end: number): Promise<IncomingMessage> {
    let failures = 0
    let waits = 0
    for (;;) {
      throwIfAborted(this.signal)
      const url = await this.link.get()
      this.current = url
      let response: IncomingMessage
      try {
        response = await getStream(url, {range: `bytes=${start}-${end - 1}`}, this.signal)
      } catch (error) {
        if (this.signal?.aborted || isAbortError(error)) throw new InterruptedError()
        if (++failures >= MAX_FAILURES) throw new NetworkError(`Reading ${this.entry.path} failed (${(error as {code?: string}).code ?? (error as Error).message}).`, {cause: error})
        await sleep(backoffDelay(failures - 1, 500, 8000), this.signal)
        continue
      }
      const status = response.statusCode ?? 0
      if (status === 206 || status === 200) return response
      const body = await readBody(response)
      if (this.viaListingUrl) {
        // Whatever the listing URL's problem is, getDownloadUrl gets a fresh one.
        await this.dropListingUrl()
        continue
      }
      if (isExpiredUrlError(status, body) && ++failures < MAX_FAILURES) {
        debug('copy', `URL expired for ${this.entry.path}; renewing`)
        await this.link.renew(url)
        continue
      }
      if (isConcurrencyError(status, body)) {
        // The source login's other programs hold its connections: wait, never fail for it.
        await sleep(backoffDelay(Math.min(++waits, 5), 400, 10_000), this.signal)
        continue
      }
      if ((status >= 500 || status === 408) && ++failures < MAX_FAILURES) {
        await sleep(backoffDelay(failures - 1, 500, 8000), this.signal)
        continue
      }
      const oss = parseOssError(body)
      throw new AlipanError(
        `Reading ${this.entry.path} was refused: HTTP ${status}${oss.code ? ` ${oss.code}` : ''}${oss.message ? ` (${oss.message})` : ''}.`,
        status === 404 ? ExitCode.notFound : ExitCode.network,
        {code: oss.code ?? `HTTP${status}`},
      )
    }
  }
}
