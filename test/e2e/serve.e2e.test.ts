/**
 * `alipan serve webdav` as a user runs it (bin/run.js, built): the line with its URL, a log line
 * per request with nothing secret in it, and a clean stop on SIGTERM that leaves no half-written
 * upload visible.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {type Fixture, pattern, setup, startCli} from '../support.js'
import {davRequest} from '../serve-support.js'
import '../helpers.js'

const MiB = 1024 * 1024

/** Start the server; resolve with its URL once the "Serving … at URL" line is out. */
async function serve(f: Fixture, args: string[], env: Record<string, string> = {}) {
  const run = startCli(['serve', 'webdav', '--addr', '127.0.0.1:0', ...args], {...f.env, ...env})
  const until = Date.now() + 30_000
  let url: string | undefined
  while (!url) {
    if (Date.now() > until) throw new Error(`no URL line: ${JSON.stringify(run.output())}`)
    url = /(https?:\/\/127\.0\.0\.1:\d+)\//.exec(run.output().stdout)?.[1]
    await new Promise((r) => setTimeout(r, 50))
  }
  return {...run, url}
}

describe('serve webdav end to end (spawned CLI)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    f.emu.fs().put('/share/movie.mkv', pattern(6 * MiB, 1))
  })
  after(() => f.close())

  it('prints its URL, logs one line per request without secrets, stops on SIGTERM with exit 0', async () => {
    const pass = 'correct horse battery'
    const s = await serve(f, ['/share', '--user', 'tv'], {ALIPAN_SERVE_PASS: pass})
    try {
      assert.match(s.output().stdout, /^Serving alipan:\/share at http:\/\/127\.0\.0\.1:\d+\/; Ctrl-C to stop\n$/)
      const auth = {user: 'tv', pass}
      assert.equal((await davRequest(`${s.url}/`, 'PROPFIND', {headers: {depth: '1'}, auth})).status, 207)
      const get = await davRequest(`${s.url}/movie.mkv?token=abc123`, 'GET', {auth})
      assert.equal(get.status, 302)
      assert.equal((await davRequest(`${s.url}/`, 'PROPFIND', {headers: {depth: '0'}})).status, 401)
    } finally {
      s.child.kill('SIGTERM')
    }
    const done = await s.done
    assert.equal(done.status, 0, done.stderr)
    const lines = done.stderr.split('\n').filter((l) => /^[A-Z]+ \//.test(l))
    assert.deepEqual(
      lines.map((l) => l.replace(/ \d+ ms$/, '')),
      ['PROPFIND / 207', 'GET /movie.mkv 302', 'PROPFIND / 401'],
    )
    for (const secret of [pass, 'x-oss-signature', 'security-token', 'abc123', 'Bearer', 'eyJ']) assert.ok(!done.stderr.includes(secret), `no ${secret} in: ${done.stderr}`)
  })

  it('--json prints where it listens as JSON', async () => {
    const s = await serve(f, ['--json', '--proxy', '--read-only'])
    s.child.kill('SIGTERM')
    const done = await s.done
    assert.equal(done.status, 0)
    const result = JSON.parse(done.stdout)
    assert.equal(result.url, `${s.url}/`)
    assert.equal(result.proxy, true)
    assert.equal(result.read_only, true)
  })

  it('SIGTERM during a PUT: the upload is abandoned, nothing half-written becomes visible, exit 0', async () => {
    f.emu.fs().put('/share/old.bin', 'the old version')
    const s = await serve(f, ['/share', '--quiet'])
    const data = pattern(8 * MiB, 2)
    const chunks = Array.from({length: 32}, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024))
    const put = davRequest(`${s.url}/old.bin`, 'PUT', {chunks, headers: {'content-length': data.length}, pauseMs: 60}).catch((error: Error) => error)
    const until = Date.now() + 20_000
    while (!f.emu.log.some((e) => e.path.endsWith('/openFile/create'))) {
      if (Date.now() > until) throw new Error('the upload never started')
      await new Promise((r) => setTimeout(r, 20))
    }
    await new Promise((r) => setTimeout(r, 200))
    s.child.kill('SIGTERM')
    const done = await s.done
    assert.equal(done.status, 0, done.stderr)
    await put
    assert.equal(f.emu.fs().read('/share/old.bin').toString(), 'the old version')
    assert.equal(f.emu.fs().list('/share').filter((e) => e.name === 'old.bin').length, 1)
    assert.ok(!f.emu.log.some((e) => e.path.endsWith('/openFile/complete')), 'no upload completed')
  })
})
