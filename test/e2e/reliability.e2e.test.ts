/**
 * Issue 11 with the real binary (bin/run.js, built): a service down for good ends each command
 * with exit 5 in bounded time and loses nothing; a token refresh on a flaky service either
 * survives or ends in exit 4 saying why; `--retries` and the `retries` setting set the attempts.
 */
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

const WRITES = /\/openFile\/(create|update|move|copy|recyclebin\/trash|delete|complete)$/

describe('reliability end to end (spawned CLI)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
  })
  after(() => f.close())
  beforeEach(async () => {
    f.emu.faults.clear()
    f.emu.resetCounters()
    await f.login()
  })

  const expireStoredToken = async () => {
    const store = new CredentialStore(f.configDir)
    await store.write({...(await store.read())!, expires_at: Date.now() + 10_000})
    return store
  }

  it('writes down for good: put, mkdir -p, rm, mv and cp each exit 5 in bounded time, reporting it once; nothing is lost', async () => {
    f.emu.fs().put('/down/keep.txt', 'keep')
    f.emu.fs().put('/down/move-me.txt', 'move me')
    const local = join(f.workDir, 'up.txt')
    writeFileSync(local, 'new content')
    f.emu.faults.inject({path: WRITES, status: 503, code: 'ServiceUnavailable', times: 10_000})
    const commands = [
      ['put', local, '/down/new/up.txt'],
      ['mkdir', '-p', '/down/a/b'],
      ['rm', '-f', '/down/keep.txt'],
      ['mv', '/down/move-me.txt', '/down/moved.txt'],
      ['cp', '/down/keep.txt', '/down/copy.txt'],
    ]
    const started = Date.now()
    const runs = await Promise.all(
      commands.map(async (args) => {
        const t = Date.now()
        const r = await f.spawn(args, {timeoutMs: 90_000})
        return {args, ...r, ms: Date.now() - t}
      }),
    )
    for (const r of runs) {
      assert.equal(r.status, 5, `${r.args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.match(/^Error: /gm)?.length, 1, `${r.args[0]} reports the failure once: ${r.stderr}`)
      assert.ok(r.ms < 60_000, `${r.args[0]} gave up after ${r.ms} ms`)
    }
    assert.ok(Date.now() - started < 75_000)
    assert.deepEqual(
      f.emu.fs().list('/down').map((e) => e.name).sort(),
      ['keep.txt', 'move-me.txt'],
      'nothing created, moved, copied or removed',
    )
    assert.deepEqual(f.emu.fs().trashed(), [])
    // Five attempts at most per call: e.g. the one trash call of rm.
    assert.equal(f.emu.log.filter((e) => e.path.endsWith('/recyclebin/trash')).length, 5)
  })

  it('--retries and the retries setting change the attempt count', async () => {
    f.emu.fs().put('/r/keep.txt', 'keep')
    f.emu.faults.inject({path: WRITES, status: 502, times: 10_000})
    const trashCalls = () => f.emu.log.filter((e) => e.path.endsWith('/recyclebin/trash')).length
    const flagged = await f.cli(['rm', '-f', '/r/keep.txt', '--retries', '2'])
    assert.equal(flagged.exitCode, 5, flagged.stderr)
    assert.equal(trashCalls(), 2)

    const set = await f.cli(['config', 'set', 'retries', '3'])
    assert.equal(set.exitCode, 0, set.stderr)
    f.emu.resetCounters()
    const configured = await f.cli(['rm', '-f', '/r/keep.txt'])
    assert.equal(configured.exitCode, 5)
    assert.equal(trashCalls(), 3)
    f.emu.resetCounters()
    assert.equal((await f.cli(['rm', '-f', '/r/keep.txt', '--retries', '1'])).exitCode, 5)
    assert.equal(trashCalls(), 1, 'the flag wins over the setting')
    assert.equal((await f.cli(['config', 'unset', 'retries'])).exitCode, 0)

    assert.equal((await f.cli(['config', 'set', 'retries', '0'])).exitCode, 2)
    assert.equal((await f.cli(['ls', '/', '--retries', '99'])).exitCode, 2)
    assert.ok(f.emu.fs().get('/r/keep.txt'), 'still there')
  })

  it('a refresh that meets 500 twice, then succeeds: the command works and the login stays intact', async () => {
    await expireStoredToken()
    f.emu.faults.inject({path: '/oauth/access_token', status: 500, code: 'InternalError', times: 2})
    const r = await f.spawn(['ls', '/'])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
    await expireStoredToken()
    const again = await f.spawn(['ls', '/'])
    assert.equal(again.status, 0, `the next run renews with the stored token: ${again.stderr}`)
    assert.equal(f.emu.counters.tokenRefreshes, 2)
  })

  it('a refresh whose answer is lost: exit 4 saying so, with the login hint, not exit 5', async () => {
    await expireStoredToken()
    f.emu.faults.loseAnswer({path: '/oauth/access_token'})
    const r = await f.spawn(['ls', '/'])
    assert.equal(r.status, 4, r.stderr)
    assert.match(r.stderr, /^Error: The answer to the login renewal was lost/m)
    assert.match(r.stderr, /^Hint: run `alipan login` again/m)
    assert.doesNotMatch(r.stderr, /check your network/)
    assert.equal(f.emu.counters.tokenRefreshes, 1, 'the lost refresh happened; the resend was refused')
  })

  it('the same on the online route (renewapi)', async () => {
    await f.login({via: 'online'})
    await expireStoredToken()
    f.emu.faults.loseAnswer({path: '/alicloud/renewapi'})
    const r = await f.spawn(['ls', '/', '--json'])
    assert.equal(r.status, 4, r.stderr)
    assert.equal(JSON.parse(r.stdout).error.code, 'RenewalAnswerLost')
  })
})
