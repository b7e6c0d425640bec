/**
 * Profiles with the real binary: `login --profile` creates one, and concurrent processes over two
 * profiles neither block nor log out each other.
 */
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import type {UserInfo} from '../emulator/index.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('profiles end to end (spawned CLI)', () => {
  let f: Fixture
  let bob: UserInfo
  const workDir = () => join(f.configDir, 'profiles', 'work')
  before(async () => {
    f = await setup()
    bob = f.emu.createUser('bob')
  })
  after(() => f.close())

  it('login --profile NAME creates that profile beside the default one', async () => {
    await f.login()
    f.emu.qr.setAutoConfirm({scanAfterMs: 50, confirmAfterMs: 100})
    const r = await f.spawn(['login', '--profile', 'work'])
    f.emu.qr.setAutoConfirm(false)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, /Logged in as alice .* via the online service route in profile work\./)
    const stored = (await new CredentialStore(workDir()).read())!
    assert.deepEqual([stored.user_name, stored.route.type], ['alice', 'online'])
    assert.equal((await new CredentialStore(f.configDir).read())!.route.type, 'app', 'the default login is untouched')
    const list = await f.spawn(['profile', 'list', '--json'])
    assert.deepEqual(JSON.parse(list.stdout).map((p: {name: string}) => p.name), ['default', 'work'])
  })

  it('eight processes over two profiles with expired tokens: exactly one refresh per profile, all succeed', async () => {
    await f.login()
    await f.login({userId: bob.user_id, via: 'online', profile: 'work'})
    for (const dir of [f.configDir, workDir()]) {
      const store = new CredentialStore(dir)
      await store.write({...(await store.read())!, expires_at: Date.now() - 1000})
    }
    f.emu.resetCounters()
    const runs = await Promise.all(Array.from({length: 8}, (_, i) => f.spawn(['whoami', '--json', '--profile', i % 2 ? 'work' : 'default'])))
    for (const [i, r] of runs.entries()) {
      assert.equal(r.status, 0, r.stderr)
      assert.equal(JSON.parse(r.stdout).name, i % 2 ? 'bob' : 'alice')
    }
    assert.equal(f.emu.counters.tokenRefreshes, 2, 'one refresh for each profile')
    assert.equal(f.emu.counters.onlineRefreshes, 1, "work's went through its own route, the online service")
    // Each profile rotated its own chain: both still work, with no further refresh.
    for (const profile of ['default', 'work']) assert.equal((await f.spawn(['quota', '--profile', profile])).status, 0)
    assert.equal(f.emu.counters.tokenRefreshes, 2)
    assert.equal(existsSync(join(f.configDir, 'credentials.json.lock')), false, 'locks released')
    assert.equal(existsSync(join(workDir(), 'credentials.json.lock')), false)
  })
})
