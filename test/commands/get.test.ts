import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {GetResult} from '../../src/lib/files/get.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

describe('get', () => {
  let f: Fixture
  let n = 0
  /** A fresh local folder per test. */
  const dest = () => {
    const dir = join(f.workDir, `dest-${++n}`)
    mkdirSync(dir, {recursive: true})
    return dir
  }
  const gets = async (args: string[]) => {
    const r = await f.cli(['get', ...args, '--json'])
    return {exitCode: r.exitCode, results: r.stdout.trim().startsWith('[') ? (JSON.parse(r.stdout) as GetResult[]) : [], stderr: r.stderr}
  }

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    const fs = f.emu.fs()
    fs.put('/g/hello.txt', 'hello')
    fs.put('/g/big.bin', pattern(2 * 1024 * 1024, 11))
    fs.put('/g/empty.txt', '')
    fs.put('/tree/a.txt', 'a')
    fs.put('/tree/sub/b.txt', 'b')
    fs.put('/tree/sub/深い/c 🎉.txt', 'c')
    fs.mkdir('/tree/empty')
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  it('a file into a folder, to an explicit name, and to stdout (bytes only)', async () => {
    const dir = dest()
    const into = await gets(['/g/hello.txt', dir])
    assert.equal(into.exitCode, 0, into.stderr)
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), 'hello')
    assert.deepEqual({verified: into.results[0].verified, size: into.results[0].size}, {verified: true, size: 5})
    const named = await gets(['/g/big.bin', join(dir, 'renamed.bin')])
    assert.equal(named.exitCode, 0, named.stderr)
    assert.ok(readFileSync(join(dir, 'renamed.bin')).equals(f.emu.fs().read('/g/big.bin')))
    assert.equal((await gets(['/g/empty.txt', dir])).exitCode, 0)
    assert.equal(readFileSync(join(dir, 'empty.txt')).length, 0)
    const stdout = await f.spawn(['get', '/g/hello.txt', '-'])
    assert.equal(stdout.status, 0, stdout.stderr)
    assert.equal(stdout.stdout, 'hello')
    assert.equal(stdout.stderr, '', 'nothing else on either stream without a terminal')
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.part')), [], 'no .part files left')
  })

  it('-r downloads a tree with unicode names; a folder without -r exits 2', async () => {
    const dir = dest()
    assert.equal((await f.cli(['get', '/tree', dir])).exitCode, 2)
    const r = await gets(['-r', '/tree', dir])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(readFileSync(join(dir, 'tree', 'sub', '深い', 'c 🎉.txt'), 'utf8'), 'c')
    assert.equal(readFileSync(join(dir, 'tree', 'a.txt'), 'utf8'), 'a')
    assert.ok(existsSync(join(dir, 'tree', 'sub')))
    assert.equal(r.results.length, 3)
    assert.ok(r.results.every((x) => x.verified))
  })

  it('an existing .part resumes with a Range request', async () => {
    const dir = dest()
    const full = f.emu.fs().read('/g/big.bin')
    writeFileSync(join(dir, 'big.bin.part'), full.subarray(0, 1_500_000))
    const r = await gets(['/g/big.bin', dir])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.results[0].resumed_bytes, 1_500_000)
    assert.equal(f.emu.counters.bytesOut, full.length - 1_500_000, 'only the rest was fetched')
    assert.ok(readFileSync(join(dir, 'big.bin')).equals(full))
    assert.equal(existsSync(join(dir, 'big.bin.part')), false)
  })

  it('a connection dropped mid-download continues where it stopped', async () => {
    const dir = dest()
    f.emu.faults.dropConnection({kind: 'download', afterBytes: 700_000})
    const r = await gets(['/g/big.bin', dir])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(readFileSync(join(dir, 'big.bin')).equals(f.emu.fs().read('/g/big.bin')))
    const ranged = f.emu.log.filter((e) => e.method === 'GET' && e.path.startsWith('/oss/'))
    assert.equal(ranged.length, 2, 'one retry')
    assert.ok(f.emu.counters.bytesOut < 2 * 2 * 1024 * 1024, 'did not start over')
  })

  it('a SHA-1 mismatch is caught: no file under the final name, no .part left', async () => {
    const dir = dest()
    f.emu.fs().put('/g/corrupt.txt', 'the genuine content')
    const blob = join(f.dataDir, 'blobs', String(f.emu.fs().get('/g/corrupt.txt')!.content_hash).toLowerCase())
    writeFileSync(blob, 'the damaged content')
    const r = await gets(['/g/corrupt.txt', dir])
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /SHA-1 mismatch/)
    assert.deepEqual(readdirSync(dir), [])
  })

  it('refuses remote names that would land outside the target folder', async () => {
    const dir = dest()
    const fs = f.emu.fs()
    fs.put('/evil/..', 'dotdot')
    fs.put('/evil/..\\..\\escaped.txt', 'backslashes')
    fs.put('/evil/fine.txt', 'fine')
    const r = await gets(['-r', '/evil', dir])
    assert.notEqual(r.exitCode, 0)
    assert.match(r.stderr, /Refusing to write remote name/)
    assert.deepEqual(readdirSync(join(dir, '..')).filter((name) => name.includes('escaped')), [])
    assert.equal(existsSync(join(f.workDir, 'escaped.txt')), false)
    const one = await gets(['/evil/..', dir])
    assert.equal(one.exitCode, 2)
  })

  it('local conflicts: fail without a terminal (exit 6), skip when identical, overwrite', async () => {
    const dir = dest()
    await gets(['/g/hello.txt', dir])
    const fail = await gets(['/g/hello.txt', dir])
    assert.equal(fail.exitCode, 6)
    f.emu.resetCounters()
    const skip = await gets(['/g/hello.txt', dir, '--on-conflict', 'skip'])
    assert.deepEqual([skip.exitCode, skip.results[0].skipped, skip.results[0].reason], [0, true, 'identical'])
    assert.equal(f.emu.counters.bytesOut, 0)
    writeFileSync(join(dir, 'hello.txt'), 'local edit')
    const differs = await gets(['/g/hello.txt', dir, '--on-conflict', 'skip'])
    assert.equal(differs.results[0].reason, 'differs')
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), 'local edit', 'skip never touches the local file')
    const over = await gets(['/g/hello.txt', dir, '--on-conflict', 'overwrite'])
    assert.equal(over.exitCode, 0)
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), 'hello')
  })

  it('live photos download the chosen stream with the matching extension', async () => {
    const dir = dest()
    f.emu.fs().seedLivePhoto('/photos/IMG_0001.livp', {jpeg: Buffer.from('JPEG-bytes'), mov: Buffer.from('MOV-bytes')})
    const first = await gets(['/photos/IMG_0001.livp', dir])
    assert.equal(first.exitCode, 0, first.stderr)
    assert.equal(readFileSync(join(dir, 'IMG_0001.jpg'), 'utf8'), 'JPEG-bytes')
    assert.equal((await gets(['/photos/IMG_0001.livp', dir, '--livp', 'mov'])).exitCode, 0)
    assert.equal(readFileSync(join(dir, 'IMG_0001.mov'), 'utf8'), 'MOV-bytes')
    await f.cli(['config', 'set', 'livp-format', 'mov'])
    const other = dest()
    await gets(['/photos/IMG_0001.livp', other])
    assert.ok(existsSync(join(other, 'IMG_0001.mov')), 'the livp-format setting is the default')
    await f.cli(['config', 'unset', 'livp-format'])
  })

  it('keeps to 3 concurrent downloads and waits out ExceedMaxConcurrency', async () => {
    const fs = f.emu.fs()
    for (let i = 0; i < 6; i++) fs.put(`/conc/f${i}.bin`, pattern(300_000, 20 + i))
    f.emu.setRateLimit(false)
    const dir = dest()
    const r = await gets(['-r', '/conc', dir, '--transfers', '6'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(!f.emu.log.some((e) => e.status === 403), 'never exceeded the per-user limit itself')
    // Another client holds the slots: the service says ExceedMaxConcurrency, we wait and retry.
    f.emu.faults.inject({path: /^\/oss\//, method: 'GET', status: 403, code: 'RequestDeniedByCallback', message: 'Callback deny this request reason: ExceedMaxConcurrency', times: 2})
    const waited = await gets(['/conc/f0.bin', dest()])
    assert.equal(waited.exitCode, 0, waited.stderr)
  })

  it('small files come straight from the listing URL (no 1/s getDownloadUrl each); trouble falls back', async () => {
    const r = await gets(['-r', '/tree', dest()])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/getDownloadUrl'] ?? 0, 0)
    f.emu.faults.inject({path: /^\/oss\//, method: 'GET', status: 403, code: 'AccessDenied', message: 'Request has expired.'})
    f.emu.resetCounters()
    const fallback = await gets(['/g/hello.txt', dest()])
    assert.equal(fallback.exitCode, 0, fallback.stderr)
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/getDownloadUrl'], 1)
  })

  it('a missing remote path exits 3', async () => {
    const r = await f.cli(['get', '/nope.txt', dest()])
    assert.equal(r.exitCode, 3)
    assert.match(r.stderr, /Not found: \/nope\.txt/)
  })
})
