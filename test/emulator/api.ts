// The route table of the Open API and the online service. Authenticated routes go through
// `authed`: bearer check (401), then the per-(user, app) rate limit (429), then body parsing.
import type {Call, Ctx, Handler, Route} from './context.js'
import {ApiError, invalidParam} from './errors.js'
import * as files from './files.js'
import {Params, bearerToken, parseBody, readBody} from './http.js'
import {rateClassOf} from './limits.js'
import * as oauth from './oauth.js'
import * as online from './online.js'
import {getDownloadUrl} from './download.js'
import * as upload from './upload.js'
import * as user from './user-api.js'
import * as video from './video.js'
import type {Principal} from './types.js'

type AuthedFn = (ctx: Ctx, call: Call, p: Principal, b: Params) => unknown
type OpenFn = (ctx: Ctx, call: Call, b: Params) => unknown

async function params(call: Call): Promise<Params> {
  if (call.method === 'GET') return new Params(Object.fromEntries(call.query))
  return new Params(parseBody(await readBody(call.req), call.req.headers['content-type']))
}

export function authenticate(ctx: Ctx, call: Call): Principal {
  const token = bearerToken(call.req.headers.authorization)
  const rec = ctx.tokens.checkAccess(token)
  return {userId: rec.userId, clientId: rec.clientId, token: token as string, scopes: rec.scopes}
}

const TOO_MANY = '请求过快，请等待 x-retry-after 毫秒后再请求'

function authed(ctx: Ctx, fn: AuthedFn): Handler {
  return async (call) => {
    const p = authenticate(ctx, call)
    call.meta.userId = p.userId
    const wait = ctx.rate.take(p.userId, p.clientId, rateClassOf(call.path))
    if (wait > 0) throw new ApiError(429, 'TooManyRequests', TOO_MANY, {'x-retry-after': String(wait)})
    return fn(ctx, call, p, await params(call))
  }
}

const open =
  (ctx: Ctx, fn: OpenFn): Handler =>
  async (call) =>
    fn(ctx, call, await params(call))

const plain =
  (ctx: Ctx, fn: (ctx: Ctx, call: Call) => unknown): Handler =>
  (call) =>
    fn(ctx, call)

/** openFile/create serves folders (§4.9) and files (§5.2) */
const create: AuthedFn = (ctx, call, p, b) => {
  const type = b.optStr('type')
  if (type === 'folder') return files.createFolder(ctx, p, b)
  if (type === 'file') return upload.createFile(ctx, call, p, b)
  throw invalidParam('type')
}

export function apiRoutes(ctx: Ctx): Route[] {
  const F = '/adrive/v1.0/openFile/'
  const post = (path: string, fn: AuthedFn): Route => ({method: 'POST', path, handler: authed(ctx, fn)})
  return [
    // §2 OAuth — no bearer token
    {method: 'POST', path: '/oauth/authorize/qrcode', handler: open(ctx, oauth.qrcode)},
    {method: 'GET', path: /^\/oauth\/qrcode\/([^/]+)\/status$/, handler: plain(ctx, oauth.qrStatus)},
    {method: 'GET', path: /^\/oauth\/qrcode\/([^/]+)$/, handler: plain(ctx, oauth.qrImage)},
    {method: 'POST', path: '/oauth/access_token', handler: open(ctx, oauth.accessToken)},
    {method: 'GET', path: '/oauth/authorize', handler: plain(ctx, oauth.authorize)},
    {method: 'GET', path: '/oauth/authorize/oob', handler: plain(ctx, oauth.authorizeOob)},
    {method: 'GET', path: '/oauth/users/info', handler: authed(ctx, (c, _call, p) => user.usersInfo(c, p))},
    {method: 'GET', path: '/oauth/users/scopes', handler: authed(ctx, (c, _call, p) => user.usersScopes(c, p))},
    // §2.8 online token service
    {method: 'GET', path: '/alicloud/requests', handler: plain(ctx, online.requests)},
    {method: 'GET', path: '/alicloud/callback', handler: plain(ctx, online.callback)},
    {method: 'GET', path: '/alicloud/renewapi', handler: plain(ctx, online.renewapi)},
    // §3 user and drive
    post('/adrive/v1.0/user/getDriveInfo', (c, _call, p) => user.driveInfo(c, p)),
    post('/adrive/v1.0/user/getSpaceInfo', (c, _call, p) => user.spaceInfo(c, p)),
    post('/v1.0/user/getVipInfo', () => user.vipInfo()),
    post('/business/v1.0/user/getVipInfo', () => user.vipInfo()),
    // §4 files
    post(F + 'list', files.list),
    post(F + 'search', files.search),
    post(F + 'starredList', files.starredList),
    post(F + 'get', files.get),
    post(F + 'get_by_path', files.getByPath),
    post(F + 'batch/get', files.batchGet),
    post(F + 'create', create),
    post(F + 'update', files.update),
    post(F + 'move', (c, _call, p, b) => files.move(c, p, b)),
    post(F + 'copy', (c, _call, p, b) => files.copy(c, p, b)),
    post(F + 'recyclebin/trash', (c, _call, p, b) => files.trash(c, p, b)),
    post(F + 'delete', (c, _call, p, b) => files.remove(c, p, b)),
    post(F + 'async_task/get', (c, _call, _p, b) => c.tasks.handle(b)),
    post(F + 'getDownloadUrl', getDownloadUrl),
    post(F + 'getVideoPreviewPlayInfo', video.playInfo),
    post(F + 'getVideoPreviewPlayMeta', video.playMeta),
    // §5 upload
    post(F + 'getUploadUrl', upload.getUploadUrl),
    post(F + 'listUploadedParts', (c, _call, p, b) => upload.listUploadedParts(c, p, b)),
    post(F + 'complete', upload.complete),
  ]
}
