import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {startEmulator} from './index.js'
import {Client, jwtPayload} from './kit.js'

const SCOPES = ['user:base', 'file:all:read', 'file:all:write']

describe('§2 OAuth', () => {
  let emu: Emulator
  let anon: Client
  before(async () => {
    emu = await startEmulator({rateLimit: false, refreshTokenTtlSec: 3600})
    anon = new Client(emu)
  })
  after(() => emu.close())

  const newQr = async () => {
    const r = await anon.post('/oauth/authorize/qrcode', {...emu.app, scopes: SCOPES, width: 430, height: 430})
    assert.equal(r.status, 200, r.text)
    return r.body as {qrCodeUrl: string; sid: string}
  }
  const status = (sid: string) => anon.get(`/oauth/qrcode/${sid}/status`)
  const exchange = (code: string, extra: Record<string, string> = {}) =>
    anon.post('/oauth/access_token', {...emu.app, grant_type: 'authorization_code', code, ...extra})
  const refresh = (refresh_token: string, app = emu.app) =>
    anon.post('/oauth/access_token', {...app, grant_type: 'refresh_token', refresh_token})
  const login = async () => {
    const {sid} = await newQr()
    emu.qr.confirm(sid)
    const code = (await status(sid)).body.authCode as string
    const r = await exchange(code)
    assert.equal(r.status, 200, r.text)
    return r.body as {access_token: string; refresh_token: string; expires_in: number; token_type: string}
  }
  const driveInfo = (token: string, raw = false) =>
    anon.post('/adrive/v1.0/user/getDriveInfo', {}, {authorization: raw ? token : `Bearer ${token}`})

  it('§2.3 qrcode answers camelCase {qrCodeUrl, sid}; qrCodeUrl is <base>/oauth/qrcode/<sid> and serves an image', async () => {
    const {qrCodeUrl, sid} = await newQr()
    assert.equal(qrCodeUrl, `${emu.url}/oauth/qrcode/${sid}`)
    const img = await fetch(qrCodeUrl)
    assert.equal(img.status, 200)
    assert.match(img.headers.get('content-type') ?? '', /^image\//)
    assert.match(await img.text(), new RegExp(`authorize\\?sid=${sid}`))
  })

  it('§2.3 state machine WaitLogin → ScanSuccess → LoginSuccess with authCode, no Authorization needed', async () => {
    const {sid} = await newQr()
    assert.deepEqual((await status(sid)).body, {status: 'WaitLogin'})
    emu.qr.scan(sid)
    assert.deepEqual((await status(sid)).body, {status: 'ScanSuccess'})
    emu.qr.confirm(sid)
    const done = (await status(sid)).body
    assert.equal(done.status, 'LoginSuccess')
    assert.match(done.authCode, /^[0-9a-f]{32}$/)
  })

  it('§2.3 QR expires after qrTtlSec (180 s default)', async () => {
    const {sid} = await newQr()
    emu.advanceTime(170_000)
    assert.equal((await status(sid)).body.status, 'WaitLogin')
    emu.advanceTime(10_000)
    assert.deepEqual((await status(sid)).body, {status: 'QRCodeExpired'})
    assert.throws(() => emu.qr.confirm(sid), /expired/)
  })

  it('§2.3 auto-confirm: ScanSuccess scanAfterMs after the first poll, LoginSuccess confirmAfterMs later', async () => {
    emu.qr.setAutoConfirm({scanAfterMs: 1000, confirmAfterMs: 2000})
    try {
      const {sid} = await newQr()
      assert.equal((await status(sid)).body.status, 'WaitLogin')
      emu.advanceTime(1000)
      assert.equal((await status(sid)).body.status, 'ScanSuccess')
      emu.advanceTime(1500)
      assert.equal((await status(sid)).body.status, 'ScanSuccess')
      emu.advanceTime(500)
      assert.equal((await status(sid)).body.status, 'LoginSuccess')
    } finally {
      emu.qr.setAutoConfirm(false)
    }
  })

  it('§2.3 bad client credentials on qrcode → 400 InvalidClientId / InvalidClientSecret', async () => {
    const a = await anon.post('/oauth/authorize/qrcode', {client_id: 'nope', client_secret: 'x', scopes: SCOPES})
    assert.equal(a.status, 400)
    assert.equal(a.body.code, 'InvalidClientId')
    assert.equal(typeof a.body.requestId, 'string')
    const b = await anon.post('/oauth/authorize/qrcode', {client_id: emu.app.client_id, client_secret: 'wrong', scopes: SCOPES})
    assert.equal(b.status, 400)
    assert.equal(b.body.code, 'InvalidClientSecret')
  })

  it('§2.4 authorization_code grant → {token_type, access_token, refresh_token, expires_in: 7200}', async () => {
    const t = await login()
    assert.deepEqual(Object.keys(t).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
    assert.equal(t.token_type, 'Bearer')
    assert.equal(t.expires_in, 7200)
    assert.equal((await driveInfo(t.access_token)).status, 200)
  })

  it('§2.6 tokens are JWT-shaped; payload has sub=user_id, iat, exp, jti, client id; no -/_ in the payload segment', async () => {
    const t = await login()
    for (const token of [t.access_token, t.refresh_token]) {
      const segments = token.split('.')
      assert.equal(segments.length, 3)
      assert.doesNotMatch(segments[1], /[-_]/)
      // OpenList decodes with standard base64: must give the same JSON
      const std = JSON.parse(Buffer.from(segments[1], 'base64').toString('utf8'))
      assert.equal(std.sub, emu.user.user_id)
      assert.equal(std.aud, emu.app.client_id)
      assert.equal(typeof std.iat, 'number')
      assert.equal(std.exp - std.iat, token === t.access_token ? 7200 : 3600)
      assert.match(std.jti, /^[0-9a-f]{32}$/)
    }
    assert.notEqual(jwtPayload(t.access_token).jti, jwtPayload((await login()).access_token).jti)
  })

  it('§2.2 auth codes are single use', async () => {
    const {sid} = await newQr()
    emu.qr.confirm(sid)
    const code = (await status(sid)).body.authCode
    assert.equal((await exchange(code)).status, 200)
    const again = await exchange(code)
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 'InvalidCode')
  })

  it('§2.2 auth codes expire after 10 minutes', async () => {
    const {sid} = await newQr()
    emu.qr.confirm(sid)
    const code = (await status(sid)).body.authCode
    emu.advanceTime(10 * 60 * 1000)
    const r = await exchange(code)
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'InvalidCode')
  })

  it('§2.2 a code is bound to the app that created the QR session', async () => {
    const {sid} = await newQr()
    emu.qr.confirm(sid)
    const code = (await status(sid)).body.authCode
    const onlineClientId = jwtPayload(emu.issueTokens({via: 'online'}).access_token).aud as string
    const r = await anon.post('/oauth/access_token', {client_id: onlineClientId, client_secret: 'x', grant_type: 'authorization_code', code})
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'InvalidCode')
    assert.equal((await exchange(code)).status, 200)
  })

  it('§2.4 wrong secret → 400 InvalidClientSecret without consuming the code; bad grant_type → InvalidGrantType', async () => {
    const {sid} = await newQr()
    emu.qr.confirm(sid)
    const code = (await status(sid)).body.authCode
    const bad = await exchange(code, {client_secret: 'wrong'})
    assert.equal(bad.status, 400)
    assert.equal(bad.body.code, 'InvalidClientSecret')
    assert.equal((await exchange(code)).status, 200)
    const g = await anon.post('/oauth/access_token', {...emu.app, grant_type: 'password'})
    assert.equal(g.status, 400)
    assert.equal(g.body.code, 'InvalidGrantType')
  })

  it('§1.2 the token endpoint accepts form-urlencoded bodies', async () => {
    const t = emu.issueTokens()
    const body = new URLSearchParams({...emu.app, grant_type: 'refresh_token', refresh_token: t.refresh_token})
    const r = await fetch(emu.url + '/oauth/access_token', {method: 'POST', body, headers: {'content-type': 'application/x-www-form-urlencoded'}})
    assert.equal(r.status, 200)
    assert.equal(((await r.json()) as {token_type: string}).token_type, 'Bearer')
  })

  it('§2.6 refresh rotates; the consumed token → 400 AccessDenied "invalid token"; old access token keeps working', async () => {
    const first = await login()
    const before = emu.counters.tokenRefreshes
    const second = await refresh(first.refresh_token)
    assert.equal(second.status, 200)
    assert.notEqual(second.body.refresh_token, first.refresh_token)
    assert.notEqual(second.body.access_token, first.access_token)
    assert.equal(second.body.expires_in, 7200)
    assert.equal(jwtPayload(second.body.refresh_token).sub, emu.user.user_id)
    assert.equal(emu.counters.tokenRefreshes, before + 1)
    const reuse = await refresh(first.refresh_token)
    assert.equal(reuse.status, 400)
    assert.equal(reuse.body.code, 'AccessDenied')
    assert.equal(reuse.body.message, 'invalid token')
    assert.equal(emu.counters.tokenRefreshes, before + 1)
    assert.equal((await driveInfo(first.access_token)).status, 200)
    assert.equal((await driveInfo(second.body.access_token)).status, 200)
    assert.equal((await refresh(second.body.refresh_token)).status, 200)
  })

  it('§2.6 expired refresh token → 401 RefreshTokenExpired "expired refresh_token"', async () => {
    const t = emu.issueTokens()
    emu.advanceTime(3600 * 1000)
    const r = await refresh(t.refresh_token)
    assert.equal(r.status, 401)
    assert.deepEqual([r.body.code, r.body.message], ['RefreshTokenExpired', 'expired refresh_token'])
  })

  it('§2.8 a refresh token minted for app A is "invalid token" for app B', async () => {
    const online = emu.issueTokens({via: 'online'})
    const r = await refresh(online.refresh_token)
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'AccessDenied')
  })

  it('§2.4 a malformed refresh token (not three segments) → 400 RefreshTokenInvalid', async () => {
    const r = await refresh('abc.def')
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'RefreshTokenInvalid')
  })

  for (const [label, transform] of [
    ['S256 padded', (v: string) => createHash('sha256').update(v).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')],
    ['S256 unpadded', (v: string) => createHash('sha256').update(v).digest('base64url')],
    ['plain', (v: string) => v],
  ] as const) {
    it(`§2.5 PKCE ${label}: no secret, 30-day access token, no refresh token`, async () => {
      const verifier = 'a'.repeat(20) + 'b'.repeat(40)
      const method = label === 'plain' ? 'plain' : 'S256'
      const qr = await anon.post('/oauth/authorize/qrcode', {client_id: emu.app.client_id, scopes: SCOPES, code_challenge: transform(verifier), code_challenge_method: method, source: 'app'})
      assert.equal(qr.status, 200, qr.text)
      emu.qr.confirm(qr.body.sid)
      const code = (await status(qr.body.sid)).body.authCode
      const wrong = await anon.post('/oauth/access_token', {client_id: emu.app.client_id, grant_type: 'authorization_code', code, code_verifier: 'x'.repeat(60)})
      assert.equal(wrong.status, 400)
      const r = await anon.post('/oauth/access_token', {client_id: emu.app.client_id, grant_type: 'authorization_code', code, code_verifier: verifier})
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.expires_in, 2592000)
      assert.equal(r.body.refresh_token, undefined)
      assert.equal((await driveInfo(r.body.access_token)).status, 200)
    })
  }

  it('§7.2 access tokens: missing/garbage → 401 AccessTokenInvalid, expired → 401 AccessTokenExpired; bare tokens accepted (§1.2)', async () => {
    const t = emu.issueTokens()
    assert.equal((await driveInfo(t.access_token, true)).status, 200)
    const none = await anon.post('/adrive/v1.0/user/getDriveInfo')
    assert.deepEqual([none.status, none.body.code], [401, 'AccessTokenInvalid'])
    const garbage = await driveInfo(t.access_token.slice(0, -2) + 'xx')
    assert.deepEqual([garbage.status, garbage.body.code], [401, 'AccessTokenInvalid'])
    const asAccess = await driveInfo(t.refresh_token)
    assert.deepEqual([asAccess.status, asAccess.body.code], [401, 'AccessTokenInvalid'])
    emu.advanceTime(7200 * 1000)
    const expired = await driveInfo(t.access_token)
    assert.deepEqual([expired.status, expired.body.code], [401, 'AccessTokenExpired'])
  })

  it('expireAccessTokens: access tokens die, refresh tokens still work', async () => {
    const t = emu.issueTokens()
    emu.expireAccessTokens()
    assert.equal((await driveInfo(t.access_token)).body.code, 'AccessTokenExpired')
    const r = await refresh(t.refresh_token)
    assert.equal(r.status, 200)
    assert.equal((await driveInfo(r.body.access_token)).status, 200)
  })

  it('§2.6 revokeUser: every token of the user stops working', async () => {
    const other = emu.createUser('bob')
    const t = emu.issueTokens({userId: other.user_id})
    const mine = emu.issueTokens()
    emu.revokeUser(other.user_id)
    assert.equal((await driveInfo(t.access_token)).body.code, 'AccessTokenInvalid')
    assert.equal((await refresh(t.refresh_token)).body.code, 'AccessDenied')
    assert.equal((await driveInfo(mine.access_token)).status, 200)
  })

  it('§2.2 /oauth/authorize: redirect_uri=oob → JSON {redirectUri} carrying a code; a URL → 302 with code and state', async () => {
    const q = new URLSearchParams({client_id: emu.app.client_id, redirect_uri: 'oob', scope: SCOPES.join(','), response_type: 'code'})
    const oob = await anon.get(`/oauth/authorize?${q}`)
    assert.equal(oob.status, 200)
    const code = new URL(oob.body.redirectUri).searchParams.get('code') as string
    assert.equal((await exchange(code)).status, 200)
    q.set('redirect_uri', 'http://localhost:9/cb')
    q.set('state', 'xyz')
    const r = await fetch(`${emu.url}/oauth/authorize?${q}`, {redirect: 'manual'})
    assert.equal(r.status, 302)
    const loc = new URL(r.headers.get('location') as string)
    assert.equal(loc.origin + loc.pathname, 'http://localhost:9/cb')
    assert.equal(loc.searchParams.get('state'), 'xyz')
    assert.equal((await exchange(loc.searchParams.get('code') as string)).status, 200)
  })

  it('§3.1/§3.2 users/info and users/scopes', async () => {
    const t = await login()
    const info = await anon.get('/oauth/users/info', {authorization: `Bearer ${t.access_token}`})
    assert.deepEqual(info.body, {id: emu.user.user_id, name: 'alice', avatar: ''})
    const scopes = await anon.get('/oauth/users/scopes', {authorization: `Bearer ${t.access_token}`})
    assert.deepEqual(scopes.body, {id: emu.user.user_id, scopes: SCOPES.map((scope) => ({scope}))})
    assert.equal((await anon.get('/oauth/users/info')).status, 401)
  })
})
