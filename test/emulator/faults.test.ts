import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, fetchRes, putPart, setup, xml} from './kit.js'

describe('§9.8 faults, counters and the request log', () => {
  let emu: Emulator
  let api: Client
  before(async () => ({emu, api} = await setup()))
  after(() => emu.close())
  beforeEach(() => emu.faults.clear())

  const driveInfo = () => api.post('/adrive/v1.0/user/getDriveInfo')

  it('inject: the next `times` matching requests answer the given status with {code, message, requestId}', async () => {
    emu.faults.inject({path: '/adrive/v1.0/user/getDriveInfo', status: 502, code: 'BadGateway', times: 2})
    for (let i = 0; i < 2; i++) {
      const r = await driveInfo()
      assert.equal(r.status, 502)
      assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message', 'requestId'])
      assert.equal(r.body.code, 'BadGateway')
    }
    assert.equal((await driveInfo()).status, 200)
  })

  it('inject matches method and RegExp paths; other routes are untouched', async () => {
    emu.faults.inject({method: 'POST', path: /\/openFile\/(list|search)$/, status: 400, code: 'I400JD', message: 'undocumented'})
    assert.equal((await driveInfo()).status, 200)
    const r = await api.file('search', {query: ''})
    assert.deepEqual([r.status, r.body.code, r.body.message], [400, 'I400JD', 'undocumented'])
    assert.equal((await api.file('list', {parent_file_id: 'root'})).status, 200)
  })

  it('inject retryAfterMs adds x-retry-after; body is sent verbatim (text or JSON)', async () => {
    emu.faults.inject({path: '/adrive/v1.0/user/getDriveInfo', status: 429, code: 'TooManyRequests', retryAfterMs: 3300})
    const r = await driveInfo()
    assert.deepEqual([r.status, r.headers.get('x-retry-after')], [429, '3300'])
    emu.faults.inject({path: '/adrive/v1.0/user/getDriveInfo', status: 502, body: 'Bad Gateway'})
    const t = await driveInfo()
    assert.deepEqual([t.status, t.text], [502, 'Bad Gateway'])
    emu.faults.inject({path: '/oauth/access_token', status: 403, body: {code: 'PermissionDenied', message: 'revoked'}})
    const j = await new Client(emu).post('/oauth/access_token', {})
    assert.deepEqual([j.status, j.body], [403, {code: 'PermissionDenied', message: 'revoked'}])
  })

  it('faults on data-plane paths answer OSS XML', async () => {
    const created = await api.file('create', {parent_file_id: 'root', name: 'f.bin', type: 'file'})
    emu.faults.inject({method: 'PUT', path: /^\/oss\//, status: 503, code: 'ServiceUnavailable'})
    const r = await putPart(created.body.part_info_list[0].upload_url, Buffer.from('x'))
    assert.deepEqual([r.status, xml(r.text, 'Code')], [503, 'ServiceUnavailable'])
    assert.equal((await putPart(created.body.part_info_list[0].upload_url, Buffer.from('x'))).status, 200)
  })

  /** fetch rejects when the connection is dropped before any answer */
  const lost = (p: Promise<unknown>) => assert.rejects(p, (e: Error & {cause?: {code?: string}}) => e instanceof TypeError && e.cause?.code === 'UND_ERR_SOCKET')

  it('loseAnswer: a write is carried out, then the connection drops instead of answering', async () => {
    emu.resetCounters()
    emu.faults.loseAnswer({path: '/adrive/v1.0/openFile/create'})
    await lost(api.file('create', {parent_file_id: 'root', name: 'lost-answer', type: 'folder', check_name_mode: 'refuse'}))
    const folder = emu.fs().get('/lost-answer')
    assert.equal(folder?.type, 'folder', 'the folder was created')
    // the next request is answered normally: refuse finds the folder the lost call made
    const again = await api.file('create', {parent_file_id: 'root', name: 'lost-answer', type: 'folder', check_name_mode: 'refuse'})
    assert.deepEqual([again.status, again.body.exist, again.body.file_id], [200, true, folder?.file_id])
    await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(emu.log.map((e) => [e.status, e.code]), [[200, 'AnswerLost'], [200, undefined]])
  })

  it('loseAnswer on an error: the refusal happens (nothing changes) and is lost too; `times` and method/RegExp match as inject', async () => {
    emu.resetCounters()
    emu.faults.loseAnswer({method: 'POST', path: /\/openFile\/(get|trash)$/, times: 2})
    await lost(api.file('get', {file_id: 'nope'}))
    await lost(api.file('get', {file_id: 'nope'}))
    assert.equal((await api.file('get', {file_id: 'nope'})).status, 404)
    await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(emu.log.map((e) => [e.status, e.code]), [[404, 'AnswerLost'], [404, 'AnswerLost'], [404, 'NotFound.File']])
  })

  it('loseAnswer on the token endpoint: the refresh token is spent, so a resend is refused', async () => {
    const {refresh_token} = emu.issueTokens()
    emu.faults.loseAnswer({path: '/oauth/access_token'})
    const refresh = () => new Client(emu).post('/oauth/access_token', {...emu.app, grant_type: 'refresh_token', refresh_token})
    const before = emu.counters.tokenRefreshes
    await lost(refresh())
    assert.equal(emu.counters.tokenRefreshes, before + 1, 'the refresh was carried out')
    const again = await refresh()
    assert.deepEqual([again.status, again.body.code], [400, 'AccessDenied'])
  })

  it("loseAnswer on the online service's renewapi: renewed, answer lost, the resend refused with 500 {text}", async () => {
    const {refresh_token} = emu.issueTokens({via: 'online'})
    emu.faults.loseAnswer({path: '/alicloud/renewapi'})
    const renew = () => fetchRes(`${emu.onlineUrl}/alicloud/renewapi?refresh_ui=${encodeURIComponent(refresh_token)}&server_use=true&driver_txt=alicloud_qr`)
    const before = emu.counters.onlineRefreshes
    await lost(renew())
    assert.equal(emu.counters.onlineRefreshes, before + 1)
    const again = await renew()
    assert.deepEqual([again.status, again.body], [500, {text: 'invalid token'}])
  })

  it('loseAnswer is not applied to data-plane paths, and clear() removes it', async () => {
    emu.faults.loseAnswer({path: /^\/oss\//})
    const created = await api.file('create', {parent_file_id: 'root', name: 'part.bin', type: 'file'})
    assert.equal((await putPart(created.body.part_info_list[0].upload_url, Buffer.from('x'))).status, 200)
    emu.faults.clear()
    emu.faults.loseAnswer()
    emu.faults.clear()
    assert.equal((await driveInfo()).status, 200)
  })

  it('clear() drops pending faults', async () => {
    emu.faults.inject({status: 500})
    emu.faults.clear()
    assert.equal((await driveInfo()).status, 200)
  })

  it('log: {time, method, path (no query), status, code?, userId?} for every request; counters.requests per path', async () => {
    emu.resetCounters()
    assert.equal(emu.log.length, 0)
    await driveInfo()
    await api.file('get', {file_id: 'nope'})
    await new Client(emu).get('/oauth/qrcode/abc/status?x=1')
    await new Promise((r) => setTimeout(r, 10))
    const [a, b, c] = emu.log
    assert.deepEqual([a.method, a.path, a.status, a.userId, a.code], ['POST', '/adrive/v1.0/user/getDriveInfo', 200, emu.user.user_id, undefined])
    assert.deepEqual([b.status, b.code], [404, 'NotFound.File'])
    assert.deepEqual([c.path, c.userId], ['/oauth/qrcode/abc/status', undefined])
    assert.equal(typeof a.time, 'number')
    assert.equal(emu.counters.requests['/adrive/v1.0/user/getDriveInfo'], 1)
    emu.resetCounters()
    assert.deepEqual(emu.counters, {tokenRefreshes: 0, onlineRefreshes: 0, bytesIn: 0, bytesOut: 0, peakDownloads: 0, requests: {}})
    assert.equal(emu.log.length, 0)
  })
})
