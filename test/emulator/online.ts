// The OpenList online token service (§2.8, cf-worker-api `alicloud_oa.ts`), served on the same
// port under /alicloud/. It logs in and refreshes with an app of its own, so tokens obtained here
// can only be renewed here. Errors are `{text}` bodies, never the Open API's `{code, message}`.
import type {Call, Ctx} from './context.js'
import {ApiError, Reply} from './errors.js'
import {Params, parseCookies} from './http.js'
import {createQr, grant} from './oauth.js'
import type {App} from './types.js'

const text = (status: number, t: string, headers: Record<string, string | string[]> = {}) => new Reply(status, {text: t}, headers)
const SCOPES = ['user:base', 'file:all:read', 'file:all:write']

interface ClientInfo {
  servers: boolean
  driver: string
  uid: string
  key: string
}

/** configs.getInfo: without server_use=true, driver_txt and client_key are required */
function clientInfo(q: URLSearchParams): ClientInfo | undefined {
  const serverUse = q.get('server_use')
  const driver = q.get('driver_txt') ?? ''
  const key = q.get('client_key') ?? ''
  if ((!serverUse || serverUse === 'false') && (!driver || !key)) return undefined
  return {servers: serverUse === 'true', driver, uid: q.get('client_uid') ?? '', key}
}

/** the service's own app, or the caller's when server_use is false */
function appOf(ctx: Ctx, info: Pick<ClientInfo, 'servers' | 'uid' | 'key'>): App {
  if (info.servers) return ctx.onlineApp
  return {client_id: info.uid, client_secret: info.key, name: 'caller'}
}

function limited(ctx: Ctx, call: Call): Reply | undefined {
  return ctx.online.hit(call.ip) ? undefined : text(429, 'Too Many Requests')
}

/** GET /alicloud/requests?driver_txt=alicloud_qr&server_use=true → `{text: qrCodeUrl, sid}` + cookies */
export function requests(ctx: Ctx, call: Call) {
  const info = clientInfo(call.query)
  if (!info) return text(500, '传入参数缺少')
  if (info.driver !== 'alicloud_qr') return text(500, `driver_txt ${info.driver} is not supported by the emulator`)
  const app = appOf(ctx, info)
  const registered = ctx.apps.get(app.client_id)
  try {
    if (!registered) throw new ApiError(400, 'InvalidClientId', 'client_id is invalid')
    const qr = createQr(ctx, call.base, registered, new Params({client_secret: app.client_secret, scopes: SCOPES}))
    const cookies = [`driver_txt=${info.driver}; Path=/`, `server_use=${info.servers}; Path=/`]
    if (!info.servers) cookies.push(`client_uid=${info.uid}; Path=/`, `client_key=${info.key}; Path=/`)
    return new Reply(200, {text: qr.qrCodeUrl, sid: qr.sid}, {'Set-Cookie': cookies})
  } catch (err) {
    if (err instanceof ApiError) return text(500, `${err.code}: ${err.message}`)
    throw err
  }
}

/**
 * GET /alicloud/callback?code=<sid>&grant_type=authorization_code&server_use=true with the cookies
 * from /requests. `code` is the QR sid: the service polls the status itself and exchanges the
 * authCode; the upstream token JSON comes back unchanged.
 */
export function callback(ctx: Ctx, call: Call) {
  const over = limited(ctx, call)
  if (over) return over
  const q = call.query
  const cookies = parseCookies(call.req.headers.cookie)
  if (!cookies.driver_txt) return text(401, 'No Cookies')
  const servers = cookies.server_use ? cookies.server_use === 'true' : q.get('server_use') === 'true'
  const grantType = q.get('grant_type') || 'authorization_code'
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return text(400, 'Incorrect GrantType')
  const refreshToken = q.get('refresh_token') ?? ''
  if (grantType === 'refresh_token' && refreshToken.split('.').length !== 3) {
    return text(400, 'Incorrect refresh_token or missed')
  }
  let code = q.get('code') ?? ''
  if (grantType === 'authorization_code' && !code) return text(400, 'Code missed')
  if (grantType === 'authorization_code' && cookies.driver_txt === 'alicloud_qr') {
    const status = ctx.qr.poll(code)
    if (status.status !== 'LoginSuccess') return text(401, `Login failed:${status.status}`)
    code = status.authCode as string
  }
  const app = appOf(ctx, {servers, uid: cookies.client_uid ?? '', key: cookies.client_key ?? ''})
  const clear = ['driver_txt=; Path=/; Max-Age=0', 'server_use=; Path=/; Max-Age=0']
  try {
    const pair = grant(
      ctx,
      new Params({client_id: app.client_id, client_secret: app.client_secret, grant_type: grantType, code, refresh_token: refreshToken}),
    )
    if (grantType === 'refresh_token') ctx.counters.onlineRefreshes++
    return new Reply(200, pair, {'Set-Cookie': clear})
  } catch (err) {
    if (err instanceof ApiError) return text(403, `${err.code}: ${err.message}`, {'Set-Cookie': clear})
    throw err
  }
}

/**
 * GET /alicloud/renewapi?refresh_ui=<rt>&server_use=true&driver_txt=alicloud_qr →
 * `{refresh_token, access_token}` only; failures are 500 `{text: <upstream message>}`.
 */
export function renewapi(ctx: Ctx, call: Call) {
  const over = limited(ctx, call)
  if (over) return over
  const info = clientInfo(call.query)
  if (!info) return text(500, '传入参数缺少')
  const refresh = call.query.get('refresh_ui')
  if (!refresh) return text(500, '缺少刷新令牌')
  if (refresh.split('.').length !== 3) return text(400, 'Incorrect refresh_token or missed')
  const app = appOf(ctx, info)
  try {
    const pair = grant(
      ctx,
      new Params({client_id: app.client_id, client_secret: app.client_secret, grant_type: 'refresh_token', refresh_token: refresh}),
    )
    ctx.counters.onlineRefreshes++
    return {refresh_token: pair.refresh_token, access_token: pair.access_token}
  } catch (err) {
    if (err instanceof ApiError) return text(500, err.message)
    throw err
  }
}
