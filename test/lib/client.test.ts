import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {ApiClient} from '../../src/lib/api/client.js'
import {listFiles} from '../../src/lib/api/files.js'
import {getDriveInfo} from '../../src/lib/api/user.js'
import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {Session} from '../../src/lib/auth/session.js'
import {ExitCode} from '../../src/lib/errors.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('API client: retries and pacing (§7.3, §7.4)', () => {
  let f: Fixture
  let client: ApiClient
  before(async () => {
    f = await setup()
    await f.login()
    client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {baseDelayMs: 20, maxDelayMs: 100}})
    client.tokens = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
  })
  after(() => f.close())

  it('retries a 429 after the x-retry-after milliseconds', async () => {
    f.emu.resetCounters()
    f.emu.faults.inject({path: '/adrive/v1.0/user/getDriveInfo', status: 429, code: 'TooManyRequests', retryAfterMs: 400})
    const started = Date.now()
    const info = await getDriveInfo(client)
    assert.equal(info.user_id, f.emu.user.user_id)
    assert.ok(Date.now() - started >= 400, 'waited at least x-retry-after')
    const calls = f.emu.log.filter((e) => e.path === '/adrive/v1.0/user/getDriveInfo')
    assert.deepEqual(calls.map((c) => c.status), [429, 200])
  })

  it('gives up with exit 5 when the service keeps throttling beyond the cap', async () => {
    f.emu.faults.inject({path: '/adrive/v1.0/user/getDriveInfo', status: 429, code: 'TooManyRequests', retryAfterMs: 120_000})
    await assert.rejects(getDriveInfo(client), (e: {exitCode: number}) => e.exitCode === ExitCode.network)
    f.emu.faults.clear()
  })

  it('retries 5xx for idempotent calls with backoff', async () => {
    f.emu.resetCounters()
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/list', status: 502, code: 'BadGateway', times: 2})
    const page = await listFiles(client, {drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'})
    assert.ok(Array.isArray(page.items))
    assert.equal(f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/list').length, 3)
  })

  it('does not resend a check call that brings no check after a 5xx', async () => {
    f.emu.resetCounters()
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/create', status: 503, code: 'ServiceUnavailable'})
    await assert.rejects(
      client.call({method: 'POST', path: '/adrive/v1.0/openFile/create', bucket: 'other', retry: 'check', auth: true}, {
        drive_id: f.emu.user.default_drive_id,
        parent_file_id: 'root',
        name: 'x',
        type: 'folder',
        check_name_mode: 'refuse',
      }),
      (e: {exitCode: number}) => e.exitCode === ExitCode.network,
    )
    assert.equal(f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/create').length, 1)
  })

  it('paces list calls to the documented 4/s so the real limits never answer 429', async () => {
    f.emu.setRateLimit(true)
    f.emu.resetCounters()
    const paced = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    paced.tokens = client.tokens
    const started = Date.now()
    await Promise.all(Array.from({length: 10}, () => listFiles(paced, {drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'})))
    const elapsed = Date.now() - started
    const statuses = f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/list').map((e) => e.status)
    assert.equal(statuses.length, 10)
    assert.ok(statuses.every((s) => s === 200), `no 429s: ${statuses.join(',')}`)
    assert.ok(elapsed >= 9 * 250, `ten list calls spread over ≥ 2.25 s (took ${elapsed} ms)`)
  })

  it('without pacing the same burst meets the limit (the emulator enforces it)', async () => {
    f.emu.resetCounters()
    const statuses = await Promise.all(
      Array.from({length: 10}, () =>
        fetch(`${f.emu.url}/adrive/v1.0/openFile/list`, {
          method: 'POST',
          headers: {authorization: `Bearer ${f.emu.issueTokens().access_token}`, 'content-type': 'application/json', 'user-agent': 't'},
          body: JSON.stringify({drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'}),
        }).then((r) => r.status),
      ),
    )
    assert.ok(statuses.includes(429))
  })
})
