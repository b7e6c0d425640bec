import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import type {ProfileListEntry} from '../../src/lib/profiles.js'
import type {UserInfo} from '../emulator/index.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

describe('profiles', () => {
  let f: Fixture
  let bob: UserInfo
  const work = () => join(f.configDir, 'profiles', 'work')
  const whoami = async (args: string[] = [], env: Record<string, string | undefined> = {}) => {
    const r = await f.cli(['whoami', '--json', ...args], {env})
    assert.equal(r.exitCode, 0, r.stderr)
    return JSON.parse(r.stdout) as {profile: string; name: string; renewal_route: string; drive_type: string; drive_id: string; config_dir: string}
  }

  before(async () => {
    f = await setup()
    bob = f.emu.createUser('bob')
  })
  after(() => f.close())
  beforeEach(async () => {
    // Every test starts from an existing pre-profiles login (alice, own app) and a `work` profile (bob, online service).
    for (const dir of [f.configDir, work()]) {
      await new CredentialStore(dir).clear()
      for (const name of ['config.json', 'profile.json']) if (existsSync(join(dir, name))) writeFileSync(join(dir, name), '{}')
    }
    await f.login()
    await f.login({userId: bob.user_id, via: 'online', profile: 'work'})
  })

  it('an existing top-level login is the default profile; two profiles side by side, each with its own route and drive setting', async () => {
    assert.equal((await f.cli(['config', 'set', '--profile', 'work', 'drive', 'backup'])).exitCode, 0)
    const alice = await whoami()
    assert.deepEqual([alice.profile, alice.name, alice.renewal_route, alice.drive_type, alice.config_dir], ['default', 'alice', 'app', 'default', f.configDir])
    const other = await whoami(['--profile', 'work'])
    assert.deepEqual([other.profile, other.name, other.renewal_route, other.drive_type, other.drive_id], ['work', 'bob', 'online', 'backup', bob.backup_drive_id])
    assert.equal(other.config_dir, work())
    assert.equal(JSON.parse(readFileSync(join(work(), 'config.json'), 'utf8')).drive, 'backup', "work's setting lives in its folder")
    assert.equal((await f.cli(['config', 'get', 'drive'])).stdout, 'default\n', "the default profile's setting is untouched")
  })

  it('precedence: --profile over ALIPAN_PROFILE over `profile use` over default', async () => {
    assert.equal((await whoami([], {ALIPAN_PROFILE: 'work'})).name, 'bob')
    assert.equal((await whoami(['--profile', 'default'], {ALIPAN_PROFILE: 'work'})).name, 'alice')
    const use = await f.cli(['profile', 'use', 'work'])
    assert.equal(use.exitCode, 0, use.stderr)
    assert.equal((await whoami()).name, 'bob', '`profile use` changed the default')
    assert.equal((await whoami([], {ALIPAN_PROFILE: 'default'})).name, 'alice')
    assert.equal((await whoami(['--profile', 'default'])).name, 'alice')
    assert.equal((await f.cli(['profile', 'use', 'default'])).exitCode, 0)
    assert.equal((await whoami()).name, 'alice')
  })

  it('profile list: name, user, route and which is the default; --json is an array of {name, user_id, user_name, route, default}', async () => {
    await f.cli(['profile', 'use', 'work'])
    // The user is learned when a login is saved (or by whoami, as here); the listing itself asks no server.
    await whoami(['--profile', 'default'])
    await whoami(['--profile', 'work'])
    const r = await f.cli(['profile', 'list', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout) as ProfileListEntry[], [
      {name: 'default', user_id: f.emu.user.user_id, user_name: 'alice', route: 'app', default: false},
      {name: 'work', user_id: bob.user_id, user_name: 'bob', route: 'online', default: true},
    ])
    const piped = await f.cli(['profile', 'list'])
    assert.equal(piped.stdout, `default\t${f.emu.user.user_id}\talice\tapp\t-\nwork\t${bob.user_id}\tbob\tonline\tdefault\n`)
  })

  it('logout --profile removes that login and nothing else: the other profile stays logged in, the settings stay', async () => {
    await f.cli(['config', 'set', '--profile', 'work', 'drive', 'backup'])
    const r = await f.cli(['logout', '--profile', 'work', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).removed, true)
    assert.equal(await new CredentialStore(work()).read(), undefined)
    assert.equal((await whoami()).name, 'alice', 'the default profile is still logged in')
    const gone = await f.cli(['whoami', '--profile', 'work'])
    assert.equal(gone.exitCode, 4)
    assert.match(gone.stderr, /Hint: run `alipan login --profile work`/)
    assert.equal((await f.cli(['config', 'get', '--profile', 'work', 'drive'])).stdout, 'backup\n')
    assert.equal((await f.cli(['profile', 'list'])).stdout.split('\n')[1], 'work\t-\t-\t-\t-')
  })

  it('an unknown profile exits 4 with the hint to log in with it, and creates nothing', async () => {
    for (const args of [['whoami', '--profile', 'nosuch'], ['config', 'set', '--profile', 'nosuch', 'drive', 'backup'], ['logout', '--profile', 'nosuch'], ['profile', 'use', 'nosuch']]) {
      const r = await f.cli(args)
      assert.equal(r.exitCode, 4, args.join(' '))
      assert.match(r.stderr, /There is no profile named nosuch \(profiles: default, work\)\.\nHint: log in with `alipan login --profile nosuch`/)
    }
    const env = await f.cli(['ls', '/'], {env: {ALIPAN_PROFILE: 'nosuch'}})
    assert.equal(env.exitCode, 4)
    assert.deepEqual(readdirSync(join(f.configDir, 'profiles')), ['work'])
  })

  it('profile names are checked: ../x and friends exit 2 and touch nothing', async () => {
    for (const [args, env] of [
      [['whoami', '--profile', '../x'], {}],
      [['login', '--profile', '../x', '--with-token'], {}],
      [['profile', 'use', '../x'], {}],
      [['whoami'], {ALIPAN_PROFILE: '../x'}],
      [['whoami', '--profile', '.hidden'], {}],
      [['whoami', '--profile', 'a/b'], {}],
    ] as const) {
      const r = await f.cli([...args], {env})
      assert.equal(r.exitCode, 2, `${args.join(' ')} ${JSON.stringify(env)}`)
      assert.match(r.stderr, /is not a valid profile name/)
    }
    assert.deepEqual(readdirSync(join(f.configDir, 'profiles')), ['work'])
    assert.equal(existsSync(join(f.configDir, '..', 'x')), false)
  })

  it('ALIPAN_REFRESH_TOKEN seeds the profile in use, creating it; the default login is untouched', async () => {
    const tokens = f.emu.issueTokens({userId: bob.user_id})
    const before = readFileSync(join(f.configDir, 'credentials.json'), 'utf8')
    const env = {ALIPAN_PROFILE: 'ci', ALIPAN_REFRESH_TOKEN: tokens.refresh_token, ALIPAN_CLIENT_ID: f.emu.app.client_id, ALIPAN_CLIENT_SECRET: f.emu.app.client_secret}
    const me = await whoami([], env)
    assert.deepEqual([me.profile, me.name], ['ci', 'bob'])
    assert.equal((await new CredentialStore(join(f.configDir, 'profiles', 'ci')).read())?.source, 'env')
    assert.equal(readFileSync(join(f.configDir, 'credentials.json'), 'utf8'), before)
  })

  it('resume state is per profile: an interrupted upload leaves its state in that profile', async () => {
    const local = join(f.workDir, 'parts.bin')
    writeFileSync(local, pattern(300 * 1024))
    f.emu.faults.inject({method: 'PUT', path: /^\/oss\//, status: 403, code: 'AccessDenied', times: 1})
    const r = await f.cli(['put', '--profile', 'work', '--part-size', '100KiB', '--no-rapid', local, '/resume/'])
    f.emu.faults.clear()
    assert.notEqual(r.exitCode, 0)
    assert.equal(readdirSync(join(work(), 'transfers')).filter((n) => n.startsWith('upload-')).length, 1)
    assert.equal(existsSync(join(f.configDir, 'transfers')), false, 'nothing in the default profile')
  })
})
