/**
 * Local file-system failures with the real binary, on real (tmpfs) mounts: a full disk, a full
 * TMPDIR, a read-only target, a read-only or full config folder. Each exits 9 with one line naming
 * the path and what to do, never the "bug" hint, and loses nothing: the `.part` stays for resume
 * and an unspent refresh token stays stored.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {execFileSync} from 'node:child_process'
import {existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {type Tmpfs, mountTmpfs} from '../mounts.js'
import {BIN, type Fixture, type RunResult, pattern, setup} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024

/** stderr is exactly `Error: …` and `Hint: …`, with no stack trace and no "bug" hint. */
function oneLine(r: RunResult, message: RegExp, hint: RegExp): void {
  assert.equal(r.status, 9, r.stderr)
  const lines = r.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('Hint: ') && line.startsWith('Error: '))
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0], message)
  assert.match(r.stderr, new RegExp(`^Hint: ${hint.source}`, 'm'))
  assert.doesNotMatch(r.stderr, /looks like a bug|\n\s+at /)
}

describe('local file-system errors (spawned CLI, tmpfs mounts)', () => {
  let f: Fixture
  const mounts: Tmpfs[] = []
  /** A fresh tmpfs, or the reason the test must skip. */
  const mount = (size: string): Tmpfs | string => {
    const m = mountTmpfs(size)
    if (typeof m !== 'string') mounts.push(m)
    return m
  }
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    f.emu.fs().put('/big/ten.bin', pattern(10 * MiB, 7))
    f.emu.fs().put('/big/small.txt', 'small')
  })
  after(async () => {
    for (const m of mounts) m.unmount()
    await f.close()
  })

  it('get into a full disk: exit 9 naming the .part, which is kept; with room again the same command resumes', async (t) => {
    const disk = mount('6m')
    if (typeof disk === 'string') return t.skip(disk)
    const part = join(disk.dir, 'ten.bin.alipan-part')
    const r = await f.spawn(['get', '/big/ten.bin', `${disk.dir}/`])
    oneLine(r, new RegExp(`^Error: Writing ${part} failed: no space left on the device \\(ENOSPC\\)\\.$`), /free some space there and run the same command again: it resumes from that \.alipan-part file/)
    const kept = statSync(part).size
    assert.ok(kept > 4 * MiB, `the .part keeps what was written (${kept} bytes)`)
    assert.equal(existsSync(join(disk.dir, 'ten.bin')), false)
    disk.remount('size=16m')
    const again = await f.spawn(['get', '/big/ten.bin', `${disk.dir}/`, '--json'])
    assert.equal(again.status, 0, again.stderr)
    const [result] = JSON.parse(again.stdout)
    // A multi-stream .part has holes (each stream writes at its own offset): what resumes is what
    // its state file records, all of it on disk.
    assert.ok(result.resumed_bytes > 4 * MiB && result.resumed_bytes <= kept, `resumed ${result.resumed_bytes} of the .part's ${kept} bytes`)
    assert.equal(result.verified, true)
    assert.ok(readFileSync(join(disk.dir, 'ten.bin')).equals(pattern(10 * MiB, 7)))
  })

  it('get into a read-only folder: exit 9 naming the path, file and folder alike', async (t) => {
    const disk = mount('1m')
    if (typeof disk === 'string') return t.skip(disk)
    disk.remount('ro')
    oneLine(await f.spawn(['get', '/big/small.txt', `${disk.dir}/`]), new RegExp(`^Error: Writing ${disk.dir}/small\\.txt\\.alipan-part failed: the file system is read-only \\(EROFS\\)\\.$`), /choose a writable location/)
    oneLine(await f.spawn(['get', '-r', '/big', join(disk.dir, 'restore')]), new RegExp(`^Error: Creating the folder ${disk.dir}/restore failed: the file system is read-only \\(EROFS\\)\\.$`), /choose a writable location/)
  })

  it('put - whose spool fills TMPDIR: exit 9 saying how much it needed and offering --no-rapid; nothing left behind', async (t) => {
    const tmp = mount('6m')
    if (typeof tmp === 'string') return t.skip(tmp)
    const data = pattern(10 * MiB, 8)
    const r = await f.spawn(['put', '-', '/stdin/ten.bin'], {input: data, env: {TMPDIR: tmp.dir}})
    oneLine(r, new RegExp(`^Error: Spooling standard input to ${tmp.dir} failed after [56]\\.\\d+ MiB: no space left on the device \\(ENOSPC\\)\\.$`), /rapid upload keeps standard input in a temp file first; it needs more than [56]\.\d+ MiB free in .*, or stream it with --no-rapid/)
    assert.deepEqual(readdirSync(tmp.dir), [], 'the spool was removed')
    assert.equal(f.emu.fs().get('/stdin/ten.bin'), undefined)
    const streamed = await f.spawn(['put', '-', '/stdin/ten.bin', '--no-rapid'], {input: data, env: {TMPDIR: tmp.dir}})
    assert.equal(streamed.status, 0, streamed.stderr)
    assert.ok(f.emu.fs().read('/stdin/ten.bin').equals(data))
  })

  it('put - < file too big for TMPDIR: exit 9 before reading, with the exact size', async (t) => {
    const tmp = mount('6m')
    if (typeof tmp === 'string') return t.skip(tmp)
    const file = join(f.workDir, 'ten-stdin.bin')
    writeFileSync(file, pattern(10 * MiB, 9))
    const child = spawn(process.execPath, [BIN, 'put', '-', '/stdin/from-file.bin'], {env: {...process.env, ...f.env, TMPDIR: tmp.dir}, stdio: [openSync(file, 'r'), 'pipe', 'pipe']})
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    oneLine({status, stdout: '', stderr}, new RegExp(`^Error: Standard input \\(10\\.0 MiB\\) does not fit in the temp folder ${tmp.dir} \\(6\\.00 MiB free\\)\\.$`), /.*it needs 10\.0 MiB free in/)
    assert.deepEqual(readdirSync(tmp.dir), [])
  })

  it('a read-only config folder: exit 9 for renewals, settings, login and logout; the unspent refresh token still works afterwards', async (t) => {
    const config = mount('1m')
    if (typeof config === 'string') return t.skip(config)
    const env = {ALIPAN_CONFIG_DIR: config.dir}
    await storeExpiredLogin(config.dir)
    const stored = readFileSync(join(config.dir, 'credentials.json'), 'utf8')
    config.remount('ro')
    f.emu.resetCounters()
    const lockDir = join(config.dir, 'credentials.json.lock')
    const writable = /make the config folder writable, or set ALIPAN_CONFIG_DIR to a folder that is/
    oneLine(await f.spawn(['whoami'], {env}), new RegExp(`^Error: Locking ${lockDir} failed: the file system is read-only \\(EROFS\\)\\.$`), writable)
    oneLine(await f.spawn(['config', 'set', 'drive', 'backup'], {env}), new RegExp(`^Error: Saving settings to ${config.dir}/config\\.json failed: the file system is read-only \\(EROFS\\)\\.$`), writable)
    oneLine(await f.spawn(['logout'], {env}), new RegExp(`^Error: Removing ${config.dir}/credentials\\.json failed: the file system is read-only \\(EROFS\\)\\.$`), writable)
    const pasted = f.emu.issueTokens({via: 'online'}).refresh_token
    oneLine(await f.spawn(['login', '--with-token'], {env, input: pasted}), new RegExp(`^Error: Saving the login to ${config.dir}/credentials\\.json failed: the file system is read-only \\(EROFS\\)\\.$`), writable)
    assert.equal(f.emu.counters.tokenRefreshes, 0, 'no refresh token was spent, the pasted one included')
    config.remount('rw')
    assert.equal(readFileSync(join(config.dir, 'credentials.json'), 'utf8'), stored)
    const r = await f.spawn(['whoami'], {env})
    assert.equal(r.status, 0, r.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  it('a full config folder: the renewal fails with exit 9 before spending the refresh token', async (t) => {
    const config = mount('1m')
    if (typeof config === 'string') return t.skip(config)
    const env = {ALIPAN_CONFIG_DIR: config.dir}
    const before = await storeExpiredLogin(config.dir)
    const filler = join(config.dir, 'filler')
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], {stdio: 'pipe'})
    } catch {
      // dd stops at "No space left on device": that is the point.
    }
    f.emu.resetCounters()
    const r = await f.spawn(['quota'], {env})
    oneLine(r, new RegExp(`^Error: Cannot renew the login: saving the login to ${config.dir}/credentials\\.json failed: no space left on the device \\(ENOSPC\\)\\.$`), /free some space there and run the command again; the stored refresh token was not spent/)
    assert.equal(f.emu.counters.tokenRefreshes, 0)
    assert.equal((await new CredentialStore(config.dir).read())!.refresh_token, before.refresh_token)
    assert.deepEqual(readdirSync(config.dir).sort(), ['credentials.json', 'filler'], 'no temp file or lock left behind')
    rmSync(filler)
    const again = await f.spawn(['quota'], {env})
    assert.equal(again.status, 0, again.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  /** A login in `dir` whose access token has expired, so the next command must renew it. */
  async function storeExpiredLogin(dir: string) {
    const tokens = f.emu.issueTokens()
    const credentials = {
      refresh_token: tokens.refresh_token,
      access_token: tokens.access_token,
      expires_at: Date.now() - 1000,
      lifetime_sec: tokens.expires_in,
      route: {type: 'app' as const, ...f.emu.app},
      source: 'qr' as const,
      updated_at: new Date().toISOString(),
    }
    await new CredentialStore(dir).write(credentials)
    return credentials
  }
})
