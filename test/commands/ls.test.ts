import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {LsEntry} from '../../src/lib/files/ls.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('ls', () => {
  let f: Fixture
  const odd = ['with space.txt', `it's "quoted".txt`, '文件 📁.txt', `${'long-name-'.repeat(24)}.txt`]
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    const fs = f.emu.fs()
    fs.put('/docs/b.txt', 'bb')
    fs.put('/docs/a.txt', 'a')
    fs.put('/docs/c-big.bin', Buffer.alloc(5000))
    fs.put('/docs/sub/deep.txt', 'deep')
    for (const name of odd) fs.put(`/odd/${name}`, name)
  })
  after(() => f.close())

  it('prints names by default, sorted by name', async () => {
    const r = await f.cli(['ls', '/docs'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, 'a.txt\nb.txt\nc-big.bin\nsub\n')
  })

  it('-l piped: tab-separated type, raw bytes, ISO time, name', async () => {
    const r = await f.cli(['ls', '-l', '/docs'])
    const rows = r.stdout.trim().split('\n').map((line) => line.split('\t'))
    assert.deepEqual(rows.map((row) => row[0]), ['file', 'file', 'file', 'folder'])
    assert.deepEqual(rows.map((row) => row[1]), ['1', '2', '5000', '-'])
    for (const row of rows) assert.match(row[2], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('--json: one array of {name, path, type, size, file_id, content_hash, updated_at}', async () => {
    const r = await f.cli(['ls', '/docs', '--json'])
    const entries = JSON.parse(r.stdout) as LsEntry[]
    assert.deepEqual(Object.keys(entries[0]).sort(), ['content_hash', 'file_id', 'name', 'path', 'size', 'type', 'updated_at'])
    const a = entries.find((e) => e.name === 'a.txt')!
    assert.equal(a.path, '/docs/a.txt')
    assert.equal(a.size, 1)
    assert.equal(a.content_hash, '86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8')
    assert.equal(a.file_id, f.emu.fs().get('/docs/a.txt')!.file_id)
    const sub = entries.find((e) => e.name === 'sub')!
    assert.equal(sub.type, 'folder')
    assert.equal(sub.size, null)
  })

  it('-R lists subfolders as paths relative to PATH', async () => {
    const r = await f.cli(['ls', '-R', '/docs'])
    assert.equal(r.stdout, 'a.txt\nb.txt\nc-big.bin\nsub\nsub/deep.txt\n')
  })

  it('--sort size and -r', async () => {
    assert.equal((await f.cli(['ls', '--sort', 'size', '/docs'])).stdout.split('\n')[0], 'c-big.bin')
    assert.equal((await f.cli(['ls', '-r', '/docs'])).stdout.split('\n')[0], 'sub')
  })

  it('names with spaces, quotes, unicode and long names', async () => {
    const r = await f.cli(['ls', '/odd', '--json'])
    const names = (JSON.parse(r.stdout) as LsEntry[]).map((e) => e.name).sort()
    assert.deepEqual(names, [...odd].sort())
    for (const name of odd) {
      const one = await f.cli(['ls', `/odd/${name}`, '--json'])
      assert.equal(one.exitCode, 0, one.stderr)
      assert.equal((JSON.parse(one.stdout) as LsEntry[])[0].name, name, 'a file path lists that one file')
    }
  })

  it('a missing path exits 3 and names it', async () => {
    const r = await f.cli(['ls', '/docs/nope'])
    assert.equal(r.exitCode, 3)
    assert.match(r.stderr, /Not found: \/docs\/nope/)
    assert.equal(r.stdout, '')
  })

  it('pages through next_marker to the end: ceil(n/200) list calls', async () => {
    const fs = f.emu.fs()
    for (let i = 0; i < 450; i++) fs.put(`/many/f-${String(i).padStart(3, '0')}`, '')
    f.emu.resetCounters()
    const r = await f.cli(['ls', '/many', '--json'])
    assert.equal((JSON.parse(r.stdout) as LsEntry[]).length, 450)
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/list'], 3)
  })

  it('a listing that fails midway exits non-zero and prints nothing as if complete', async () => {
    // Let page one through, then fail page two with an error that is not retried. Pages of a
    // folder are paced at 4/s, so the fault is in place long before the second call.
    f.emu.resetCounters()
    const run = f.cli(['ls', '/many'])
    const armed = setInterval(() => {
      if ((f.emu.counters.requests['/adrive/v1.0/openFile/list'] ?? 0) >= 1) {
        f.emu.faults.inject({path: '/adrive/v1.0/openFile/list', status: 400, code: 'InvalidParameter.Marker'})
        clearInterval(armed)
      }
    }, 1)
    const r = await run
    clearInterval(armed)
    assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/list'], 2, 'failed on the second page')
    assert.notEqual(r.exitCode, 0)
    assert.equal(r.stdout, '', 'no partial listing on stdout')
    assert.match(r.stderr, /InvalidParameter\.Marker/)
  })

  it('--root-folder-id resolves paths under that folder, and --drive picks the drive', async () => {
    const docs = f.emu.fs().get('/docs') as {file_id: string}
    const r = await f.cli(['ls', '/sub', '--root-folder-id', docs.file_id])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, 'deep.txt\n')
    assert.equal((await f.cli(['ls', '/', '--root-folder-id', docs.file_id])).stdout, 'a.txt\nb.txt\nc-big.bin\nsub\n')
    f.emu.fs(f.emu.user.resource_drive_id).put('/in-resource.txt', 'r')
    assert.equal((await f.cli(['ls', '/', '--drive', 'resource'])).stdout, 'in-resource.txt\n')
    assert.equal((await f.cli(['ls', '/', '--root-folder-id', 'f'.repeat(40)])).exitCode, 3)
  })

  it('an empty folder prints nothing and exits 0', async () => {
    f.emu.fs().mkdir('/empty')
    const r = await f.cli(['ls', '/empty'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, '')
    assert.equal((await f.cli(['ls', '/empty', '--json'])).stdout.trim(), '[]')
  })
})
