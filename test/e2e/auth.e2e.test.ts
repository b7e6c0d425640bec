/**
 * The real binary (bin/run.js, built) against the emulator: login routes, headless tokens,
 * cross-process refresh safety, and that no secret ever reaches any output.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, beforeEach, describe, it} from 'node:test'

import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('auth end to end (spawned CLI)', () => {
  let f: Fixture
  before(async () => {
    f = await setup()
  })
  after(() => f.close())
  beforeEach(async () => {
    await new CredentialStore(f.configDir).clear()
    f.emu.qr.setAutoConfirm(false)
    f.emu.resetOnlineLimit()
  })

  it('QR login through the online token service (no app id): QR on stderr, then who logged in', async () => {
    f.emu.qr.setAutoConfirm({scanAfterMs: 100, confirmAfterMs: 300})
    const r = await f.spawn(['login'])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, '', 'nothing on stdout')
    assert.match(r.stderr, /▄/, 'a terminal QR code')
    assert.match(r.stderr, /https:\/\/www\.alipan\.com\/o\/oauth\/authorize\?sid=/)
    assert.match(r.stderr, /Logged in as alice/)
    const stored = (await new CredentialStore(f.configDir).read())!
    assert.deepEqual(stored.route, {type: 'online'})
    assert.equal(f.emu.log.filter((e) => e.path === '/alicloud/callback').length >= 1, true)
    const who = await f.spawn(['whoami', '--json'])
    assert.equal(JSON.parse(who.stdout).renewal_route, 'online')
  })

  it('QR login with the own app (ALIPAN_CLIENT_ID/SECRET) goes straight to the Open API', async () => {
    f.emu.qr.setAutoConfirm({scanAfterMs: 100, confirmAfterMs: 300})
    f.emu.resetCounters()
    const r = await f.spawn(['login', '--json'], {env: {ALIPAN_CLIENT_ID: f.emu.app.client_id, ALIPAN_CLIENT_SECRET: f.emu.app.client_secret}})
    assert.equal(r.status, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.equal(result.route, 'app')
    assert.equal(result.user_id, f.emu.user.user_id)
    assert.equal(f.emu.counters.requests['/alicloud/requests'] ?? 0, 0, 'the online service was not used')
    assert.equal(f.emu.counters.requests['/oauth/authorize/qrcode'], 1)
  })

  it('an expired QR code without a terminal exits 4 and leaves the store as it was', async () => {
    const expirer = setInterval(() => {
      for (const session of f.emu.qr.sessions()) if (session.status === 'WaitLogin') f.emu.qr.expire(session.sid)
    }, 50)
    const r = await f.spawn(['login'])
    clearInterval(expirer)
    assert.equal(r.status, 4)
    assert.match(r.stderr, /QR code expired/)
    assert.equal(await new CredentialStore(f.configDir).read(), undefined)
  })

  it('--with-token reads stdin, validates by one refresh, and stores the rotated token', async () => {
    const tokens = f.emu.issueTokens({via: 'online'})
    f.emu.resetCounters()
    const r = await f.spawn(['login', '--with-token'], {input: `${tokens.refresh_token}\n`})
    assert.equal(r.status, 0, r.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
    const stored = (await new CredentialStore(f.configDir).read())!
    assert.notEqual(stored.refresh_token, tokens.refresh_token)
    assert.equal(stored.source, 'stdin')
    const reused = await f.spawn(['login', '--with-token'], {input: tokens.refresh_token})
    assert.equal(reused.status, 4, 'a spent token is refused')
  })

  it('--with-token reads a token file as Windows PowerShell 5.1 writes it (UTF-16LE with a BOM, CRLF)', async () => {
    const tokens = f.emu.issueTokens({via: 'online'})
    const input = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${tokens.refresh_token}\r\n`, 'utf16le')])
    const r = await f.spawn(['login', '--with-token'], {input})
    assert.equal(r.status, 0, r.stderr)
    assert.equal((await new CredentialStore(f.configDir).read())?.source, 'stdin')
  })

  it('ALIPAN_REFRESH_TOKEN serves headless runs; the rotated token persists in the config dir', async () => {
    const tokens = f.emu.issueTokens({via: 'app'})
    const env = {ALIPAN_REFRESH_TOKEN: tokens.refresh_token, ALIPAN_CLIENT_ID: f.emu.app.client_id, ALIPAN_CLIENT_SECRET: f.emu.app.client_secret}
    f.emu.resetCounters()
    for (let i = 0; i < 3; i++) {
      const r = await f.spawn(['whoami', '--json'], {env})
      assert.equal(r.status, 0, r.stderr)
      assert.equal(JSON.parse(r.stdout).credential_source, 'environment')
    }
    assert.equal(f.emu.counters.tokenRefreshes, 1, 'spent once, then the stored rotation is used')
  })

  it('eight processes with an expired access token make exactly one refresh, and all succeed', async () => {
    await f.login()
    const store = new CredentialStore(f.configDir)
    await store.write({...(await store.read())!, expires_at: Date.now() - 1000})
    f.emu.resetCounters()
    const runs = await Promise.all(Array.from({length: 8}, () => f.spawn(['quota', '--json'])))
    for (const r of runs) assert.equal(r.status, 0, r.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  it('runs inside the token lifetime make no refresh at all', async () => {
    await f.login()
    f.emu.resetCounters()
    for (let i = 0; i < 10; i++) assert.equal((await f.spawn(['quota'])).status, 0)
    // The other 90 of "a hundred runs" in-process: same code path, much faster.
    for (let i = 0; i < 90; i++) assert.equal((await f.cli(['quota'])).exitCode, 0)
    assert.equal(f.emu.counters.tokenRefreshes, 0)
  })

  it('no token, secret or signed URL text in any output, --debug included', async () => {
    await f.login()
    const store = new CredentialStore(f.configDir)
    await store.write({...(await store.read())!, expires_at: Date.now() - 1000}) // force a refresh in the log
    f.emu.fs().put('/secret-test/file.txt', 'content')
    const outputs = [
      await f.spawn(['whoami', '--debug']),
      await f.spawn(['quota', '--json', '--debug']),
      await f.spawn(['ls', '-l', '/secret-test', '--debug']),
      await f.spawn(['get', '/secret-test/file.txt', '-', '--debug']),
      await f.spawn(['whoami'], {env: {DEBUG: 'alipan*'}}),
    ]
    const stored = (await store.read())!
    const secrets = [stored.refresh_token, stored.access_token!, f.emu.app.client_secret]
    const everything = outputs.map((o) => o.stdout + o.stderr).join('\n')
    assert.match(everything, /alipan:http →/, 'debug output was produced')
    for (const secret of secrets) assert.ok(!everything.includes(secret), 'a secret leaked into the output')
    assert.doesNotMatch(everything, /x-oss-signature=|security-token=|refresh_ui=/, 'a signed query string leaked')
    assert.doesNotMatch(everything, /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}\./, 'something JWT-shaped leaked')
    assert.equal(outputs[3].stdout, 'content', 'get - still writes just the bytes to stdout')
    assert.ok(!readFileSync(store.path, 'utf8').includes('undefined'))
  })
})
