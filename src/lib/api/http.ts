import {Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'

import {proxyAgentFor} from '../proxy.js'

/**
 * One API request over node:http: what the client needs of an HTTP library and no more. A library
 * (got) cost ~35 ms of CPU to load on every command, a third of a one-call command's budget
 * (issue 16); the client's retries, 429 waits and token renewal are its own anyway (client.ts).
 *
 * Errors carry Node's codes (ECONNREFUSED, ECONNRESET, …) that the retry policy reads; the two
 * timeouts fail with ETIMEDOUT. Redirects are followed (the online token service may use them),
 * HTTPS_PROXY & co. honoured through proxy.ts.
 */
export interface HttpRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  /** Sent as JSON (POST). */
  json?: unknown
  signal?: AbortSignal
}

export interface HttpResponse {
  statusCode: number
  headers: IncomingHttpHeaders
  body: string
}

/** Connecting (TCP and TLS) may take this long; an established connection may idle this long. */
const CONNECT_TIMEOUT_MS = 20_000
const IDLE_TIMEOUT_MS = 120_000
const MAX_REDIRECTS = 10

// Keep-alive: the calls of one command reuse a connection; idle sockets never hold the process open.
const httpAgent = new HttpAgent({keepAlive: true})
const httpsAgent = new HttpsAgent({keepAlive: true})

export async function httpJson(request: HttpRequest): Promise<HttpResponse> {
  let {method, url} = request
  let body = request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json))
  for (let hops = 0; ; hops++) {
    const response = await send(method, url, request.headers, body, request.signal)
    const status = response.statusCode ?? 0
    const location = response.headers.location
    if (status >= 300 && status < 400 && status !== 304 && location && hops < MAX_REDIRECTS) {
      response.resume()
      url = new URL(location, url).toString()
      // 303, and 301/302 of a POST (as browsers and got do): the next request is a GET.
      if (status === 303 || (method === 'POST' && status !== 307 && status !== 308)) {
        method = 'GET'
        body = undefined
      }
      continue
    }
    return {statusCode: status, headers: response.headers, body: await readText(response)}
  }
}

function send(method: string, url: string, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.startsWith('https:')
    const agent = proxyAgentFor(url) ?? (https ? httpsAgent : httpAgent)
    // No accept-encoding: JSON answers are small, and zlib is one module less to load.
    const all: Record<string, string> = {accept: 'application/json', ...headers}
    if (body) {
      all['content-type'] = 'application/json'
      all['content-length'] = String(body.length)
    }
    const req = (https ? httpsRequest : httpRequest)(url, {method, headers: all, agent, signal})
    const fail = (code: string, message: string) => req.destroy(Object.assign(new Error(message), {code}))
    req.on('socket', (socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => fail('ETIMEDOUT', `connecting to ${new URL(url).host} timed out`), CONNECT_TIMEOUT_MS)
      socket.once(https ? 'secureConnect' : 'connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    req.setTimeout(IDLE_TIMEOUT_MS, () => fail('ETIMEDOUT', `no answer from ${new URL(url).host} for ${IDLE_TIMEOUT_MS / 1000} s`))
    req.on('response', resolve)
    req.on('error', reject)
    req.end(body)
  })
}

/** The whole body as text, decompressed if a server compressed it anyway; a body cut short fails as a dropped connection. */
async function readText(response: IncomingMessage): Promise<string> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase()
  let decoder: NodeJS.ReadWriteStream | undefined
  if (['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) {
    const zlib = await import('node:zlib')
    decoder = encoding === 'br' ? zlib.createBrotliDecompress() : encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip()
  }
  return new Promise((resolve, reject) => {
    const source = decoder ? response.pipe(decoder) : response
    const chunks: Buffer[] = []
    source.on('data', (chunk: Buffer) => chunks.push(chunk))
    source.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    source.once('error', reject)
    response.once('error', reject)
    response.once('close', () => {
      if (!response.complete) reject(Object.assign(new Error('the connection closed before the end of the answer'), {code: 'ECONNRESET'}))
    })
  })
}
