// The HTTP control surface under /__emulator/: the same knobs as the programmatic handle, for
// spawned processes and users' scripts. JSON in, JSON out; never logged or counted, never faulted.
import type {Call} from './context.js'
import type {InjectSpec} from './faults.js'
import {readBody} from './http.js'
import type {Emulator} from './index.js'
import {sendJson} from './server.js'
import type {Tier} from './types.js'

type Body = Record<string, unknown>
type ControlFn = (emu: Emulator, body: Body, call: Call) => unknown

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const num = (v: unknown, def: number): number => (v === undefined || v === null || v === '' ? def : Number(v))

/** a setting sent as `{value: x}`, or `{enabled: false}`, or `{scale: n}` */
function setting(body: Body): boolean | number {
  const v = body.value ?? body.scale ?? body.enabled
  if (typeof v === 'boolean' || typeof v === 'number') return v
  if (v === 'false') return false
  if (v === 'true') return true
  if (typeof v === 'string' && Number(v) > 0) return Number(v)
  throw new Error('send {"value": true | false | <scale>}')
}

const ok = {ok: true}

const ROUTES: Record<string, ControlFn> = {
  'GET /': (emu) => ({
    url: emu.url,
    onlineUrl: emu.onlineUrl,
    app: emu.app,
    user: emu.user,
    endpoints: Object.keys(ROUTES).map((k) => k.replace(' /', ' /__emulator/')),
  }),
  'GET /tokens': (emu, body) => emu.issueTokens({userId: str(body.user_id), via: body.via === 'online' ? 'online' : 'app'}),
  'POST /tokens': (emu, body) => emu.issueTokens({userId: str(body.user_id), via: body.via === 'online' ? 'online' : 'app'}),
  'POST /users': (emu, body) => emu.createUser(str(body.name)),
  'GET /qr': (emu) => emu.qr.sessions(),
  'POST /qr/auto-confirm': (emu, body) => {
    const enabled = body.enabled ?? body.value ?? true
    emu.qr.setAutoConfirm(
      enabled === false || enabled === 'false'
        ? false
        : {scanAfterMs: num(body.scanAfterMs, 0), confirmAfterMs: num(body.confirmAfterMs, 0)},
    )
    return ok
  },
  'POST /faults': (emu, body) => {
    const spec = {...body} as unknown as InjectSpec & {pathRegex?: string}
    if (typeof body.pathRegex === 'string') spec.path = new RegExp(body.pathRegex)
    delete spec.pathRegex
    if (typeof spec.status !== 'number') throw new Error('a fault needs a numeric "status"')
    emu.faults.inject(spec)
    return ok
  },
  'POST /faults/lose-answer': (emu, body) => {
    const path = typeof body.pathRegex === 'string' ? new RegExp(body.pathRegex) : str(body.path)
    emu.faults.loseAnswer({method: str(body.method), path, times: num(body.times, 1)})
    return ok
  },
  'POST /faults/drop': (emu, body) => {
    if (body.kind !== 'upload' && body.kind !== 'download') throw new Error('kind must be upload or download')
    emu.faults.dropConnection({kind: body.kind, afterBytes: num(body.afterBytes, 0), times: num(body.times, 1)})
    return ok
  },
  'POST /faults/async-fail': (emu, body) => {
    emu.faults.failAsyncTasks(num(body.times, 1))
    return ok
  },
  'POST /faults/rapid-miss': (emu, body) => {
    emu.faults.missRapid(num(body.times, 1))
    return ok
  },
  'POST /faults/clear': (emu) => {
    emu.faults.clear()
    return ok
  },
  'DELETE /faults': (emu) => {
    emu.faults.clear()
    return ok
  },
  'GET /counters': (emu) => emu.counters,
  'POST /counters/reset': (emu) => {
    emu.resetCounters()
    return ok
  },
  'GET /log': (emu) => emu.log,
  'POST /rate-limit': (emu, body) => {
    emu.setRateLimit(setting(body))
    return ok
  },
  'POST /online-limit': (emu, body) => {
    if (body.value === false || body.enabled === false) emu.setOnlineLimit(false)
    else emu.setOnlineLimit({max: num(body.max, 10), minutes: num(body.minutes, 60)})
    return ok
  },
  'POST /online-limit/reset': (emu) => {
    emu.resetOnlineLimit()
    return ok
  },
  'POST /revoke': (emu, body) => {
    emu.revokeUser(str(body.user_id))
    return ok
  },
  'POST /expire-access-tokens': (emu, body) => {
    emu.expireAccessTokens(str(body.user_id))
    return ok
  },
  'POST /advance-time': (emu, body) => {
    emu.advanceTime(num(body.ms, 0))
    return {now: emu.now()}
  },
  'POST /throttle': (emu, body) => {
    emu.setThrottle(typeof body.value === 'number' && body.value > 0 ? body.value : false)
    return {throttle: body.value ?? false}
  },
  'POST /download-cap': (emu, body) => {
    emu.setDownloadCap(typeof body.value === 'number' && body.value > 0 ? body.value : false)
    return {downloadCap: body.value ?? false}
  },
  'POST /drive-grant': (emu, body) => {
    if (body.drive !== 'resource') throw new Error('drive must be resource')
    emu.setDriveGrant('resource', body.granted !== false, str(body.user_id))
    return ok
  },
  'POST /tier': (emu, body) => {
    if (!['normal', 'certified', 'risky'].includes(String(body.tier))) throw new Error('tier must be normal, certified or risky')
    emu.setTier(body.tier as Tier)
    return ok
  },
  'GET /space': (emu, body) => ({used: emu.spaceUsed(str(body.user_id))}),
  'POST /fs/put': (emu, body) => {
    const path = str(body.path)
    if (!path) throw new Error('path is required')
    const data = typeof body.base64 === 'string' ? Buffer.from(body.base64, 'base64') : String(body.content ?? '')
    return emu.fs(str(body.drive_id)).put(path, data, {localModifiedAt: str(body.local_modified_at)})
  },
  'POST /fs/mkdir': (emu, body) => emu.fs(str(body.drive_id)).mkdir(String(body.path ?? '')),
  'GET /fs': (emu, body) => {
    const fs = emu.fs(str(body.drive_id))
    const path = String(body.path ?? '/')
    const file = path === '/' ? undefined : fs.get(path)
    if (path !== '/' && !file) throw new Error(`no such path: ${path}`)
    return {file, children: !file || file.type === 'folder' ? fs.list(path) : undefined}
  },
}

