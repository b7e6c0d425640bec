import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, setup} from './kit.js'

describe('§3 user and drive endpoints', () => {
  let emu: Emulator
  let api: Client
  before(async () => ({emu, api} = await setup({totalSpace: 1_000_000})))
  after(() => emu.close())

  it('§3.3 getDriveInfo: user_id and decimal-string drive ids; default = backup, resource distinct', async () => {
    const r = await api.post('/adrive/v1.0/user/getDriveInfo', {})
    assert.equal(r.status, 200)
    assert.deepEqual(Object.keys(r.body).sort(), ['avatar', 'backup_drive_id', 'default_drive_id', 'name', 'resource_drive_id', 'user_id'])
    assert.match(r.body.user_id, /^[0-9a-f]{32}$/)
    for (const k of ['default_drive_id', 'resource_drive_id', 'backup_drive_id']) assert.match(r.body[k], /^\d+$/)
    assert.equal(r.body.backup_drive_id, r.body.default_drive_id)
    assert.notEqual(r.body.resource_drive_id, r.body.default_drive_id)
    assert.equal(r.body.default_drive_id, emu.user.default_drive_id)
  })

  it('§1.2 parameterless endpoints accept an empty body, {} and unknown fields', async () => {
    const empty = await fetch(emu.url + '/adrive/v1.0/user/getDriveInfo', {method: 'POST', headers: {authorization: `Bearer ${api.token}`, 'content-type': 'application/json'}})
    assert.equal(empty.status, 200)
    assert.equal((await api.post('/adrive/v1.0/user/getSpaceInfo', {drive_id: emu.user.default_drive_id, whatever: [1]})).status, 200)
  })

  it('§3.4 getSpaceInfo: personal_space_info.used_size / total_size (integers)', async () => {
    emu.fs().put('/space.bin', Buffer.alloc(1234))
    const r = await api.post('/adrive/v1.0/user/getSpaceInfo')
    assert.deepEqual(r.body, {personal_space_info: {used_size: emu.spaceUsed(), total_size: 1_000_000}})
    assert.ok(r.body.personal_space_info.used_size >= 1234)
  })

  for (const path of ['/v1.0/user/getVipInfo', '/business/v1.0/user/getVipInfo']) {
    it(`§3.5 ${path}: identity/level/expire and the benefit-pack flag in both spellings`, async () => {
      const r = await api.post(path, {})
      assert.equal(r.status, 200)
      assert.equal(r.body.identity, 'member')
      assert.equal(typeof r.body.level, 'string')
      assert.equal(typeof r.body.expire, 'number')
      for (const k of ['thirdPartyVip', 'third_party_vip']) assert.equal(r.body[k], false)
      for (const k of ['thirdPartyVipExpire', 'third_party_vip_expire']) assert.equal(typeof r.body[k], 'number')
    })
  }

  it('createUser: separate drives; a drive of another user → 403 UserNotAllowedAccessDrive; unknown drive → 404', async () => {
    const bob = emu.createUser('bob')
    assert.notEqual(bob.default_drive_id, emu.user.default_drive_id)
    const bobApi = new Client(emu, emu.issueTokens({userId: bob.user_id}).access_token)
    const info = await bobApi.post('/adrive/v1.0/user/getDriveInfo')
    assert.equal(info.body.user_id, bob.user_id)
    assert.equal(info.body.name, 'bob')
    const foreign = await bobApi.post('/adrive/v1.0/openFile/list', {drive_id: emu.user.default_drive_id, parent_file_id: 'root'})
    assert.deepEqual([foreign.status, foreign.body.code], [403, 'UserNotAllowedAccessDrive'])
    const unknown = await bobApi.post('/adrive/v1.0/openFile/list', {drive_id: '1', parent_file_id: 'root'})
    assert.equal(unknown.status, 404)
  })

  it('§3.3 a resource drive the user did not grant: no resource_drive_id, and 403 UserNotAllowedAccessDrive on it', async () => {
    const carol = emu.createUser('carol')
    emu.setDriveGrant('resource', false, carol.user_id)
    const carolApi = new Client(emu, emu.issueTokens({userId: carol.user_id}).access_token)
    const info = await carolApi.post('/adrive/v1.0/user/getDriveInfo')
    assert.equal('resource_drive_id' in info.body, false)
    assert.equal(info.body.default_drive_id, carol.default_drive_id)
    const refused = await carolApi.post('/adrive/v1.0/openFile/list', {drive_id: carol.resource_drive_id, parent_file_id: 'root'})
    assert.deepEqual([refused.status, refused.body.code], [403, 'UserNotAllowedAccessDrive'])
    assert.equal((await carolApi.post('/adrive/v1.0/openFile/list', {drive_id: carol.default_drive_id, parent_file_id: 'root'})).status, 200)
    emu.setDriveGrant('resource', true, carol.user_id)
    assert.equal((await carolApi.post('/adrive/v1.0/user/getDriveInfo')).body.resource_drive_id, carol.resource_drive_id)
  })

  it('§7.1 unknown routes → 404 gateway shape {timestamp, status, error, path}; wrong method → 405', async () => {
    const r = await api.post('/adrive/v1.0/openFile/nonexistent', {})
    assert.equal(r.status, 404)
    assert.deepEqual(Object.keys(r.body).sort(), ['error', 'path', 'status', 'timestamp'])
    assert.deepEqual([r.body.status, r.body.error, r.body.path], [404, 'Not Found', '/adrive/v1.0/openFile/nonexistent'])
    const m = await api.get('/adrive/v1.0/openFile/list')
    assert.deepEqual([m.status, m.body.error], [405, 'Method Not Allowed'])
  })

  it('§1.2 requireUserAgent: API requests without a User-Agent → 500', async () => {
    const strict = await setup({requireUserAgent: true})
    try {
      // fetch always sends a UA; node:http does not unless told
      const {request} = await import('node:http')
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(strict.emu.url + '/adrive/v1.0/user/getDriveInfo', {method: 'POST', headers: {authorization: `Bearer ${strict.api.token}`}}, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
      assert.equal(status, 500)
      assert.equal((await strict.api.post('/adrive/v1.0/user/getDriveInfo')).status, 200)
    } finally {
      await strict.emu.close()
    }
  })
})
