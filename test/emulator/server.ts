// The HTTP front: one node:http server on 127.0.0.1 for the Open API, the online token service,
// the OSS data plane (/oss/) and the control surface (/__emulator/). It logs and counts every
// request except control ones, applies injected faults, and renders the service's error shapes.
import {STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Call, Ctx, Route} from './context.js'
import {ApiError, OssError, Reply, ossXml} from './errors.js'
import type {InjectSpec} from './faults.js'
import {newOssRequestId, newRequestId} from './ids.js'
import {OSS_PREFIX, handleOss} from './oss.js'

export const CONTROL_PREFIX = '/__emulator'
const OSS_HOST = 'cn-beijing-data.aliyundrive.net'

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  })
  res.end(text)
}

function sendReply(res: ServerResponse, reply: Reply): void {
  if (typeof reply.body === 'string') {
    res.writeHead(reply.status, {'Content-Type': 'text/plain; charset=utf-8', ...reply.headers, 'Content-Length': String(Buffer.byteLength(reply.body))})
    res.end(reply.body)
    return
  }
  sendJson(res, reply.status, reply.body, reply.headers)
}

function sendOssError(call: Call, err: OssError): void {
  call.meta.code = err.code
  const requestId = newOssRequestId()
  const body = ossXml(err, requestId, OSS_HOST)
  call.res.writeHead(err.status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-oss-request-id': requestId,
    'x-oss-ec': err.ec,
  })
  call.res.end(body)
}

function sendError(call: Call, err: unknown, isOss: boolean): void {
  const {res} = call
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (err instanceof OssError) return sendOssError(call, err)
  if (err instanceof ApiError) {
    call.meta.code = err.code
    return sendJson(res, err.status, {code: err.code, message: err.message, requestId: call.requestId}, err.headers)
  }
  console.error('[alipan emulator] internal error on', call.method, call.path, err)
  if (isOss) return sendOssError(call, new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.', '0000-00000000'))
  call.meta.code = 'InternalError'
  sendJson(res, 500, {code: 'InternalError', message: String(err), requestId: call.requestId})
}

function sendFault(call: Call, f: InjectSpec, isOss: boolean): void {
  const headers: Record<string, string> = f.retryAfterMs !== undefined ? {'x-retry-after': String(f.retryAfterMs)} : {}
  const message = f.message ?? STATUS_CODES[f.status] ?? 'Injected fault'
  call.meta.code = f.code
  if (f.body !== undefined) return sendReply(call.res, new Reply(f.status, f.body, headers))
  if (isOss) return sendOssError(call, new OssError(f.status, f.code ?? 'InjectedFault', message, '0000-00000000'))
  sendJson(call.res, f.status, {code: f.code ?? 'InjectedFault', message, requestId: call.requestId}, headers)
}

/**
 * The request was carried out; its answer is lost on the way: the socket is destroyed instead.
 * The log shows the status it would have had, with the code `AnswerLost`.
 */
function dropAnswer(call: Call, wouldHaveBeen: number): void {
  call.meta.code = 'AnswerLost'
  call.res.statusCode = wouldHaveBeen
  call.res.destroy()
}

/** unknown routes answer like the gateway does (§7.1), so a client calling a wrong path notices */
function sendGateway(call: Call, status: 404 | 405): void {
  sendJson(call.res, status, {timestamp: new Date().toISOString(), status, error: STATUS_CODES[status], path: call.path})
}

function findRoute(routes: Route[], method: string, path: string): {route?: Route; params: string[]; pathKnown: boolean} {
  let pathKnown = false
  for (const route of routes) {
    let params: string[] | undefined
    if (typeof route.path === 'string') params = route.path === path ? [] : undefined
    else {
      const m = route.path.exec(path)
      params = m ? m.slice(1) : undefined
    }
    if (!params) continue
    pathKnown = true
    if (route.method === method) return {route, params, pathKnown}
  }
  return {params: [], pathKnown}
}

export function createEmulatorServer(
  ctx: Ctx,
  routes: Route[],
  control: (call: Call) => Promise<void>,
  fallbackHost: () => string,
): Server {
  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const call: Call = {
      req,
      res,
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      base: `http://${req.headers.host ?? fallbackHost()}`,
      requestId: newRequestId(),
      ip: req.socket.remoteAddress ?? '',
      params: [],
      meta: {},
    }
    if (call.path === CONTROL_PREFIX || call.path.startsWith(CONTROL_PREFIX + '/')) {
      try {
        await control(call)
      } catch (err) {
        if (res.headersSent) res.destroy()
        else sendJson(res, 400, {error: err instanceof Error ? err.message : String(err)})
      }
      return
    }
    ctx.counters.requests[call.path] = (ctx.counters.requests[call.path] ?? 0) + 1
    // Logged once the answer is handed to the socket ('finish'), or the connection ends without it
    // ('close'): a client that has read the whole answer then finds the call in the log.
    let logged = false
    const record = () => {
      if (logged) return
      logged = true
      ctx.log.push({
        time: ctx.clock.now(),
        method: call.method,
        path: call.path,
        status: res.statusCode,
        ...(call.meta.code !== undefined && {code: call.meta.code}),
        ...(call.meta.userId !== undefined && {userId: call.meta.userId}),
      })
    }
    res.once('finish', record)
    res.once('close', record)
    const isOss = call.path.startsWith(OSS_PREFIX)
    let loseAnswer = false
    try {
      const fault = ctx.faults.match(call.method, call.path)
      if (fault) return sendFault(call, fault, isOss)
      if (isOss) return await handleOss(ctx, call)
      loseAnswer = ctx.faults.takeLoss(call.method, call.path)
      // OpenDAL saw a server-side NPE without a User-Agent (§1.2); optional
      if (ctx.opts.requireUserAgent && !req.headers['user-agent'] && !call.path.startsWith('/alicloud/')) {
        throw new ApiError(500, 'InternalError', 'java.lang.NullPointerException')
      }
      const {route, params, pathKnown} = findRoute(routes, call.method, call.path)
      if (!route) return sendGateway(call, pathKnown ? 405 : 404)
      call.params = params
      const out = await route.handler(call)
      if (res.headersSent || res.writableEnded) return
      if (loseAnswer) return dropAnswer(call, out instanceof Reply ? out.status : 200)
      if (out instanceof Reply) return sendReply(res, out)
      sendJson(res, 200, out ?? {})
    } catch (err) {
      if (loseAnswer && !res.headersSent) return dropAnswer(call, err instanceof ApiError ? err.status : 500)
      sendError(call, err, isOss)
    }
  }
  const server = createServer((req, res) => {
    void onRequest(req, res)
  })
  // multi-GiB part uploads may take longer than Node's default 5-minute request timeout
  server.requestTimeout = 0
  return server
}
