import assert from 'node:assert/strict'
import {statSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'

import {ApiClient} from '../../src/lib/api/client.js'
import {listFiles} from '../../src/lib/api/files.js'
import {getDriveInfo} from '../../src/lib/api/user.js'
import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {QrExpiredError, qrLogin, saveLogin} from '../../src/lib/auth/login.js'
import {Session} from '../../src/lib/auth/session.js'
import type {Environment} from '../../src/lib/env.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('credentials and token renewal (lib)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({accessTokenTtlSec: 7200})
  })
  after(() => f.close())

  const makeSession = async (env: Partial<Environment> = {}) => {
    const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    const session = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url, ...env}, onlineUrl: f.emu.onlineUrl})
    client.tokens = session
    return {client, session}
  }

  it('uses a valid stored access token without refreshing', async () => {
    await f.login()
    f.emu.resetCounters()
    const {client} = await makeSession()
    for (let i = 0; i < 5; i++) await getDriveInfo(client)
    assert.equal(f.emu.counters.tokenRefreshes, 0)
  })

  it('renews an access token that is about to expire, storing the new refresh token first', async () => {
    await f.login()
    const store = new CredentialStore(f.configDir)
    const before = (await store.read())!
    await store.write({...before, expires_at: Date.now() + 10_000}) // inside the 5-minute margin
    f.emu.resetCounters()
    const {client} = await makeSession()
    await getDriveInfo(client)
    const after = (await store.read())!
    assert.equal(f.emu.counters.tokenRefreshes, 1)
    assert.notEqual(after.refresh_token, before.refresh_token, 'the rotated refresh token is stored')
    assert.ok(after.expires_at! > Date.now() + 3600_000)
  })

  it('renews when the service rejects a token it considers expired mid-run, once, and carries on', async () => {
    await f.login()
    const {client} = await makeSession()
    await getDriveInfo(client)
    f.emu.resetCounters()
    f.emu.expireAccessTokens()
    const page = await listFiles(client, {drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'})
    assert.ok(Array.isArray(page.items))
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  it('a consumed refresh token is refused with exit 4 and the login hint', async () => {
    await f.login()
    const store = new CredentialStore(f.configDir)
    const creds = (await store.read())!
    f.emu.revokeUser()
    const {client} = await makeSession()
    await assert.rejects(getDriveInfo(client), (error: {exitCode: number; hint?: string}) => error.exitCode === ExitCode.auth && /alipan login/.test(error.hint ?? ''))
    assert.equal((await store.read())!.refresh_token, creds.refresh_token, 'a refused login is left in place, not half-rewritten')
  })

  describe('a refresh on a flaky service', () => {
    const expiring = async () => {
      await f.login()
      const store = new CredentialStore(f.configDir)
      await store.write({...(await store.read())!, expires_at: Date.now() + 10_000})
      return {store, before: (await store.read())!}
    }
    const fastSession = async (store = new CredentialStore(f.configDir)) => {
      const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {baseDelayMs: 20, maxDelayMs: 50}})
      const session = new Session({store, client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
      client.tokens = session
      return {client, session}
    }

    it('meets 500 twice, then renews with the same refresh token: the login is intact', async () => {
      const {store, before} = await expiring()
      f.emu.resetCounters()
      f.emu.faults.inject({path: '/oauth/access_token', status: 500, code: 'InternalError', times: 2})
      const {client} = await fastSession()
      await getDriveInfo(client)
      assert.deepEqual(f.emu.log.filter((e) => e.path === '/oauth/access_token').map((e) => e.status), [500, 500, 200])
      const after = (await store.read())!
      assert.notEqual(after.refresh_token, before.refresh_token, 'the rotated token is stored')
      // The stored login works in a fresh process: it renews again.
      await store.write({...after, expires_at: Date.now() + 10_000})
      await getDriveInfo((await fastSession()).client)
      assert.equal(f.emu.counters.tokenRefreshes, 2)
    })

    it('whose answer is lost: exit 4 saying so, with the login hint (not exit 5)', async () => {
      await expiring()
      f.emu.faults.loseAnswer({path: '/oauth/access_token'})
      const {client} = await fastSession()
      await assert.rejects(getDriveInfo(client), (error: {exitCode: number; code: string; message: string; hint?: string}) => {
        assert.equal(error.exitCode, ExitCode.auth)
        assert.equal(error.code, 'RenewalAnswerLost')
        assert.match(error.message, /answer to the login renewal was lost/)
        assert.match(error.hint ?? '', /alipan login/)
        return true
      })
    })

    it('whose answer is lost on the online route: exit 4 the same way', async () => {
      await f.login({via: 'online'})
      const store = new CredentialStore(f.configDir)
      await store.write({...(await store.read())!, expires_at: Date.now() + 10_000})
      f.emu.faults.loseAnswer({path: '/alicloud/renewapi'})
      const {client} = await fastSession()
      await assert.rejects(getDriveInfo(client), (error: {exitCode: number; code: string}) => error.exitCode === ExitCode.auth && error.code === 'RenewalAnswerLost')
    })

    it('whose answer is lost, but the store meanwhile holds a newer login: that one is used', async () => {
      const {store} = await expiring()
      // Another process's rotation, landing in the store while our resend is refused.
      const rotated = f.emu.issueTokens()
      class RotatedMeanwhile extends CredentialStore {
        reads = 0
        override async read() {
          const current = await super.read()
          if (++this.reads < 3 || !current) return current
          return {...current, refresh_token: rotated.refresh_token, access_token: rotated.access_token, expires_at: Date.now() + 7200_000}
        }
      }
      f.emu.faults.loseAnswer({path: '/oauth/access_token'})
      const {client} = await fastSession(new RotatedMeanwhile(store.dir))
      const info = await getDriveInfo(client)
      assert.equal(info.user_id, f.emu.user.user_id)
    })
  })

  it('writes the credential file 0600 in a 0700 folder', {skip: process.platform === 'win32'}, async () => {
    const dir = `${f.workDir}/fresh-config`
    const store = new CredentialStore(dir)
    await store.write({refresh_token: 'x.y.z', route: {type: 'online'}, source: 'qr', updated_at: new Date().toISOString()})
    assert.equal(statSync(store.path).mode & 0o777, 0o600)
    assert.equal(statSync(dir).mode & 0o777, 0o700)
  })

  it('seeds the store from ALIPAN_REFRESH_TOKEN, then prefers the rotated stored token', async () => {
    const store = new CredentialStore(f.configDir)
    await store.clear()
    const tokens = f.emu.issueTokens({via: 'app'})
    const env = {refreshToken: tokens.refresh_token, clientId: f.emu.app.client_id, clientSecret: f.emu.app.client_secret}
    f.emu.resetCounters()
    const first = await makeSession(env)
    await getDriveInfo(first.client)
    assert.equal(f.emu.counters.tokenRefreshes, 1, 'the env token is spent once')
    const stored = (await store.read())!
    assert.equal(stored.source, 'env')
    assert.notEqual(stored.refresh_token, tokens.refresh_token)
    // A later run with the same (now spent) environment token uses the store, no refresh needed.
    const second = await makeSession(env)
    await getDriveInfo(second.client)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  it('an environment token of another user replaces the stored login', async () => {
    await f.login()
    const bob = f.emu.createUser('bob')
    const tokens = f.emu.issueTokens({userId: bob.user_id, via: 'app'})
    const {client} = await makeSession({refreshToken: tokens.refresh_token, clientId: f.emu.app.client_id, clientSecret: f.emu.app.client_secret})
    const info = await getDriveInfo(client)
    assert.equal(info.user_id, bob.user_id)
  })

  it('QR login through the own-app route and through the online service', async () => {
    f.emu.qr.setAutoConfirm({scanAfterMs: 50, confirmAfterMs: 100})
    const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    const statuses: string[] = []
    for (const route of [{type: 'app' as const, app: f.emu.app}, {type: 'online' as const, onlineUrl: f.emu.onlineUrl}]) {
      let link = ''
      const tokens = await qrLogin({client, route, pollIntervalMs: 100, onCode: (l) => void (link = l), onStatus: (s) => statuses.push(s)})
      assert.match(link, /^https:\/\/www\.alipan\.com\/o\/oauth\/authorize\?sid=/)
      const saved = await saveLogin({
        client,
        store: new CredentialStore(f.configDir),
        env: {apiUrl: f.emu.url},
        onlineUrl: f.emu.onlineUrl,
        tokens,
        route: route.type === 'app' ? {type: 'app', ...f.emu.app} : {type: 'online'},
        source: 'qr',
      })
      assert.equal(saved.drive.user_id, f.emu.user.user_id)
    }
    assert.ok(statuses.includes('ScanSuccess'))
    f.emu.qr.setAutoConfirm(false)
  })

  it('an expired QR code ends the login with exit 4', async () => {
    const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    await assert.rejects(
      qrLogin({
        client,
        route: {type: 'app', app: f.emu.app},
        pollIntervalMs: 50,
        onCode: (link) => {
          f.emu.qr.expire(new URL(link).searchParams.get('sid')!)
        },
      }),
      (error: unknown) => error instanceof QrExpiredError && error.exitCode === ExitCode.auth,
    )
  })
})

describe('first run on a fresh machine', () => {
  it('saves a login when the config folder does not exist yet', async () => {
    const f = await setup()
    try {
      const dir = `${f.workDir}/not/yet/there`
      const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
      const tokens = f.emu.issueTokens({via: 'app'})
      const saved = await saveLogin({client, store: new CredentialStore(dir), env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl, tokens, route: {type: 'app', ...f.emu.app}, source: 'qr'})
      assert.equal(saved.drive.user_id, f.emu.user.user_id)
      assert.equal(statSync(dir).mode & 0o777, 0o700)
    } finally {
      await f.close()
    }
  })
})

describe('online token service limits', () => {
  it('its per-IP limit surfaces as exit 5 with a hint, and the stored login is kept', async () => {
    const f = await setup({onlineLimit: {max: 1, minutes: 60}})
    try {
      await f.login({via: 'online'})
      const store = new CredentialStore(f.configDir)
      await store.write({...(await store.read())!, expires_at: Date.now() - 1})
      const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
      const env = {apiUrl: f.emu.url}
      client.tokens = new Session({store, client, env, onlineUrl: f.emu.onlineUrl})
      await getDriveInfo(client) // the one allowed renewal
      const kept = (await store.read())!
      await store.write({...kept, expires_at: Date.now() - 1})
      const next = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
      next.tokens = new Session({store, client: next, env, onlineUrl: f.emu.onlineUrl})
      await assert.rejects(getDriveInfo(next), (error: {exitCode: number; hint?: string}) => error.exitCode === ExitCode.network && /ALIPAN_CLIENT_ID/.test(error.hint ?? ''))
      assert.equal((await store.read())!.refresh_token, kept.refresh_token, 'the unspent refresh token is still stored')
    } finally {
      await f.close()
    }
  })

  it('whoami-style profile updates do not rewrite the credential file when nothing changed', async () => {
    const f = await setup()
    try {
      await f.login()
      const store = new CredentialStore(f.configDir)
      const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
      const session = new Session({store, client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
      await session.remember({user_name: 'alice'})
      const written = statSync(store.path).mtimeMs
      await new Promise((r) => setTimeout(r, 20))
      await session.remember({user_name: 'alice'})
      assert.equal(statSync(store.path).mtimeMs, written)
      await session.remember({user_name: 'alice2'})
      assert.equal((await store.read())!.user_name, 'alice2')
    } finally {
      await f.close()
    }
  })
})
