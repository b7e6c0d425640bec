import type {IncomingMessage} from 'node:http'
import {Readable} from 'node:stream'

import {debug} from '../debug.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, NotFoundError, isAbortError, throwIfAborted} from '../errors.js'
import {backoffDelay, sleep} from '../time.js'
import type {BandwidthLimiter} from './bandwidth.js'
import {getStream, readBody} from './data-plane.js'
import {isConcurrencyError, isExpiredUrlError, parseOssError} from './oss-url.js'
import type {Semaphore} from './semaphore.js'

/** Where a file's signed URL comes from: shared and cached (download-link.ts), renewed when the data plane calls it expired. */
export interface UrlSource {
  get(): Promise<string>
  renew(stale: string): Promise<string>
}

export interface RangeReadOptions {
  link: UrlSource
  /** The per-user download connection limit (§6), shared with every other reader. */
  slots?: Semaphore
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  /** For messages. */
  label?: string
}

/** Bytes [start, end) of a file; `end` undefined = to the end of whatever the URL serves (a live photo's stream). */
export interface ByteRange {
  start: number
  end?: number
}

export interface RangeRead {
  stream: Readable
  /** Bytes the stream will carry, when known. */
  length?: number
}

const MAX_FAILURES = 6
const MAX_RENEWALS = 3
/** A reader waits this many times for a connection the service refused (ExceedMaxConcurrency), then gives up: never a hang. */
const MAX_CONCURRENCY_WAITS = 12

/**
 * A byte range of a remote file as a stream, for a server that passes the bytes on (`serve
 * webdav --proxy`). The first connection is made before this returns, so a refusal is an error
 * the caller can still answer with a status; after that, a dropped connection continues with a
 * Range request from the byte it stopped at, an expired URL is renewed, and ExceedMaxConcurrency
 * is waited out, as the download engine does for files.
 */
export async function openRange(range: ByteRange, options: RangeReadOptions): Promise<RangeRead> {
  const {start, end} = range
  if (end !== undefined && end <= start) return {stream: Readable.from([]), length: 0}
  const release = options.slots ? await options.slots.acquire(options.signal) : () => undefined
  try {
    const first = await connect(start, end, options)
    const length = end !== undefined ? end - start : contentLength(first, start)
    return {stream: new RangeStream(first, start, end, options, release), length}
  } catch (error) {
    release()
    throw error
  }
}

function contentLength(response: IncomingMessage, start: number): number | undefined {
  const header = Number(response.headers['content-length'])
  if (!Number.isFinite(header)) return undefined
  return response.statusCode === 200 && start > 0 ? undefined : header
}

/** One GET from `offset`, retried until the data plane answers with bytes. */
async function connect(offset: number, end: number | undefined, options: RangeReadOptions): Promise<IncomingMessage> {
  const {signal, link} = options
  let failures = 0
  let renewals = 0
  let waits = 0
  let url = await link.get()
  for (;;) {
    throwIfAborted(signal)
    const headers = end !== undefined ? {range: `bytes=${offset}-${end - 1}`} : offset > 0 ? {range: `bytes=${offset}-`} : {}
    let response: IncomingMessage
    try {
      response = await getStream(url, headers, signal)
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) throw new InterruptedError()
      if (++failures >= MAX_FAILURES) throw new NetworkError(`Reading ${options.label ?? 'a file'} failed (${(error as {code?: string}).code ?? (error as Error).message}).`, {cause: error})
      await sleep(backoffDelay(failures - 1, 300, 4000), signal)
      continue
    }
    const status = response.statusCode ?? 0
    if (status === 206 || (status === 200 && offset === 0)) return response
    if (status === 200) {
      response.destroy()
      throw new NetworkError(`The data plane ignored a Range request for ${options.label ?? 'a file'}.`)
    }
    const body = await readBody(response)
    if (isExpiredUrlError(status, body) && ++renewals <= MAX_RENEWALS) {
      url = await link.renew(url)
      continue
    }
    if (isConcurrencyError(status, body) && ++waits <= MAX_CONCURRENCY_WAITS) {
      debug('download', `ExceedMaxConcurrency for ${options.label ?? 'a file'}; waiting`)
      await sleep(backoffDelay(Math.min(waits, 5), 400, 5000), signal)
      continue
    }
    if ((status >= 500 || status === 408) && ++failures < MAX_FAILURES) {
      await sleep(backoffDelay(failures - 1, 300, 4000), signal)
      continue
    }
    const oss = parseOssError(body)
    const message = `Reading ${options.label ?? 'a file'} was refused: HTTP ${status}${oss.code ? ` ${oss.code}` : ''}.`
    if (status === 404) throw new NotFoundError(message, {code: oss.code})
    if (status === 416) throw new AlipanError(message, ExitCode.usage, {code: 'InvalidRange'})
    throw new NetworkError(message, {code: oss.code ?? `HTTP${status}`})
  }
}

/**
 * The bytes of one range, across as many data-plane connections as it takes. Backpressure runs
 * from the consumer to the upstream socket (paused while the consumer is full).
 */
class RangeStream extends Readable {
  private upstream?: IncomingMessage
  private offset: number
  private failures = 0
  private ended = false

  constructor(
    first: IncomingMessage,
    start: number,
    private readonly end: number | undefined,
    private readonly options: RangeReadOptions,
    private readonly release: () => void,
  ) {
    super({highWaterMark: 64 * 1024})
    this.offset = start
    this.attach(first)
  }

  override _read(): void {
    this.upstream?.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.upstream?.destroy()
    this.upstream = undefined
    this.release()
    callback(error)
  }

  private attach(response: IncomingMessage): void {
    this.upstream = response
    let settled = false
    const settle = (failure?: unknown) => {
      if (settled) return
      settled = true
      response.removeListener('data', onData)
      if (this.destroyed) return
      if (!failure && (this.end === undefined || this.offset >= this.end)) return this.finish()
      void this.reconnect(failure ?? new Error('connection closed before the end of the range'))
    }
    const onData = (chunk: Buffer) => {
      if (this.end !== undefined && this.offset + chunk.length > this.end) chunk = chunk.subarray(0, this.end - this.offset)
      this.offset += chunk.length
      const wait = this.options.bandwidth?.reserve(chunk.length) ?? 0
      const more = this.push(chunk)
      if (wait > 0) {
        response.pause()
        setTimeout(() => !this.destroyed && response.resume(), wait)
      } else if (!more) response.pause()
      if (this.end !== undefined && this.offset >= this.end) {
        response.destroy()
        settle()
      }
    }
    response.on('data', onData)
    response.once('end', () => settle())
    response.once('error', (error) => settle(error))
    response.once('close', () => settle(response.complete ? undefined : new Error('connection closed before the end of the body')))
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    this.upstream = undefined
    this.release()
    this.push(null)
  }

  private async reconnect(failure: unknown): Promise<void> {
    const {signal} = this.options
    if (signal?.aborted || isAbortError(failure)) return void this.destroy(new InterruptedError())
    debug('download', `${this.options.label ?? 'range'}: connection lost at ${this.offset} (${(failure as {code?: string}).code ?? (failure as Error).message})`)
    if (++this.failures >= MAX_FAILURES) return void this.destroy(new NetworkError(`Reading ${this.options.label ?? 'a file'} kept failing.`, {cause: failure}))
    try {
      await sleep(backoffDelay(this.failures - 1, 200, 4000), signal)
      const next = await connect(this.offset, this.end, this.options)
      if (this.destroyed) return void next.destroy()
      this.attach(next)
    } catch (error) {
      this.destroy(error as Error)
    }
  }
}
