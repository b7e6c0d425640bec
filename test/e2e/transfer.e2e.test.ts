/**
 * The built binary moving real bytes: Ctrl-C in the middle of a transfer, and the CI recipe.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {type Fixture, pattern, setup, startCli} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('transfers end to end (spawned CLI)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.setThrottle(false)
    f.emu.resetCounters()
  })

  it('Ctrl-C during put: exit 130, nothing visible remotely, resume state kept; the re-run resumes', async () => {
    const data = pattern(6 * MiB, 41)
    const path = join(f.workDir, 'interrupt-up.bin')
    writeFileSync(path, data)
    f.emu.setThrottle(2 * MiB)
    const run = startCli(['put', path, '/int/', '--no-rapid', '--part-size', '1MiB', '--progress'], f.env)
    await until(() => f.emu.counters.bytesIn >= 2.5 * MiB)
    run.child.kill('SIGINT')
    const result = await run.done
    assert.equal(result.status, 130, result.stderr)
    assert.match(result.stderr, /Interrupted/)
    assert.equal(f.emu.fs().get('/int/interrupt-up.bin'), undefined, 'no half-written file under its name')
    assert.equal(readdirSync(join(f.configDir, 'transfers')).length, 1, 'resume state kept')
    f.emu.setThrottle(false)
    f.emu.resetCounters()
    const again = await f.spawn(['put', path, '/int/', '--no-rapid', '--part-size', '1MiB', '--json'])
    assert.equal(again.status, 0, again.stderr)
    assert.ok(f.emu.counters.bytesIn <= data.length - 2 * MiB, `resumed: sent ${f.emu.counters.bytesIn} of ${data.length}`)
    assert.ok(f.emu.fs().read('/int/interrupt-up.bin').equals(data))
  })

  it('Ctrl-C during get: exit 130, no file under its final name, the .part resumes', async () => {
    const data = pattern(6 * MiB, 42)
    f.emu.fs().put('/int/interrupt-down.bin', data)
    const dir = mkdtempSync(join(tmpdir(), 'alipan-get-'))
    f.emu.setThrottle(2 * MiB)
    const run = startCli(['get', '/int/interrupt-down.bin', dir], f.env)
    await until(() => f.emu.counters.bytesOut >= 2.5 * MiB)
    run.child.kill('SIGINT')
    const result = await run.done
    assert.equal(result.status, 130, result.stderr)
    assert.equal(existsSync(join(dir, 'interrupt-down.bin')), false)
    assert.ok(existsSync(join(dir, 'interrupt-down.bin.alipan-part')))
    f.emu.setThrottle(false)
    f.emu.resetCounters()
    const again = await f.spawn(['get', '/int/interrupt-down.bin', dir])
    assert.equal(again.status, 0, again.stderr)
    assert.ok(f.emu.counters.bytesOut <= data.length - 2 * MiB, 'resumed from the .part')
    assert.ok(readFileSync(join(dir, 'interrupt-down.bin')).equals(data))
  })

  it('Ctrl-C during sync: exit 130, nothing deleted, and the next run finishes the mirror', async () => {
    const src = mkdtempSync(join(tmpdir(), 'alipan-sync-int-'))
    writeFileSync(join(src, 'big.bin'), pattern(6 * MiB, 44))
    f.emu.fs().put('/int-sync/stale.txt', 'only on DEST')
    f.emu.setThrottle(2 * MiB)
    const run = startCli(['sync', src, 'alipan:/int-sync', '--no-rapid', '--part-size', '1MiB'], f.env)
    await until(() => f.emu.counters.bytesIn >= 2.5 * MiB)
    run.child.kill('SIGINT')
    const result = await run.done
    assert.equal(result.status, 130, result.stderr)
    assert.ok(f.emu.fs().get('/int-sync/stale.txt'), 'deletions wait for every transfer')
    assert.equal(f.emu.fs().get('/int-sync/big.bin'), undefined)
    f.emu.setThrottle(false)
    f.emu.resetCounters()
    const again = await f.spawn(['sync', src, 'alipan:/int-sync', '--no-rapid', '--part-size', '1MiB'])
    assert.equal(again.status, 0, again.stderr)
    assert.ok(f.emu.counters.bytesIn <= 6 * MiB - 2 * MiB, `resumed: sent ${f.emu.counters.bytesIn}`)
    assert.deepEqual(f.emu.fs().list('/int-sync').map((e) => e.name), ['big.bin'])
  })

  it('CI recipe: ALIPAN_REFRESH_TOKEN in a fresh config dir, put --json of build artifacts, twice', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'alipan-dist-'))
    writeFileSync(join(dist, 'app.zip'), pattern(300_000, 43))
    writeFileSync(join(dist, 'checksums.txt'), 'abc  app.zip\n')
    const configDir = mkdtempSync(join(tmpdir(), 'alipan-ci-'))
    const tokens = f.emu.issueTokens({via: 'online'})
    const env = {ALIPAN_CONFIG_DIR: configDir, ALIPAN_REFRESH_TOKEN: tokens.refresh_token}
    for (let run = 0; run < 2; run++) {
      const r = await f.spawn(['put', join(dist, 'app.zip'), join(dist, 'checksums.txt'), '/releases/v1.2.0/', '--json', '--on-conflict', 'overwrite'], {env})
      assert.equal(r.status, 0, r.stderr)
      const results = JSON.parse(r.stdout) as Array<{remote_path: string; file_id: string; content_hash: string; size: number}>
      assert.deepEqual(results.map((x) => x.remote_path), ['/releases/v1.2.0/app.zip', '/releases/v1.2.0/checksums.txt'])
      assert.ok(results.every((x) => /^[0-9a-f]{40}$/.test(x.file_id) && /^[0-9A-F]{40}$/.test(x.content_hash)))
      assert.doesNotMatch(r.stdout + r.stderr, /eyJ/, 'no token in CI logs')
    }
    assert.equal(f.emu.fs().list('/releases/v1.2.0').length, 2, 'overwrite replaced, not duplicated')
  })
})
