import type {Hash} from 'node:crypto'

import {debug} from '../debug.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, isAbortError} from '../errors.js'
import {redactUrl} from '../redact.js'
import {backoffDelay, sleep} from '../time.js'
import {type BandwidthLimiter, paced} from './bandwidth.js'
import {putChunks, sourceChanged} from './data-plane.js'
import type {BufferPool} from './file-chunks.js'
import {isExpiredUrlError, parseOssError} from './oss-url.js'
import type {UploadUrls} from './upload-urls.js'

/** A fresh source of the part's bytes for each attempt (a consumed stream cannot be replayed). */
export type PartBody = () => AsyncIterable<Buffer> | Buffer

export interface PutPartArgs {
  urls: UploadUrls
  partNumber: number
  length: number
  body: PartBody
  /** SHA-1 of everything before this part; copied, so a failed attempt leaves it untouched. */
  hash: Hash
  /** Where the body's chunks go back once the socket is done with them. */
  pool?: BufferPool
  /** `--bwlimit`: each chunk waits for its share of the command's bucket before it goes out. */
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  onBytes?: (sentInPart: number) => void
}

export type PutPartResult = {status: 'sent' | 'already-there'; hash: Hash} | {status: 'not-sequential'}

const MAX_FAILURES = 5
const MAX_RENEWALS = 3

/**
 * PUT one part to its signed URL (§5.6): no Content-Type (it is part of the signature), an
 * explicit Content-Length, retried after dropped connections and 5xx, with the URL renewed when
 * the data plane says it expired. PartAlreadyExist (409) means a previous attempt got through.
 */
export async function putPart(args: PutPartArgs): Promise<PutPartResult> {
  const {urls, partNumber: n, length, signal, pool} = args
  let failures = 0
  let renewals = 0
  let renew = false
  for (;;) {
    const url = await urls.get(n, renew)
    renew = false
    const attemptHash = args.hash.copy()
    let sent = 0
    const source = args.body()
    let response
    try {
      const chunks = chunksOf(source)
      response = await putChunks(url, length, args.bandwidth ? paced(chunks, args.bandwidth, signal) : chunks, {
        signal,
        recycle: pool && ((chunk) => pool.give(chunk)),
        onChunk: (chunk) => {
          attemptHash.update(chunk)
          sent += chunk.length
          args.onBytes?.(sent)
        },
      })
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) throw new InterruptedError()
      // A decided failure of the body's source (a local file that changed, a remote one refused): no retry.
      if (error instanceof AlipanError) throw error
      const code = (error as {code?: string}).code ?? (error as Error).message
      debug('upload', `part ${n}: ${code}`)
      if (++failures >= MAX_FAILURES) throw new NetworkError(`Uploading part ${n} failed ${failures} times (${code}).`, {hint: 'run the same command again: it resumes', cause: error})
      await sleep(backoffDelay(failures - 1, 500, 8000), signal)
      continue
    }
    const status = response.status
    if (status >= 200 && status < 300) {
      if (sent !== length) throw sourceChanged(sent, length)
      return {status: 'sent', hash: attemptHash}
    }
    const oss = parseOssError(response.body)
    debug('upload', `part ${n}: HTTP ${status} ${oss.code ?? ''} ${redactUrl(url)}`)
    if (status === 409 && oss.code === 'PartAlreadyExist') return {status: 'already-there', hash: await hashAll(args)}
    if (status === 400 && oss.code === 'PartNotSequential') return {status: 'not-sequential'}
    if (isExpiredUrlError(status, response.body) && ++renewals <= MAX_RENEWALS) {
      renew = true
      continue
    }
    if (status === 404 && oss.code === 'NoSuchUpload') {
      throw new AlipanError('The upload session no longer exists on the server.', ExitCode.network, {code: 'NoSuchUpload', hint: 'run the same command again to start over'})
    }
    if ((status >= 500 || status === 408 || status === 429) && ++failures < MAX_FAILURES) {
      await sleep(backoffDelay(failures - 1, 500, 8000), signal)
      continue
    }
    throw new NetworkError(`Uploading part ${n} was refused: HTTP ${status}${oss.code ? ` ${oss.code}` : ''}${oss.message ? ` (${oss.message})` : ''}.`, {code: oss.code ?? `HTTP${status}`})
  }
}

function chunksOf(body: AsyncIterable<Buffer> | Buffer): AsyncIterable<Buffer> | Iterable<Buffer> {
  return Buffer.isBuffer(body) ? (body.length > 0 ? [body] : []) : body
}

/** The part's bytes hashed without sending them (the server already had them). */
async function hashAll(args: PutPartArgs): Promise<Hash> {
  const hash = args.hash.copy()
  const source = args.body()
  for await (const chunk of chunksOf(source)) {
    hash.update(chunk)
    args.pool?.give(chunk)
  }
  return hash
}
