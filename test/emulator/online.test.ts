import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {startEmulator} from './index.js'
import {Client, fetchRes, jwtPayload} from './kit.js'

describe('§2.8 online token service', () => {
  let emu: Emulator
  let anon: Client
  before(async () => {
    emu = await startEmulator({rateLimit: false})
    anon = new Client(emu)
  })
  after(() => emu.close())
  beforeEach(() => emu.setOnlineLimit({max: 10, minutes: 60}))

  const COOKIE = 'driver_txt=alicloud_qr; server_use=true'
  const requests = () => fetch(`${emu.onlineUrl}/alicloud/requests?driver_txt=alicloud_qr&server_use=true`)
  const callback = (sid: string, cookie = COOKIE) =>
    fetchRes(`${emu.onlineUrl}/alicloud/callback?code=${sid}&grant_type=authorization_code&server_use=true`, {
      headers: cookie ? {cookie} : {},
    })
  const renew = (rt: string) => fetchRes(`${emu.onlineUrl}/alicloud/renewapi?refresh_ui=${encodeURIComponent(rt)}&server_use=true&driver_txt=alicloud_qr`)
  const loginOnline = async () => {
    const r = await requests()
    const {sid} = (await r.json()) as {sid: string}
    emu.qr.confirm(sid)
    const t = await callback(sid)
    assert.equal(t.status, 200, t.text)
    return t.body as {access_token: string; refresh_token: string}
  }

  it('requests → {text: qrCodeUrl, sid} and sets the driver_txt/server_use cookies', async () => {
    const r = await requests()
    assert.equal(r.status, 200)
    const body = (await r.json()) as {text: string; sid: string}
    assert.deepEqual(Object.keys(body).sort(), ['sid', 'text'])
    assert.equal(body.text, `${emu.url}/oauth/qrcode/${body.sid}`)
    const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0])
    assert.deepEqual(cookies.sort(), ['driver_txt=alicloud_qr', 'server_use=true'])
    const status = await anon.get(`/oauth/qrcode/${body.sid}/status`)
    assert.equal(status.body.status, 'WaitLogin')
  })

  it('requests without server_use or driver_txt/client_key → 500 {text}', async () => {
    const r = await fetchRes(`${emu.onlineUrl}/alicloud/requests`)
    assert.equal(r.status, 500)
    assert.equal(typeof r.body.text, 'string')
  })

  it('callback without cookies → 401 {"text":"No Cookies"}', async () => {
    const r = await callback('whatever', '')
    assert.equal(r.status, 401)
    assert.deepEqual(r.body, {text: 'No Cookies'})
  })

  it('callback before the user confirmed → 401 {"text":"Login failed:<status>"}', async () => {
    const {sid} = (await (await requests()).json()) as {sid: string}
    assert.deepEqual((await callback(sid)).body, {text: 'Login failed:WaitLogin'})
    emu.qr.scan(sid)
    const r = await callback(sid)
    assert.equal(r.status, 401)
    assert.deepEqual(r.body, {text: 'Login failed:ScanSuccess'})
  })

  it('callback after LoginSuccess → the upstream token JSON unchanged; tokens belong to the service app', async () => {
    const t = await loginOnline()
    assert.deepEqual(Object.keys(t).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
    assert.notEqual(jwtPayload(t.access_token).aud, emu.app.client_id)
    const info = await anon.post('/adrive/v1.0/user/getDriveInfo', {}, {authorization: `Bearer ${t.access_token}`})
    assert.equal(info.body.user_id, emu.user.user_id)
  })

  it('callback with an upstream failure (code already used) → 403 {"text":"<code>: <message>"}', async () => {
    const {sid} = (await (await requests()).json()) as {sid: string}
    emu.qr.confirm(sid)
    assert.equal((await callback(sid)).status, 200)
    const again = await callback(sid)
    assert.equal(again.status, 403)
    assert.deepEqual(again.body, {text: 'InvalidCode: code is invalid'})
  })

  it('renewapi → {refresh_token, access_token} only; rotation; counted as refreshes', async () => {
    const t = await loginOnline()
    const before = {...emu.counters}
    const r = await renew(t.refresh_token)
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'refresh_token'])
    assert.notEqual(r.body.refresh_token, t.refresh_token)
    assert.equal(emu.counters.onlineRefreshes, before.onlineRefreshes + 1)
    assert.equal(emu.counters.tokenRefreshes, before.tokenRefreshes + 1)
    const reuse = await renew(t.refresh_token)
    assert.equal(reuse.status, 500)
    assert.deepEqual(reuse.body, {text: 'invalid token'})
  })

  it('online tokens can only be renewed there: /oauth/access_token with the own app → 400 AccessDenied', async () => {
    const t = await loginOnline()
    const r = await anon.post('/oauth/access_token', {...emu.app, grant_type: 'refresh_token', refresh_token: t.refresh_token})
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'AccessDenied')
    assert.equal((await renew(t.refresh_token)).status, 200)
  })

  it('own-app refresh tokens fail at renewapi → 500 {text: "invalid token"}', async () => {
    const r = await renew(emu.issueTokens().refresh_token)
    assert.equal(r.status, 500)
    assert.deepEqual(r.body, {text: 'invalid token'})
  })

  it('renewapi: missing refresh_ui or params → 500 {text}; not three segments → 400', async () => {
    const missing = await fetchRes(`${emu.onlineUrl}/alicloud/renewapi?server_use=true&driver_txt=alicloud_qr`)
    assert.equal(missing.status, 500)
    assert.equal(typeof missing.body.text, 'string')
    const noParams = await fetchRes(`${emu.onlineUrl}/alicloud/renewapi?refresh_ui=a.b.c`)
    assert.equal(noParams.status, 500)
    const twoSegments = await renew('abc.def')
    assert.equal(twoSegments.status, 400)
  })

  it('per-IP limit: token-issuing requests beyond max per window → 429 {"text":"Too Many Requests"}', async () => {
    emu.setOnlineLimit({max: 3, minutes: 60})
    const t = await loginOnline() // 1 (callback)
    const r1 = await renew(t.refresh_token) // 2
    const r2 = await renew(r1.body.refresh_token) // 3
    assert.equal(r2.status, 200)
    const over = await renew(r2.body.refresh_token)
    assert.equal(over.status, 429)
    assert.deepEqual(over.body, {text: 'Too Many Requests'})
    assert.equal((await requests()).status, 200, 'requests itself is not limited')
    emu.advanceTime(60 * 60 * 1000)
    assert.equal((await renew(r2.body.refresh_token)).status, 200, 'the refused call did not consume the token')
    emu.resetOnlineLimit()
  })

  it('resetOnlineLimit / setOnlineLimit(false) lift the limit', async () => {
    emu.setOnlineLimit({max: 1, minutes: 60})
    const t = emu.issueTokens({via: 'online'})
    const a = await renew(t.refresh_token)
    assert.equal(a.status, 200)
    assert.equal((await renew(a.body.refresh_token)).status, 429)
    emu.resetOnlineLimit()
    const b = await renew(a.body.refresh_token)
    assert.equal(b.status, 200)
    emu.setOnlineLimit(false)
    let rt = b.body.refresh_token as string
    for (let i = 0; i < 12; i++) {
      const r = await renew(rt)
      assert.equal(r.status, 200)
      rt = r.body.refresh_token
    }
  })
})
