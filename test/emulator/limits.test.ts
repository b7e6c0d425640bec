import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {startEmulator} from './index.js'
import {Client} from './kit.js'

describe('§7.3/§7.4 per-(user, app) rate limits', () => {
  let emu: Emulator
  let api: Client
  before(async () => {
    emu = await startEmulator()
    // buckets refill with real time too; frozen, only advanceTime() refills them
    emu.freezeTime()
    api = new Client(emu, emu.issueTokens().access_token)
    emu.fs().put('/f.txt', 'f')
  })
  after(() => emu.close())
  // a fresh second for every test: full buckets
  beforeEach(() => {
    emu.setRateLimit(true)
  })

  const list = () => api.file('list', {parent_file_id: 'root'})
  const fileId = () => emu.fs().get('/f.txt')?.file_id

  it('openFile/list: 4 per second, the 5th → 429 TooManyRequests with x-retry-after (ms)', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await list()).status, 200)
    const r = await list()
    assert.equal(r.status, 429)
    assert.equal(r.body.code, 'TooManyRequests')
    assert.equal(r.body.message, '请求过快，请等待 x-retry-after 毫秒后再请求')
    assert.equal(typeof r.body.requestId, 'string')
    const wait = Number(r.headers.get('x-retry-after'))
    assert.ok(wait > 0 && wait <= 250, String(wait))
    emu.advanceTime(wait)
    assert.equal((await list()).status, 200, 'a token is available after x-retry-after ms')
  })

  it('openFile/getDownloadUrl: 1 per second', async () => {
    assert.equal((await api.file('getDownloadUrl', {file_id: fileId()})).status, 200)
    const r = await api.file('getDownloadUrl', {file_id: fileId()})
    assert.equal(r.status, 429)
    const wait = Number(r.headers.get('x-retry-after'))
    assert.ok(wait > 900 && wait <= 1000, String(wait))
  })

  it('every other authenticated call: 15 per second, in a bucket of its own', async () => {
    for (let i = 0; i < 4; i++) await list()
    for (let i = 0; i < 15; i++) assert.equal((await api.file('get', {file_id: fileId()})).status, 200, `call ${i}`)
    assert.equal((await api.post('/adrive/v1.0/user/getDriveInfo')).status, 429)
  })

  it('buckets are per (user, app): another app or another user has its own', async () => {
    for (let i = 0; i < 4; i++) await list()
    assert.equal((await list()).status, 429)
    const viaOnline = new Client(emu, emu.issueTokens({via: 'online'}).access_token)
    assert.equal((await viaOnline.file('list', {parent_file_id: 'root'})).status, 200)
    const bob = emu.createUser('bob')
    const bobApi = new Client(emu, emu.issueTokens({userId: bob.user_id}).access_token)
    assert.equal((await bobApi.post('/adrive/v1.0/openFile/list', {drive_id: bob.default_drive_id, parent_file_id: 'root'})).status, 200)
  })

  it('unauthenticated routes (token endpoint, QR status) are not limited by these buckets', async () => {
    const anon = new Client(emu)
    for (let i = 0; i < 20; i++) assert.equal((await anon.get('/oauth/qrcode/none/status')).status, 200)
  })

  it('setRateLimit(scale) multiplies the rates; setRateLimit(false) turns them off', async () => {
    emu.setRateLimit(2)
    for (let i = 0; i < 8; i++) assert.equal((await list()).status, 200)
    assert.equal((await list()).status, 429)
    emu.setRateLimit(false)
    for (let i = 0; i < 30; i++) assert.equal((await list()).status, 200)
  })
})
