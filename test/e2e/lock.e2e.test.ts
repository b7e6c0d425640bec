/**
 * The credential lock with the real binary: a process killed while holding it (as `kill -9` or
 * an OOM kill would) no longer costs the next command ~20 s.
 */
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {startHolder} from '../lock-support.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('a stale credential lock (spawned CLI)', () => {
  let f: Fixture
  before(async () => {
    f = await setup()
  })
  after(() => f.close())

  it('after kill -9 of the holder, the next command renews within seconds (it took 15–20 s), exactly once', async () => {
    await f.login()
    const store = new CredentialStore(f.configDir)
    await store.write({...(await store.read())!, expires_at: Date.now() - 1000})
    const {child, exited} = await startHolder(join(f.configDir, 'credentials.json'))
    child.kill('SIGKILL')
    await exited
    f.emu.resetCounters()
    const started = performance.now()
    const r = await f.spawn(['whoami'])
    const took = performance.now() - started
    assert.equal(r.status, 0, r.stderr)
    assert.ok(took < 5000, `whoami took ${Math.round(took)} ms`)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })
})
