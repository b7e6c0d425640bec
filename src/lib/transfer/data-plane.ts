import {Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'

import {debug} from '../debug.js'
import {AlipanError, ExitCode, InterruptedError} from '../errors.js'
import {proxyAgentFor} from '../proxy.js'
import {redactUrl} from '../redact.js'

/**
 * The data plane: PUTs of upload parts and GETs of downloads against signed OSS URLs (§5.6, §6).
 * These move the bulk bytes, so they talk to node:http directly with their own agents: measured on
 * the 2-core machine, 1 GiB in 16 MiB parts cost 1.03–1.10 s of client CPU this way against
 * 1.14–1.94 s through got's stream layers. API calls have their own small client (api/http.ts).
 */

/** tickstep and OpenDAL send it; harmless for uploads, sometimes required for downloads (§6). */
export const REFERER = 'https://www.aliyundrive.com/'
/**
 * Hashing a file reads 4 MiB at a time, and a download's file sink buffers up to 4 MiB: fewer
 * syscalls and callbacks per GiB than the 64 KiB default. (Upload parts go out in 64 KiB reads
 * instead: see file-chunks.ts.)
 */
export const BULK_CHUNK = 4 << 20

const httpAgent = new HttpAgent({keepAlive: true, maxSockets: 16})
const httpsAgent = new HttpsAgent({keepAlive: true, maxSockets: 16})

let userAgent = 'alipan'
export function setDataPlaneUserAgent(value: string): void {
  userAgent = value
}

function open(url: string, method: 'GET' | 'PUT', headers: OutgoingHttpHeaders, signal?: AbortSignal) {
  const https = url.startsWith('https:')
  const request = https ? httpsRequest : httpRequest
  const agent = proxyAgentFor(url) ?? (https ? httpsAgent : httpAgent)
  return request(url, {method, headers: {'user-agent': userAgent, referer: REFERER, ...headers}, agent, signal})
}

export interface PutResponse {
  status: number
  body: string
}

/**
 * PUT `length` bytes from `chunks` with an explicit Content-Length and no Content-Type (it is part
 * of the URL's signature, §5.6). `onChunk` sees each chunk as it is handed to the socket;
 * `recycle` gets it back once the socket has written it, so its buffer can be reused.
 */
export function putChunks(
  url: string,
  length: number,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: {signal?: AbortSignal; onChunk?: (chunk: Buffer) => void; recycle?: (chunk: Buffer) => void} = {},
): Promise<PutResponse> {
  return new Promise((resolve, reject) => {
    const req = open(url, 'PUT', {'content-length': String(length)}, options.signal)
    let settled = false
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      req.destroy()
      reject(options.signal?.aborted ? new InterruptedError() : error)
    }
    let bodySent = false
    req.on('error', fail)
    req.on('response', (response) => {
      readBody(response).then((body) => {
        if (settled) return
        settled = true
        // An answer before the whole body went out (an expired URL, a refused part): stop sending
        // the rest rather than push it into the void, which also ends the loop below.
        if (!bodySent) req.destroy()
        resolve({status: response.statusCode ?? 0, body})
      }, fail)
    })
    const {recycle} = options
    ;(async () => {
      let sent = 0
      for await (const chunk of chunks) {
        if (settled) return
        sent += chunk.length
        options.onChunk?.(chunk)
        const written = recycle ? req.write(chunk, (error) => error || recycle(chunk)) : req.write(chunk)
        if (!written) await new Promise<void>((r, j) => {
          const onDrain = () => {
            req.off('close', onClose)
            r()
          }
          const onClose = () => {
            req.off('drain', onDrain)
            j(new Error('connection closed while sending'))
          }
          req.once('drain', onDrain)
          req.once('close', onClose)
        })
      }
      // A body that ends short would leave the server waiting for the rest until it times out.
      if (sent !== length) throw sourceChanged(sent, length)
      req.end()
      bodySent = true
    })().catch(fail)
    debug('data', `PUT ${redactUrl(url)} ${length} bytes`)
  })
}

/** The local file shrank (or grew) while its bytes were being sent. */
export function sourceChanged(read: number, expected: number): AlipanError {
  return new AlipanError(`The local file changed during upload: read ${read} bytes of a part, expected ${expected}.`, ExitCode.unexpected, {
    code: 'SourceChanged',
    hint: 'upload it again once it stops changing',
  })
}

/** GET a signed URL; the caller consumes `response` (a Readable) or reads the error body. */
export function getStream(url: string, headers: OutgoingHttpHeaders, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = open(url, 'GET', headers, signal)
    req.on('error', (error) => reject(signal?.aborted ? new InterruptedError() : error))
    req.on('response', resolve)
    req.end()
    debug('data', `GET ${redactUrl(url)}${headers.range ? ` ${String(headers.range)}` : ''}`)
  })
}

/** An error body (OSS XML) — capped, the rest drained so the connection can be reused. */
export async function readBody(stream: NodeJS.ReadableStream, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size < limit) chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return Buffer.concat(chunks).toString('utf8')
}
