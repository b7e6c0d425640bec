// OAuth (§2): QR login, the token endpoint (authorization_code, refresh_token, PKCE), and a
// minimal /oauth/authorize that consents as the default user (the emulator has no login page).
import {createHash} from 'node:crypto'
import type {Call, Ctx} from './context.js'
import {ApiError, Reply, invalidParam} from './errors.js'
import {Params} from './http.js'
import type {App, TokenPair} from './types.js'
import type {AuthCode} from './tokens.js'

const DEFAULT_SCOPES = ['user:base', 'file:all:read']

export function appFor(ctx: Ctx, clientId: string | undefined): App {
  const app = clientId ? ctx.apps.get(clientId) : undefined
  if (!app) throw new ApiError(400, 'InvalidClientId', 'client_id is invalid')
  return app
}

function checkSecret(app: App, secret: string | undefined): void {
  if (!secret || secret !== app.client_secret) throw new ApiError(400, 'InvalidClientSecret', 'client_secret is invalid')
}

function parseScopes(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String)
  if (typeof v === 'string' && v.trim() !== '') return v.split(',').map((s) => s.trim()).filter(Boolean)
  return DEFAULT_SCOPES
}

function parseChallenge(b: Params): AuthCode['challenge'] {
  const value = b.optStr('code_challenge')
  if (!value) return undefined
  const method = (b.optStr('code_challenge_method') || 'plain') as string
  if (method !== 'S256' && method !== 'plain') throw invalidParam('code_challenge_method')
  return {value, method}
}

/** S256 challenges are accepted with or without `=` padding: the SDKs keep it (§2.5) */
function verifierMatches(challenge: NonNullable<AuthCode['challenge']>, verifier: string): boolean {
  if (challenge.method === 'plain') return verifier === challenge.value
  const computed = createHash('sha256').update(verifier).digest('base64url')
  return computed === challenge.value.replace(/=+$/, '')
}

/** The QR-session creation shared by the Open API route and the online service. */
export function createQr(ctx: Ctx, base: string, app: App, b: Params): {qrCodeUrl: string; sid: string} {
  const challenge = parseChallenge(b)
  if (!challenge) checkSecret(app, b.optStr('client_secret'))
  const s = ctx.qr.create(app.client_id, parseScopes(b.raw.scopes), challenge)
  return {qrCodeUrl: `${base}/oauth/qrcode/${s.sid}`, sid: s.sid}
}

/** POST /oauth/authorize/qrcode (§2.3) — the answer is camelCase */
export function qrcode(ctx: Ctx, call: Call, b: Params) {
  return createQr(ctx, call.base, appFor(ctx, b.optStr('client_id')), b)
}

/** GET /oauth/qrcode/{sid}: the QR image. An SVG naming what the QR would encode. */
export function qrImage(_ctx: Ctx, call: Call) {
  const sid = call.params[0]
  const content = `https://www.alipan.com/o/oauth/authorize?sid=${sid}`
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="430" height="430" viewBox="0 0 430 430">' +
    '<rect width="430" height="430" fill="#fff"/>' +
    `<text x="10" y="215" font-size="9" font-family="monospace">${content}</text></svg>`
  return new Reply(200, svg, {'Content-Type': 'image/svg+xml'})
}

/** GET /oauth/qrcode/{sid}/status — no Authorization needed (§2.3) */
export function qrStatus(ctx: Ctx, call: Call) {
  return ctx.qr.poll(call.params[0])
}

/**
 * The token grant behind POST /oauth/access_token (also used by the online service).
 * [U] statuses: every validation failure is 400; only an expired refresh token is 401.
 */
export function grant(ctx: Ctx, b: Params): TokenPair {
  const grantType = b.optStr('grant_type')
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new ApiError(400, 'InvalidGrantType', 'grant_type is invalid')
  }
  const app = appFor(ctx, b.optStr('client_id'))
  if (grantType === 'refresh_token') {
    checkSecret(app, b.optStr('client_secret'))
    const rec = ctx.tokens.redeemRefresh(b.optStr('refresh_token') ?? '', app.client_id)
    ctx.counters.tokenRefreshes++
    return ctx.tokens.issue(rec.userId, app.client_id, rec.scopes)
  }
  const code = ctx.tokens.peekCode(b.optStr('code'), app.client_id)
  if (code.challenge) {
    const verifier = b.optStr('code_verifier')
    if (!verifier || !verifierMatches(code.challenge, verifier)) {
      throw new ApiError(400, 'InvalidCode', 'code_verifier is invalid')
    }
  } else {
    checkSecret(app, b.optStr('client_secret'))
  }
  code.used = true
  return ctx.tokens.issue(code.userId, app.client_id, code.scopes, !!code.challenge)
}

/** POST /oauth/access_token — JSON or form-urlencoded (§1.2) */
export function accessToken(ctx: Ctx, _call: Call, b: Params) {
  return grant(ctx, b)
}

/**
 * GET /oauth/authorize (§2.2), minimal: the default user consents at once. A real redirect_uri
 * gets a 302 with `code` and `state`; `oob` gets JSON `{redirectUri}` pointing at a page that
 * shows the code.
 */
export function authorize(ctx: Ctx, call: Call) {
  const q = new Params(Object.fromEntries(call.query))
  const app = appFor(ctx, q.optStr('client_id'))
  const redirect = q.str('redirect_uri')
  const responseType = q.optStr('response_type') || 'code'
  if (responseType !== 'code') throw invalidParam('response_type')
  const code = ctx.tokens.newCode(app.client_id, ctx.defaultUserId, parseScopes(q.optStr('scope')), parseChallenge(q))
  const state = q.optStr('state')
  const params = new URLSearchParams({code: code.code})
  if (state !== undefined) params.set('state', state)
  if (redirect === 'oob') return {redirectUri: `${call.base}/oauth/authorize/oob?${params}`}
  const target = redirect + (redirect.includes('?') ? '&' : '?') + params
  return new Reply(302, '', {Location: target})
}

/** GET /oauth/authorize/oob — the page an `oob` redirectUri points at */
export function authorizeOob(_ctx: Ctx, call: Call) {
  return new Reply(200, `code=${call.query.get('code') ?? ''}\n`, {'Content-Type': 'text/plain; charset=utf-8'})
}
