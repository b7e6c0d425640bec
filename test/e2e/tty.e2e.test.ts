/**
 * Behaviour that only exists on a terminal: prompts, spinners, progress bars. Driven through a
 * real pseudo-terminal (python3's pty module).
 */
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {plantDuplicate} from '../duplicates.js'
import {type Fixture, KEY, pattern, runInPty, setup, startCli} from '../support.js'
import '../helpers.js'

describe('on a terminal (pty)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.qr.setAutoConfirm(false)
    f.emu.setThrottle(false)
  })

  it('login with no route configured asks which one, then shows the QR and a spinner', async () => {
    f.emu.qr.setAutoConfirm({scanAfterMs: 300, confirmAfterMs: 600})
    const r = await runInPty(['login'], f.env, [{expect: 'How do you want to log in\\?', send: KEY.enter}])
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /Online token service/)
    assert.match(r.output, /https:\/\/www\.alipan\.com\/o\/oauth\/authorize\?sid=/)
    assert.match(r.output, /Confirmed|Logged in as alice/)
    assert.deepEqual((await new CredentialStore(f.configDir).read())!.route, {type: 'online'})
  })

  it('an expired QR code offers a new one; declining exits 4', async () => {
    const expire = setInterval(() => {
      for (const s of f.emu.qr.sessions()) if (s.status === 'WaitLogin') f.emu.qr.expire(s.sid)
    }, 100)
    const r = await runInPty(['login', '--online'], f.env, [{expect: 'Show a new one\\?', send: `n${KEY.enter}`}])
    clearInterval(expire)
    assert.equal(r.status, 4, r.output)
  })

  it('crypt add asks for the password twice (again when they differ) and for an optional salt; nothing echoes', async () => {
    const r = await runInPty(['crypt', 'add', 'ttyvault', '--remote', 'alipan:/ttyvault'], f.env, [
      {expect: 'Password:', send: `first try${KEY.enter}`},
      {expect: 'The same again:', send: `typo${KEY.enter}`},
      {expect: 'They differ', send: ''},
      {expect: 'Password:', send: `tty secret${KEY.enter}`},
      {expect: 'The same again:', send: `tty secret${KEY.enter}`},
      {expect: 'Second password, for the salt', send: KEY.enter},
    ])
    assert.equal(r.status, 0, r.output)
    assert.doesNotMatch(r.output, /tty secret|first try/)
    const stored = JSON.parse(readFileSync(join(f.configDir, 'crypt.json'), 'utf8')).locations.ttyvault
    assert.equal(stored.password2, undefined, 'no salt password: rclone\'s built-in salt')
    // The same password from the environment gives the same keys: a file put one way reads the other.
    await f.cli(['crypt', 'add', 'envvault', '--remote', 'alipan:/ttyvault'], {env: {ALIPAN_CRYPT_PASSWORD: 'tty secret'}})
    await f.login()
    writeFileSync(join(f.workDir, 'tty.txt'), 'typed password')
    assert.equal((await f.cli(['put', join(f.workDir, 'tty.txt'), 'ttyvault:/'])).exitCode, 0)
    assert.equal((await f.spawn(['get', 'envvault:/tty.txt', '-'])).stdout, 'typed password')
  })

  it('put asks about a clash on a terminal; "Overwrite" replaces the file', async () => {
    await f.login()
    const path = join(f.workDir, 'tty-clash.txt')
    writeFileSync(path, 'old')
    assert.equal((await f.cli(['put', path, '/tty/'])).exitCode, 0)
    writeFileSync(path, 'new')
    const r = await runInPty(['put', path, '/tty/'], f.env, [{expect: 'already exists\\. What now\\?', send: `${KEY.down}${KEY.enter}`}])
    assert.equal(r.status, 0, r.output)
    assert.equal(f.emu.fs().read('/tty/tty-clash.txt').toString(), 'new')
  })

  it('transfers show progress bars with rate and ETA', async () => {
    await f.login()
    const path = join(f.workDir, 'tty-progress.bin')
    writeFileSync(path, pattern(3 * 1024 * 1024, 51))
    f.emu.setThrottle(1024 * 1024)
    const r = await runInPty(['put', path, '/tty/', '--no-rapid', '--part-size', '1MiB'], f.env, [])
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /tty-progress\.bin\s+\[[█░]+\]\s+\d+%/)
    assert.match(r.output, /MiB\/s\s+ETA/)
    assert.match(r.output, /1 file uploaded/)
  })

  it('rm confirms on a terminal, showing counts and sizes; "no" removes nothing, "yes" trashes', async () => {
    await f.login()
    f.emu.fs().put('/tty-rm/keep/a.txt', 'aaaa')
    f.emu.fs().put('/tty-rm/keep/b.txt', 'bb')
    const declined = await runInPty(['rm', '-r', '/tty-rm/keep'], f.env, [{expect: 'Move this to the recycle bin\?', send: `n${KEY.enter}`}])
    assert.equal(declined.status, 0, declined.output)
    assert.match(declined.output, /\/tty-rm\/keep\/ \(folder: 2 files, 0 folders, 6 B\)/)
    assert.ok(f.emu.fs().get('/tty-rm/keep/a.txt'), 'nothing removed')
    const accepted = await runInPty(['rm', '-r', '/tty-rm/keep'], f.env, [{expect: 'Move this to the recycle bin\?', send: `y${KEY.enter}`}])
    assert.equal(accepted.status, 0, accepted.output)
    assert.equal(f.emu.fs().get('/tty-rm/keep'), undefined)
    assert.match(accepted.output, /Restore from the recycle bin in the Alipan app/)
  })

  it('dedupe asks about each group on a terminal; "Keep 2" keeps that one and trashes the other', async () => {
    await f.login()
    const first = f.emu.fs().put('/tty-dedupe/a.txt', 'first').file_id as string
    const second = await plantDuplicate(f.emu, '/tty-dedupe', 'a.txt', 'second, longer')
    const r = await runInPty(['dedupe', '/tty-dedupe'], f.env, [{expect: 'What now\\?', send: `${KEY.down}${KEY.enter}`}])
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /\/tty-dedupe\/a\.txt: 2 files with this name/)
    assert.deepEqual(f.emu.fs().list('/tty-dedupe').map((e) => e.file_id), [second])
    assert.ok(f.emu.fs().trashed().some((e) => e.file_id === first))
  })

  it('Ctrl-C during login exits 130 and leaves the stored login as it was', async () => {
    await f.login()
    const before = (await new CredentialStore(f.configDir).read())!
    const run = startCli(['login', '--online'], f.env)
    while (!run.output().stderr.includes('authorize?sid=')) await new Promise((r) => setTimeout(r, 20))
    run.child.kill('SIGINT')
    const result = await run.done
    assert.equal(result.status, 130, result.stderr)
    assert.deepEqual(await new CredentialStore(f.configDir).read(), before)
  })
})
