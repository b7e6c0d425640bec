import assert from 'node:assert/strict'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('account commands', () => {
  let f: Fixture
  before(async () => {
    f = await setup()
  })
  after(() => f.close())
  beforeEach(async () => {
    await new CredentialStore(f.configDir).clear()
    f.emu.faults.clear()
  })

  it('not logged in: exit 4, one-line error with the login hint, nothing on stdout', async () => {
    const r = await f.cli(['whoami'])
    assert.equal(r.exitCode, 4)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^Error: Not logged in\.\nHint: run `alipan login`/)
    assert.doesNotMatch(r.stderr, /\s+at /, 'no stack trace')
  })

  it('a damaged credential or config file: one-line error naming it, with a hint, never a stack trace', async () => {
    writeFileSync(join(f.configDir, 'credentials.json'), '{"refresh_token": ')
    const r = await f.cli(['whoami'])
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /^Error: The credential file .*credentials\.json is unreadable .*\nHint: run `alipan logout` and `alipan login` again/)
    assert.doesNotMatch(r.stderr, /\s+at /)
    rmSync(join(f.configDir, 'credentials.json'))

    writeFileSync(join(f.configDir, 'config.json'), '[1, 2]')
    try {
      const listed = await f.cli(['config', 'list'])
      assert.equal(listed.exitCode, 2)
      assert.match(listed.stderr, /^Error: The config file .*config\.json is unreadable \(not a JSON object\)\.\nHint: fix or delete that file/)
    } finally {
      rmSync(join(f.configDir, 'config.json'))
    }
  })

  it('--json errors go to stdout as one JSON document', async () => {
    const r = await f.cli(['quota', '--json'])
    assert.equal(r.exitCode, 4)
    assert.deepEqual(JSON.parse(r.stdout), {
      error: {code: 'NotLoggedIn', message: 'Not logged in.', hint: 'run `alipan login`, or set ALIPAN_REFRESH_TOKEN for headless use', exitCode: 4},
    })
  })

  it('whoami --json: user, drive ids, drive in use, credential source, route, expiry', async () => {
    await f.login()
    const r = await f.cli(['whoami', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    const me = JSON.parse(r.stdout)
    assert.equal(me.user_id, f.emu.user.user_id)
    assert.equal(me.name, f.emu.user.name)
    assert.equal(me.drive_id, f.emu.user.default_drive_id)
    assert.equal(me.drive_type, 'default')
    assert.equal(me.credential_source, 'store')
    assert.equal(me.renewal_route, 'app')
    assert.ok(Date.parse(me.access_token_expires_at) > Date.now())
  })

  it('config set drive resource changes the drive whoami reports', async () => {
    await f.login()
    assert.equal((await f.cli(['config', 'set', 'drive', 'resource'])).exitCode, 0)
    const me = JSON.parse((await f.cli(['whoami', '--json'])).stdout)
    assert.equal(me.drive_type, 'resource')
    assert.equal(me.drive_id, f.emu.user.resource_drive_id)
    await f.cli(['config', 'unset', 'drive'])
  })

  it('whoami --drive and --root-folder-id report the drive they select, over the setting', async () => {
    await f.login()
    await f.cli(['config', 'set', 'drive', 'backup'])
    try {
      const me = JSON.parse((await f.cli(['whoami', '--drive', 'resource', '--json'])).stdout)
      assert.deepEqual([me.drive_type, me.drive_id, me.root_folder_id], ['resource', f.emu.user.resource_drive_id, 'root'])
      const under = await f.cli(['whoami', '--root-folder-id', 'abc123'])
      assert.equal(under.exitCode, 0, under.stderr)
      assert.match(under.stdout, /^drive:\s+backup \(\S+\), paths under folder abc123$/m)
    } finally {
      await f.cli(['config', 'unset', 'drive'])
    }
  })

  it('quota: bytes when piped, --json {used, total, free, percent}', async () => {
    await f.login()
    f.emu.fs().put('/q/one.bin', Buffer.alloc(1000, 1))
    const r = await f.cli(['quota'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^used:\s+\d+ \(/m, 'raw bytes when stdout is not a terminal')
    const q = JSON.parse((await f.cli(['quota', '--json'])).stdout)
    assert.equal(q.used, f.emu.spaceUsed())
    assert.ok(q.total > q.used)
    assert.equal(q.free, q.total - q.used)
    assert.equal(typeof q.percent, 'number')
  })

  it('logout removes the stored login and says how to revoke', async () => {
    await f.login()
    const r = await f.cli(['logout', '--json'])
    assert.equal(r.exitCode, 0)
    assert.equal(JSON.parse(r.stdout).removed, true)
    assert.equal(await new CredentialStore(f.configDir).read(), undefined)
    assert.equal((await f.cli(['whoami'])).exitCode, 4)
    const again = await f.cli(['logout'])
    assert.equal(again.exitCode, 0, 'logging out twice is fine')
    assert.match(again.stderr, /No stored login/)
    assert.match(again.stderr, /Authorization management/)
  })

  it('a revoked authorization exits 4 with the login hint', async () => {
    await f.login()
    await new CredentialStore(f.configDir).write({...(await new CredentialStore(f.configDir).read())!, expires_at: Date.now() - 1})
    f.emu.revokeUser()
    const r = await f.cli(['quota'])
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /Hint: run `alipan login`/)
  })

  it('ExceedCapacityForbidden, UserNotAllowedAccessResource and PermissionDenied get plain messages', async () => {
    await f.login()
    const cases = [
      ['ExceedCapacityForbidden', 403, /over its capacity/, 7],
      ['UserNotAllowedAccessResource', 403, /restricted this account/, 4],
      ['PermissionDenied', 403, /authorization was revoked/, 4],
    ] as const
    for (const [code, status, message, exit] of cases) {
      f.emu.faults.inject({path: '/adrive/v1.0/user/getSpaceInfo', status, code})
      const r = await f.cli(['quota'])
      assert.equal(r.exitCode, exit, code)
      assert.match(r.stderr, message)
    }
  })

  it('config: list, get, set with validation, unset', async () => {
    const bad = await f.cli(['config', 'set', 'removal-method', 'shred'])
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /removal-method must be one of trash, delete/)
    assert.equal((await f.cli(['config', 'set', 'livp-format', 'mov'])).exitCode, 0)
    assert.equal((await f.cli(['config', 'get', 'livp-format'])).stdout, 'mov\n')
    const list = JSON.parse((await f.cli(['config', 'list', '--json'])).stdout)
    assert.deepEqual(list['livp-format'], {value: 'mov', default: 'jpeg', set: true})
    assert.deepEqual(list['rapid-upload'], {value: 'on', default: 'on', set: false})
    await f.cli(['config', 'unset', 'livp-format'])
    assert.equal((await f.cli(['config', 'get', 'livp-format'])).stdout, 'jpeg\n')
    const stored = JSON.parse(readFileSync(`${f.configDir}/config.json`, 'utf8'))
    assert.equal(stored['livp-format'], undefined)
    assert.equal((await f.cli(['config', 'set', 'online-api-url', 'not a url'])).exitCode, 2)
  })
})
