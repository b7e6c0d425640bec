import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, putPart, setup, xml} from './kit.js'

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