export async function controlHandler(emu: Emulator, call: Call): Promise<void> {
  const sub = call.path.slice('/__emulator'.length) || '/'
  const qr = /^\/qr\/([^/]+)\/(scan|confirm|expire)$/.exec(sub)
  let body: Body = Object.fromEntries(call.query)
  if (call.method !== 'GET') {
    const text = (await readBody(call.req)).toString('utf8').trim()
    if (text) body = {...body, ...(JSON.parse(text) as Body)}
  }
  if (qr && call.method === 'POST') {
    const [, sid, action] = qr
    const s = action === 'scan' ? emu.qr.scan(sid) : action === 'expire' ? emu.qr.expire(sid) : emu.qr.confirm(sid, str(body.user_id))
    return sendJson(call.res, 200, s)
  }
  if (sub === '/fs/read' && call.method === 'GET') {
    const data = emu.fs(str(body.drive_id)).read(String(body.path ?? ''))
    call.res.writeHead(200, {'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length)})
    call.res.end(data)
    return
  }
  const fn = ROUTES[`${call.method} ${sub.replace(/\/$/, '') || '/'}`]
  if (!fn) return sendJson(call.res, 404, {error: `unknown control route ${call.method} ${call.path}`, routes: Object.keys(ROUTES)})
  sendJson(call.res, 200, fn(emu, body, call) ?? ok)
}
