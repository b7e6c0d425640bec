import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http'
import {createServer as createTlsServer} from 'node:https'
import type {AddressInfo} from 'node:net'

import {debug} from '../debug.js'
import {redactText} from '../redact.js'
import {checkBasicAuth, hostAllowed} from './auth.js'
import type {ServeBackend} from './backend.js'
import {Dav, type DavOptions, DavRequest, sendError} from './dav.js'
import {DavError, statusFor} from './errors.js'
import {get} from './get.js'
import {lock, unlock} from './lock-methods.js'
import {printable} from './paths.js'
import {propfind, proppatch} from './propfind.js'
import {put} from './put.js'
import {copy, mkcol, move, remove} from './write-methods.js'

export interface WebdavServerOptions extends DavOptions {
  backend: ServeBackend
  host: string
  port: number
  tls?: {cert: Buffer; key: Buffer}
  /** Basic credentials every request must carry; none = open (authPolicy decides). */
  auth?: {user: string; pass: string}
  /** One line per request (method, path, status, ms); nothing secret is in it. */
  log?: (line: string) => void
  /** Aborting it stops the server (SIGTERM, Ctrl-C). */
  signal?: AbortSignal
  /** After a stop, requests still running get this long to end before their connections are cut. */
  graceMs?: number
}

export interface RunningServer {
  url: string
  port: number
  dav: Dav
  /** Stop accepting, abort what is in flight (uploads leave nothing behind), resolve once every connection is closed. */
  close(): Promise<void>
  /** Resolves when the server has stopped, whoever stopped it. */
  closed: Promise<void>
}

type Handler = (r: DavRequest) => Promise<void>

const HANDLERS: Record<string, Handler> = {
  OPTIONS: async (r) => options(r),
  GET: (r) => get(r, false),
  HEAD: (r) => get(r, true),
  PUT: put,
  DELETE: remove,
  MKCOL: mkcol,
  COPY: copy,
  MOVE: move,
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  LOCK: lock,
  UNLOCK: unlock,
}

const WRITES = new Set(['PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'PROPPATCH', 'LOCK', 'UNLOCK'])

/**
 * `serve webdav`: a focused WebDAV server (RFC 4918 class 1 and 2) on node:http, over a
 * ServeBackend. Each request is authenticated, parsed, decided and answered by one handler
 * module; failures become statuses in errors.ts.
 */
export async function startWebdavServer(options: WebdavServerOptions): Promise<RunningServer> {
  const dav = new Dav(options.backend, options)
  const stopping = new AbortController()
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    void serve(dav, options, stopping.signal, req, res).catch((error: unknown) => {
      // Nothing a request does may take the server down: at worst its connection is cut.
      debug('serve', `${req.method} ${req.url}: ${(error as Error)?.stack ?? error}`)
      res.destroy()
    })
  const server: Server = options.tls ? createTlsServer({cert: options.tls.cert, key: options.tls.key}, handle) : createServer(handle)
  // A 1 GiB PUT over a slow link takes longer than Node's 5-minute default for a whole request.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  server.keepAliveTimeout = 10_000
  // A connection with no traffic either way for this long is cut (an upload stalled for good is then abandoned, leaving nothing).
  server.timeout = 15 * 60_000
  // Answer `Expect: 100-continue` only once the request passed its checks (handlers call writeContinue).
  server.on('checkContinue', handle)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${address.port}/`

  let closing: Promise<void> | undefined
  const closed = new Promise<void>((resolve) => server.once('close', resolve))
  const close = () => {
    closing ??= (async () => {
      stopping.abort()
      server.close()
      server.closeIdleConnections()
      const timer = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 3000)
      timer.unref()
      await closed
      clearTimeout(timer)
    })()
    return closing
  }
  options.signal?.addEventListener('abort', () => void close(), {once: true})
  if (options.signal?.aborted) void close()
  return {url, port: address.port, dav, close, closed}
}

async function serve(dav: Dav, options: WebdavServerOptions, stopping: AbortSignal, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now()
  const method = (req.method ?? 'GET').toUpperCase()
  const gone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) gone.abort()
    const status = res.writableFinished ? String(res.statusCode) : `${res.headersSent ? res.statusCode : '-'} (cut off)`
    options.log?.(`${method} ${loggedTarget(req.url)} ${status} ${Math.round(performance.now() - started)} ms`)
  })
  try {
    // Before anything else: without credentials, a request under a foreign name may come from a web page (DNS rebinding).
    if (!options.auth && !hostAllowed(req.headers.host, options.host)) throw new DavError(403, 'This server answers only to its own address (the Host header names another).')
    if (stopping.aborted) throw new DavError(503, 'The server is shutting down.', undefined, {'retry-after': '5'})
    if (options.auth && !checkBasicAuth(req.headers.authorization, options.auth)) {
      throw new DavError(401, 'Authentication required.', undefined, {'www-authenticate': 'Basic realm="alipan", charset="UTF-8"'})
    }
    const r = new DavRequest(dav, req, res, AbortSignal.any([gone.signal, stopping]))
    const handler = HANDLERS[method]
    if (!handler) throw new DavError(405, `${method} is not supported.`, undefined, {allow: allowed(options).join(', ')})
    if (options.readOnly && WRITES.has(method)) throw new DavError(403, 'This server is read-only (--read-only).')
    await handler(r)
  } catch (error) {
    // The client went away: nobody to answer, and the log line already says the request was cut off.
    if (gone.signal.aborted) return void res.destroy()
    const answer = statusFor(error)
    if (answer.status >= 500) {
      debug('serve', `${method} ${req.url}: ${(error as Error)?.stack ?? error}`)
      process.stderr.write(`${redactText(`${method} ${printable(req.url ?? '/')}: ${answer.message}`)}\n`)
    }
    if (res.headersSent) return void res.destroy()
    // A body the handler never read is not worth reading now: close the connection after the answer instead.
    if (!req.readableEnded && req.headers['content-length'] !== '0' && (req.headers['content-length'] || req.headers['transfer-encoding'])) res.setHeader('connection', 'close')
    sendError(res, answer.status, answer.message, answer.condition, answer.headers, answer.hrefs)
  }
}

/**
 * The request target as the log shows it: its path alone. An absolute-form target
 * (`http://user:password@host/path`) loses its scheme and authority, the credentials with them,
 * and the query goes too; what is left still passes through redaction.
 */
export function loggedTarget(url: string | undefined): string {
  const target = (url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '')
  return printable(redactText(target || '/'))
}

function allowed(options: DavOptions): string[] {
  return options.readOnly ? ['OPTIONS', 'GET', 'HEAD', 'PROPFIND'] : Object.keys(HANDLERS)
}

/** OPTIONS: class 1 and 2 (locking); a read-only server claims class 1 only, so Windows mounts it read-only. */
function options(r: DavRequest): void {
  r.send(200, {
    dav: r.dav.options.readOnly ? '1' : '1, 2',
    allow: allowed(r.dav.options).join(', '),
    'ms-author-via': 'DAV',
  })
}
