import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {PutResult} from '../../src/lib/files/put.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex').toUpperCase()
const KiB = 1024

describe('put', () => {
  let f: Fixture
  const local = (name: string, data: Buffer | string) => {
    const path = join(f.workDir, name)
    mkdirSync(join(path, '..'), {recursive: true})
    writeFileSync(path, data)
    return path
  }
  const puts = async (args: string[], input?: string) => {
    const r = input === undefined ? await f.cli(['put', ...args, '--json']) : await f.spawn(['put', ...args, '--json'], {input})
    const exitCode = 'exitCode' in r ? r.exitCode : r.status
    return {exitCode, results: r.stdout.trim().startsWith('[') ? (JSON.parse(r.stdout) as PutResult[]) : [], stderr: r.stderr, stdout: r.stdout}
  }

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  it('0-byte, 1-byte, exactly one part and multi-part files land intact and verified', async () => {
    const cases: Array<[string, Buffer]> = [
      ['empty.bin', Buffer.alloc(0)],
      ['one.bin', Buffer.from('x')],
      ['exact-part.bin', pattern(100 * KiB, 2)],
      ['multi.bin', pattern(350 * KiB + 17, 3)],
    ]
    for (const [name, data] of cases) {
      const {exitCode, results, stderr} = await puts([local(name, data), '/sizes/', '--part-size', '100KiB', '--no-rapid'])
      assert.equal(exitCode, 0, stderr)
      assert.equal(results[0].remote_path, `/sizes/${name}`)
      assert.equal(results[0].size, data.length)
      assert.equal(results[0].content_hash, sha1(data))
      assert.ok(f.emu.fs().read(`/sizes/${name}`).equals(data), `${name} bytes on the server`)
    }
    // 350 KiB + 17 in 100 KiB parts = 4 PUTs for that file
    const multiPuts = f.emu.log.filter((e) => e.method === 'PUT' && e.path.startsWith('/oss/'))
    assert.ok(multiPuts.length >= 4)
  })

  it('rapid upload: a hit sends no data; a miss uploads (pre-hash probe first)', async () => {
    const data = pattern(3 * 1024 * KiB, 4) // > 1 MiB: goes through the pre_hash probe
    const first = await puts([local('rapid-a.bin', data), '/rapid/a.bin'])
    assert.equal(first.results[0].rapid, false)
    assert.equal(f.emu.counters.bytesIn, data.length)
    f.emu.resetCounters()
    const second = await puts([local('rapid-b.bin', data), '/rapid/b.bin'])
    assert.equal(second.exitCode, 0, second.stderr)
    assert.equal(second.results[0].rapid, true)
    assert.equal(second.results[0].bytes_sent, 0)
    assert.equal(f.emu.counters.bytesIn, 0, 'nothing on the data plane')
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/create'], 2, 'pre_hash probe, then the proof')
    assert.ok(f.emu.fs().read('/rapid/b.bin').equals(data))
    const small = await puts([local('rapid-small.bin', 'small and known'), '/rapid/s1.txt'])
    f.emu.resetCounters()
    const smallAgain = await puts([local('rapid-small2.bin', 'small and known'), '/rapid/s2.txt'])
    assert.equal(small.results[0].rapid, false)
    assert.equal(smallAgain.results[0].rapid, true, 'small files go straight to a full-hash attempt')
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/create'], 1)
  })

  it('--no-rapid uploads even known content', async () => {
    const {results} = await puts([local('known.bin', 'small and known'), '/rapid/s3.txt', '--no-rapid'])
    assert.equal(results[0].rapid, false)
    assert.equal(f.emu.counters.bytesIn, 'small and known'.length)
  })

  it('missing remote folders are created; REMOTE/ and existing folders mean "into"', async () => {
    const a = local('into/a.txt', 'a')
    assert.equal((await puts([a, '/deep/er/path/'])).results[0].remote_path, '/deep/er/path/a.txt')
    assert.equal((await puts([a, '/deep/er'])).results[0].remote_path, '/deep/er/a.txt', 'existing folder: into it')
    assert.equal((await puts([a, '/deep/renamed.txt'])).results[0].remote_path, '/deep/renamed.txt', 'new name: the file itself')
    const many = await puts([a, local('into/b.txt', 'b'), '/several'])
    assert.deepEqual(many.results.map((r) => r.remote_path), ['/several/a.txt', '/several/b.txt'])
  })

  it('without a terminal an existing name fails with exit 6 (never a silent name(1))', async () => {
    const path = local('conflict.txt', 'v1')
    assert.equal((await puts([path, '/conflict/'])).exitCode, 0)
    const again = await puts([path, '/conflict/'])
    assert.equal(again.exitCode, 6)
    assert.match(again.stderr, /already exists/)
    assert.equal(again.results[0].error?.code, 'Conflict')
    assert.deepEqual(f.emu.fs().list('/conflict').map((e) => e.name), ['conflict.txt'])
  })

  it('--on-conflict skip compares size and SHA-1', async () => {
    const path = local('skip.txt', 'same')
    await puts([path, '/skip/'])
    f.emu.resetCounters()
    const same = await puts([path, '/skip/', '--on-conflict', 'skip'])
    assert.deepEqual([same.exitCode, same.results[0].skipped, same.results[0].reason], [0, true, 'identical'])
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/create'] ?? 0, 0)
    writeFileSync(path, 'different')
    const differs = await puts([path, '/skip/', '--on-conflict', 'skip'])
    assert.deepEqual([differs.exitCode, differs.results[0].skipped, differs.results[0].reason], [0, true, 'differs'])
    assert.equal(f.emu.fs().read('/skip/skip.txt').toString(), 'same', 'the remote copy is kept')
  })

  it('--on-conflict overwrite: the old file goes to the recycle bin only after the new one is complete', async () => {
    const path = local('over.txt', 'old')
    await puts([path, '/over/'])
    const oldId = f.emu.fs().get('/over/over.txt')!.file_id
    writeFileSync(path, 'new content')
    f.emu.resetCounters()
    const r = await puts([path, '/over/', '--on-conflict', 'overwrite'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(f.emu.fs().read('/over/over.txt').toString(), 'new content')
    assert.ok(f.emu.fs().trashed().some((e) => e.file_id === oldId), 'old file in the recycle bin')
    const order = f.emu.log.map((e) => e.path).filter((p) => /complete|recyclebin\/trash/.test(p))
    assert.deepEqual(order, ['/adrive/v1.0/openFile/complete', '/adrive/v1.0/openFile/recyclebin/trash'])
  })

  it('--on-conflict rename keeps both', async () => {
    const path = local('ren.txt', 'one')
    await puts([path, '/ren/'])
    writeFileSync(path, 'two')
    const r = await puts([path, '/ren/', '--on-conflict', 'rename'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.notEqual(r.results[0].remote_path, '/ren/ren.txt')
    assert.equal(f.emu.fs().list('/ren').length, 2)
  })

  it('put -r uploads a tree; re-running with skip uploads nothing', async () => {
    const root = join(f.workDir, 'tree')
    local('tree/a.txt', 'a')
    local('tree/sub/b.txt', 'b')
    local('tree/sub/深/c.txt', 'c')
    mkdirSync(join(root, 'empty-dir'), {recursive: true})
    const r = await puts(['-r', root, '/backup'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.results.map((x) => x.remote_path).sort(), ['/backup/a.txt', '/backup/sub/b.txt', '/backup/sub/深/c.txt'], 'a new REMOTE becomes the copy')
    assert.ok(f.emu.fs().get('/backup/empty-dir'), 'empty folders are created too')
    const into = await puts(['-r', root, '/backup/'])
    assert.deepEqual(into.results.map((x) => x.remote_path).sort(), ['/backup/tree/a.txt', '/backup/tree/sub/b.txt', '/backup/tree/sub/深/c.txt'], 'into an existing folder as <name>')
    // The backup recipe: re-running the same command uploads nothing.
    for (const args of [['-r', root, '/backup/'], ['-r', `${root}/`, '/backup']]) {
      f.emu.resetCounters()
      const again = await puts([...args, '--on-conflict', 'skip'])
      assert.equal(again.exitCode, 0, again.stderr)
      assert.equal(again.results.length, 3)
      assert.ok(again.results.every((x) => x.skipped && x.reason === 'identical'), JSON.stringify(again.results))
      assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/create'] ?? 0, 0, 'no create calls')
      assert.equal(f.emu.counters.bytesIn, 0)
    }
    assert.equal(f.emu.fs().get('/backup/tree/tree'), undefined, 'no nested copy from a re-run')
  })

  it('a folder without -r exits 2; a missing local path exits 2', async () => {
    mkdirSync(join(f.workDir, 'adir'), {recursive: true})
    assert.equal((await f.cli(['put', join(f.workDir, 'adir'), '/x'])).exitCode, 2)
    const missing = await f.cli(['put', join(f.workDir, 'nope'), '/x'])
    assert.equal(missing.exitCode, 2)
    assert.match(missing.stderr, /No such local file/)
  })

  it('stdin: spooled for rapid upload, streamed with --no-rapid (unknown length, part by part)', async () => {
    const spooled = await puts(['-', '/stdin/spooled.txt'], 'hello from stdin')
    assert.equal(spooled.exitCode, 0, spooled.stderr)
    assert.equal(spooled.results[0].path, '-')
    assert.equal(f.emu.fs().read('/stdin/spooled.txt').toString(), 'hello from stdin')
    const big = pattern(250 * KiB, 9).toString('base64')
    f.emu.resetCounters()
    const streamed = await puts(['-', '/stdin/streamed.txt', '--no-rapid', '--part-size', '100KiB'], big)
    assert.equal(streamed.exitCode, 0, streamed.stderr)
    assert.equal(f.emu.fs().read('/stdin/streamed.txt').toString(), big)
    assert.equal(streamed.results[0].content_hash, sha1(big))
    assert.ok((f.emu.counters.requests['/adrive/v1.0/openFile/getUploadUrl'] ?? 0) >= 3, 'one getUploadUrl per part')
    const empty = await puts(['-', '/stdin/empty.txt', '--no-rapid'], '')
    assert.equal(empty.exitCode, 0, empty.stderr)
    assert.equal(f.emu.fs().read('/stdin/empty.txt').length, 0)
    assert.equal((await f.spawn(['put', '-', '/stdin/'])).status, 2, 'stdin needs a file name')
    // A clash through the spool keeps its own exit code and is reported once.
    const clash = await f.spawn(['put', '-', '/stdin/spooled.txt'], {input: 'again'})
    assert.equal(clash.status, 6, clash.stderr)
    assert.equal(clash.stderr.match(/already exists/g)?.length, 1, clash.stderr)
  })

  it('a connection dropped mid-part is retried and the file still verifies', async () => {
    const data = pattern(300 * KiB, 5)
    f.emu.faults.dropConnection({kind: 'upload', afterBytes: 150 * KiB})
    const r = await puts([local('drop.bin', data), '/drop/', '--no-rapid', '--part-size', '100KiB'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(f.emu.fs().read('/drop/drop.bin').equals(data))
  })

  it('a SHA-1 mismatch after complete is an error and the bad copy goes to the recycle bin', async () => {
    const path = local('mismatch.txt', 'genuine bytes')
    f.emu.faults.inject({
      path: '/adrive/v1.0/openFile/complete',
      status: 200,
      body: {drive_id: f.emu.user.default_drive_id, file_id: 'f'.repeat(40), parent_file_id: 'root', name: 'mismatch.txt', type: 'file', size: 13, content_hash: '0'.repeat(40)},
    })
    const r = await puts([path, '/mm/', '--no-rapid'])
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /corrupted in transit/)
    assert.equal(r.results[0].error?.code, 'ChecksumMismatch')
    assert.ok(f.emu.log.some((e) => e.path === '/adrive/v1.0/openFile/recyclebin/trash'), 'the bad copy was sent to the recycle bin')
  })

  it('--part-size is validated (100 KiB – 5 GiB)', async () => {
    const r = await f.cli(['put', local('ps.txt', 'x'), '/ps/', '--part-size', '50KiB'])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /between 100 KiB and 5 GiB/)
  })

  it('--internal-upload leaves non-Beijing URLs alone (the rewrite is unit-tested)', async () => {
    const r = await puts([local('internal.txt', 'internal'), '/internal/', '--internal-upload', '--no-rapid'])
    assert.equal(r.exitCode, 0, r.stderr)
  })

  it('quota exhaustion exits 7 with a plain message', async () => {
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/create', status: 400, code: 'QuotaExhausted.Drive', message: 'drive full'})
    const r = await f.cli(['put', local('full.txt', 'x'), '/full/'])
    assert.equal(r.exitCode, 7)
    assert.match(r.stderr, /drive is full/)
  })
})
