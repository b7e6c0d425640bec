import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {type ClientRequest, request} from 'node:http'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {GetResult} from '../../src/lib/files/get.js'
import {Client} from '../emulator/kit.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024

/** get's multi-stream engine and --bwlimit on put and get, at the command level (issue 9). */
describe('get --streams, --bwlimit', () => {
  let f: Fixture
  let n = 0
  const dest = () => {
    const dir = join(f.workDir, `dest-${++n}`)
    mkdirSync(dir, {recursive: true})
    return dir
  }
  const files = new Map<string, Buffer>()
  const gets = async (args: string[]) => {
    const r = await f.cli(['get', ...args, '--json'])
    return {exitCode: r.exitCode, results: r.stdout.trim().startsWith('[') ? (JSON.parse(r.stdout) as GetResult[]) : [], stderr: r.stderr}
  }
  const oss = () => f.emu.log.filter((e) => e.method === 'GET' && e.path.startsWith('/oss/'))

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    // Four files at the multi-stream threshold: 4 first streams and their extra ones compete for 3 slots.
    for (let i = 0; i < 4; i++) {
      const data = randomBytes(32 * MiB)
      files.set(`/big/f${i}.bin`, data)
      f.emu.fs().put(`/big/f${i}.bin`, data)
    }
    f.emu.fs().put('/small/one.bin', randomBytes(1536 * 1024))
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.setDownloadCap(false)
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  it('get -r: files and their streams together never hold more than 3 connections', async () => {
    // Slow enough that a file lasts longer than the 1 s between getDownloadUrl calls: files overlap.
    f.emu.setDownloadCap(8 * MiB)
    const dir = dest()
    const r = await gets(['-r', '/big', dir])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.results.map((x) => x.verified), [true, true, true, true])
    for (const [path, data] of files) assert.ok(readFileSync(join(dir, 'big', path.slice('/big/'.length))).equals(data), path)
    assert.equal(f.emu.counters.peakDownloads, 3, 'all three connections in use, never a fourth')
    assert.equal(oss().filter((e) => e.status === 403).length, 0, 'the service never had to refuse one')
    assert.ok(oss().length > 4, `the last file used extra streams too (${oss().length} range requests)`)
  })

  it('while another client holds two connections: refused streams wait, the download carries on', async () => {
    f.emu.setDownloadCap(24 * MiB)
    const api = new Client(f.emu, f.emu.issueTokens().access_token)
    const {url} = (await api.file('getDownloadUrl', {file_id: f.emu.fs().get('/big/f3.bin')?.file_id})).body as {url: string}
    // Two GETs whose bodies nobody reads: the emulator counts them until they are cut.
    const held: ClientRequest[] = []
    await Promise.all([0, 1].map(() => new Promise<void>((resolve) => held.push(request(url, {agent: false}, () => resolve()).end()))))
    try {
      const dir = dest()
      const r = await gets(['/big/f0.bin', dir])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.results[0].verified, true)
      assert.ok(readFileSync(join(dir, 'f0.bin')).equals(files.get('/big/f0.bin')!))
      assert.ok(oss().some((e) => e.code === 'RequestDeniedByCallback'), 'extra streams were refused and waited')
      assert.equal(f.emu.counters.peakDownloads, 3)
    } finally {
      for (const req of held) req.destroy()
      await new Promise((resolve) => setTimeout(resolve, 200)) // the emulator sees them go
    }
  })

  it('--streams 1 fetches a big file over one connection', async () => {
    const r = await gets(['/big/f1.bin', dest(), '--streams', '1'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(f.emu.counters.peakDownloads, 1)
    assert.equal(oss().length, 1)
    assert.equal((await f.cli(['get', '/big/f1.bin', dest(), '--streams', '4'])).exitCode, 2)
  })

  it('--bwlimit on put and get, and the bwlimit setting as the default', async () => {
    const local = join(f.workDir, 'limited.bin')
    writeFileSync(local, randomBytes(1536 * 1024))
    const timed = async (args: string[]) => {
      const started = performance.now()
      const r = await f.cli(args)
      assert.equal(r.exitCode, 0, r.stderr)
      return (performance.now() - started) / 1000
    }
    // 1.5 MiB at 1 MiB/s: 1.4–1.5 s (the bucket allows a 0.1 s burst); unlimited it is ~0.1 s.
    const put = await timed(['put', local, '/limited/', '--no-rapid', '--bwlimit', '1M', '--quiet'])
    assert.ok(put > 1.3 && put < 2.5, `put took ${put.toFixed(2)} s`)
    const get = await timed(['get', '/small/one.bin', dest(), '--bwlimit', '1M', '--quiet'])
    assert.ok(get > 1.3 && get < 2.5, `get took ${get.toFixed(2)} s`)
    assert.equal((await f.cli(['config', 'set', 'bwlimit', '1M'])).exitCode, 0)
    try {
      const byDefault = await timed(['get', '/small/one.bin', dest(), '--quiet'])
      assert.ok(byDefault > 1.3, `the setting applies: ${byDefault.toFixed(2)} s`)
      const overridden = await timed(['get', '/small/one.bin', dest(), '--quiet', '--bwlimit', 'off'])
      assert.ok(overridden < 1, `--bwlimit off overrides it: ${overridden.toFixed(2)} s`)
    } finally {
      await f.cli(['config', 'unset', 'bwlimit'])
    }
    assert.equal((await f.cli(['config', 'set', 'bwlimit', 'fast'])).exitCode, 2)
    assert.equal((await f.cli(['get', '/small/one.bin', dest(), '--bwlimit', 'fast'])).exitCode, 2)
  })
})
