import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {startEmulator} from './index.js'
import {Client} from './kit.js'

describe('HTTP control surface /__emulator/', () => {
  let emu: Emulator
  let ctl: Client
  before(async () => {
    emu = await startEmulator()
    ctl = new Client(emu)
  })
  after(() => emu.close())

  const call = (path: string, body?: unknown) => (body === undefined ? ctl.get(`/__emulator${path}`) : ctl.post(`/__emulator${path}`, body))

  it('GET /__emulator/ describes the app, the user and every knob', async () => {
    const r = await call('/')
    assert.equal(r.status, 200)
    assert.deepEqual(r.body.app, emu.app)
    assert.equal(r.body.user.user_id, emu.user.user_id)
    assert.ok(r.body.endpoints.includes('POST /__emulator/faults'))
  })

  it('tokens via the own app or the online route', async () => {
    const app = await call('/tokens')
    assert.equal(app.status, 200)
    const refreshed = await ctl.post('/oauth/access_token', {...emu.app, grant_type: 'refresh_token', refresh_token: app.body.refresh_token})
    assert.equal(refreshed.status, 200)
    const online = await call('/tokens?via=online')
    const renew = await fetch(`${emu.onlineUrl}/alicloud/renewapi?refresh_ui=${online.body.refresh_token}&server_use=true&driver_txt=alicloud_qr`)
    assert.equal(renew.status, 200)
  })

  it('qr: auto-confirm on/off, scan/confirm by sid, session list', async () => {
    const qr = async () => (await ctl.post('/oauth/authorize/qrcode', {...emu.app, scopes: ['user:base']})).body.sid as string
    await call('/qr/auto-confirm', {enabled: true})
    const a = await qr()
    assert.equal((await ctl.get(`/oauth/qrcode/${a}/status`)).body.status, 'LoginSuccess')
    await call('/qr/auto-confirm', {enabled: false})
    const b = await qr()
    assert.equal((await ctl.get(`/oauth/qrcode/${b}/status`)).body.status, 'WaitLogin')
    assert.equal((await call(`/qr/${b}/scan`, {})).body.status, 'ScanSuccess')
    assert.equal((await call(`/qr/${b}/confirm`, {})).body.status, 'LoginSuccess')
    assert.ok((await call('/qr')).body.some((s: {sid: string}) => s.sid === b))
    assert.equal((await call('/qr/unknown/scan', {})).status, 400)
  })

  it('faults inject (pathRegex) / clear; counters and log; control calls are not logged', async () => {
    await call('/counters/reset', {})
    await call('/faults', {pathRegex: '^/adrive/', status: 503, code: 'Busy', times: 5})
    const token = (await call('/tokens')).body.access_token
    const api = new Client(emu, token)
    assert.equal((await api.post('/adrive/v1.0/user/getDriveInfo')).status, 503)
    await call('/faults/clear', {})
    assert.equal((await api.post('/adrive/v1.0/user/getDriveInfo')).status, 200)
    const counters = (await call('/counters')).body
    assert.equal(counters.requests['/adrive/v1.0/user/getDriveInfo'], 2)
    assert.equal(Object.keys(counters.requests).some((p) => p.startsWith('/__emulator')), false)
    const log = (await call('/log')).body
    assert.deepEqual(log.map((e: {status: number}) => e.status), [503, 200])
  })

  it('faults/lose-answer (path or pathRegex, method, times): carried out, then the connection drops', async () => {
    const token = (await call('/tokens')).body.access_token
    const api = new Client(emu, token)
    assert.equal((await call('/faults/lose-answer', {path: '/adrive/v1.0/openFile/create', method: 'POST'})).status, 200)
    await assert.rejects(api.file('create', {parent_file_id: 'root', name: 'via-control', type: 'folder'}))
    assert.equal(emu.fs().get('/via-control')?.type, 'folder')
    await call('/faults/lose-answer', {pathRegex: 'getDriveInfo$', times: 2})
    await assert.rejects(api.post('/adrive/v1.0/user/getDriveInfo'))
    await assert.rejects(api.post('/adrive/v1.0/user/getDriveInfo'))
    assert.equal((await api.post('/adrive/v1.0/user/getDriveInfo')).status, 200)
  })

  it('rate limit, online limit, revoke, expire-access-tokens, advance-time', async () => {
    await call('/rate-limit', {value: false})
    const t = (await call('/tokens')).body
    const api = new Client(emu, t.access_token)
    for (let i = 0; i < 10; i++) assert.equal((await api.file('list', {parent_file_id: 'root'})).status, 200)
    await call('/rate-limit', {value: true})
    await call('/online-limit', {max: 1, minutes: 60})
    await call('/online-limit/reset', {})
    await call('/expire-access-tokens', {})
    assert.equal((await api.post('/adrive/v1.0/user/getDriveInfo')).body.code, 'AccessTokenExpired')
    await call('/revoke', {})
    const r = await ctl.post('/oauth/access_token', {...emu.app, grant_type: 'refresh_token', refresh_token: t.refresh_token})
    assert.equal(r.body.code, 'AccessDenied')
    const before = emu.now()
    const adv = await call('/advance-time', {ms: 60_000})
    assert.ok(adv.body.now - before >= 60_000)
  })

  it('fs seeding over HTTP: put, mkdir, get/list, read', async () => {
    await call('/fs/put', {path: '/seed/a.txt', content: 'hello'})
    await call('/fs/mkdir', {path: '/seed/sub'})
    const listing = await call('/fs?path=/seed')
    assert.deepEqual(listing.body.children.map((c: {name: string}) => c.name).sort(), ['a.txt', 'sub'])
    const raw = await fetch(`${emu.url}/__emulator/fs/read?path=/seed/a.txt`)
    assert.equal(await raw.text(), 'hello')
  })

  it('unknown control routes → 404 listing the routes', async () => {
    const r = await call('/nope')
    assert.equal(r.status, 404)
    assert.ok(Array.isArray(r.body.routes))
  })
})
