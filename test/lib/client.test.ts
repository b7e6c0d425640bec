import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {ApiError} from '../../src/lib/api/api-error.js'
import {ApiClient} from '../../src/lib/api/client.js'
import {NOT_DONE, alreadyDone} from '../../src/lib/api/retry-policy.js'
import {listFiles, trashFile} from '../../src/lib/api/files.js'
import {onlineRenew, refreshWithApp} from '../../src/lib/api/oauth.js'
import {setDebug} from '../../src/lib/debug.js'
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

  const create = {method: 'POST', path: '/adrive/v1.0/openFile/create', bucket: 'other', retry: 'check', auth: true} as const
  const folderBody = (name: string) => ({drive_id: f.emu.user.default_drive_id, parent_file_id: 'root', name, type: 'folder', check_name_mode: 'refuse'})
  const statuses = (path: string) => f.emu.log.filter((e) => e.path === path).map((e) => (e.code === 'AnswerLost' ? 'lost' : e.status))

  it('resends a safe call whose answer was lost', async () => {
    f.emu.resetCounters()
    f.emu.faults.loseAnswer({path: '/adrive/v1.0/openFile/list'})
    const page = await listFiles(client, {drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'})
    assert.ok(Array.isArray(page.items))
    assert.deepEqual(statuses('/adrive/v1.0/openFile/list'), ['lost', 200])
  })

  it('runs the check before every resend of a check call; a check that finds the work done ends the call', async () => {
    f.emu.resetCounters()
    f.emu.faults.inject({path: create.path, status: 502, code: 'BadGateway', times: 2})
    let checks = 0
    const answer = await client.call<{file_id: string}>(create, folderBody('checked-502'), {
      check: async () => {
        checks++
        return NOT_DONE
      },
    })
    assert.equal(checks, 2, 'checked before each of the two resends')
    assert.equal(f.emu.fs().get('/checked-502')?.file_id, answer.file_id)
    assert.deepEqual(statuses(create.path), [502, 502, 200])

    f.emu.resetCounters()
    f.emu.faults.loseAnswer({path: create.path})
    const found = await client.call<{file_id: string}>(create, folderBody('checked-lost'), {
      check: async () => alreadyDone({file_id: String(f.emu.fs().get('/checked-lost')!.file_id)}),
    })
    assert.equal(found.file_id, f.emu.fs().get('/checked-lost')?.file_id)
    assert.deepEqual(statuses(create.path), ['lost'], 'not sent again once the check found it done')
  })

  it('settledBy turns a refusal of a resend into the result only after a lost answer', async () => {
    const drive = f.emu.user.default_drive_id
    const file = f.emu.fs().put('/to-trash.txt', 'x') as {file_id: string}
    f.emu.faults.loseAnswer({path: '/adrive/v1.0/openFile/recyclebin/trash'})
    assert.deepEqual(await trashFile(client, drive, file.file_id), {drive_id: drive, file_id: file.file_id})
    assert.ok(f.emu.fs().trashed().some((t) => t.file_id === file.file_id))
    // Without a lost answer, trashing a trashed entry is the service's refusal, as before.
    await assert.rejects(trashFile(client, drive, file.file_id), (e: {code?: string}) => e.code === 'ForbiddenFileInTheRecycleBin')
  })

  it('a service down for good: gives up after the configured attempts, or when the wall-time bound is reached', async () => {
    f.emu.resetCounters()
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/list', status: 503, times: 100})
    const list = (c: ApiClient) => listFiles(c, {drive_id: f.emu.user.default_drive_id, parent_file_id: 'root'})
    await assert.rejects(list(client), (e: {exitCode: number}) => e.exitCode === ExitCode.network)
    assert.equal(statuses('/adrive/v1.0/openFile/list').length, 5, 'five attempts by default')

    const once = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {maxAttempts: 1}})
    once.tokens = client.tokens
    f.emu.resetCounters()
    await assert.rejects(list(once), (e: {exitCode: number}) => e.exitCode === ExitCode.network)
    assert.equal(statuses('/adrive/v1.0/openFile/list').length, 1, 'retries 1 = no resend')

    // Backoff of 200–400 ms and a 300 ms bound: two or three attempts, never five.
    const hurried = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {baseDelayMs: 400, maxDelayMs: 400, maxElapsedMs: 300}})
    hurried.tokens = client.tokens
    f.emu.resetCounters()
    await assert.rejects(list(hurried), (e: {exitCode: number}) => e.exitCode === ExitCode.network)
    const attempts = statuses('/adrive/v1.0/openFile/list').length
    assert.ok(attempts >= 2 && attempts <= 3, `stopped by the wall-time bound after ${attempts} attempts`)
    f.emu.faults.clear()
  })

  it('--debug logs each retry with the call, the attempt number and the reason', async () => {
    const lines: string[] = []
    setDebug(true, (line) => lines.push(line))
    try {
      f.emu.faults.inject({path: create.path, status: 500, times: 1})
      f.emu.faults.loseAnswer({path: create.path})
      await client.call(create, folderBody('debug-retry'), {check: async () => NOT_DONE})
    } finally {
      setDebug(false, (line) => process.stderr.write(line))
    }
    const retries = lines.filter((l) => l.startsWith('alipan:retry'))
    assert.match(retries[0], /openFile\/create: attempt 1 of 5 failed \(HTTP 500 InjectedFault\); checking whether it took effect/)
    assert.match(retries[1], /openFile\/create: attempt 2 of 5 failed \(ECONNRESET\)/)
  })

  it('the token endpoint is resent with the same refresh token; a refusal after a lost answer is marked', async () => {
    const {refresh_token} = f.emu.issueTokens()
    const refresh = () => refreshWithApp(client, f.emu.app, refresh_token)
    f.emu.faults.loseAnswer({path: '/oauth/access_token'})
    await assert.rejects(refresh(), (e: ApiError) => e.apiCode === 'AccessDenied' && e.afterLostAnswer)
    const fresh = f.emu.issueTokens().refresh_token
    f.emu.faults.inject({path: '/oauth/access_token', status: 500, times: 2})
    assert.ok((await refreshWithApp(client, f.emu.app, fresh)).access_token, 'two 500s, then renewed')
  })

  it("the online service's 500 {text} is its refusal: not resent", async () => {
    f.emu.resetCounters()
    await assert.rejects(onlineRenew(client, f.emu.onlineUrl, f.emu.issueTokens().refresh_token), (e: {exitCode: number}) => e.exitCode === ExitCode.auth)
    assert.equal(statuses('/alicloud/renewapi').length, 1)
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
