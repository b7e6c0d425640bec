import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {DuResult} from '../../src/lib/metadata/du.js'
import type {Sha1sumEntry} from '../../src/lib/metadata/sha1sum.js'
import type {TreeNodeJson} from '../../src/lib/metadata/tree-view.js'
import {plantDuplicate} from '../duplicates.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const WRITE_CALLS = /openFile\/(create|complete|update|move|copy|recyclebin\/trash|delete)$/

describe('du, tree and sha1sum', () => {
  let f: Fixture
  const calls = (path: RegExp) => f.emu.log.filter((e) => path.test(e.path)).length
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    const fs = f.emu.fs()
    fs.put('/m/a/x.bin', pattern(1000, 1))
    fs.put('/m/a/b/y.bin', pattern(24, 2))
    fs.mkdir('/m/c')
    fs.put('/m/z.txt', 'zz')
    for (let i = 0; i < 12; i++) fs.put(`/m/many/f${String(i).padStart(2, '0')}.txt`, `${i}`)
    await plantDuplicate(f.emu, '/m', 'z.txt', 'zzz')
  })
  after(() => f.close())
  beforeEach(() => f.emu.resetCounters())

  it('du: each folder after its subfolders, PATH last as the total; bytes when piped and in --json', async () => {
    const r = await f.cli(['du', '/m'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, ['24\t1\t/m/a/b', '1024\t2\t/m/a', '0\t0\t/m/c', '14\t12\t/m/many', '1043\t16\t/m', ''].join('\n'), 'duplicates count: both z.txt (2 + 3 bytes)')
    const json = await f.cli(['du', '/m', '--max-depth', '1', '--json'])
    const result = JSON.parse(json.stdout) as DuResult
    assert.deepEqual(result.total, {path: '/m', size: 1043, files: 16, folders: 4, depth: 0})
    assert.deepEqual(result.folders.map((row) => row.path), ['/m/a', '/m/c', '/m/many'])
    assert.equal(calls(WRITE_CALLS), 0)
    assert.equal(calls(/getDownloadUrl$/), 0)
  })

  it('du and tree read through the search, five folders a call; --no-search lists each folder', async () => {
    await f.cli(['du', '/m'])
    // Levels: /m (1 folder), then a, c, many (1 query), then a/b (1 query); no list calls.
    assert.equal(calls(/openFile\/search$/), 3)
    assert.equal(calls(/openFile\/list$/), 0)
    f.emu.resetCounters()
    const listed = await f.cli(['du', '/m', '--no-search', '--json'])
    assert.equal((JSON.parse(listed.stdout) as DuResult).total.size, 1043, 'the same answer either way')
    assert.equal(calls(/openFile\/list$/), 5, 'one listing per folder: m, a, a/b, c, many')
    assert.equal(calls(/openFile\/search$/), 0)
  })

  it('tree: the drawing, --dirs-only, --max-depth (reading only that deep), --size, --json', async () => {
    const r = await f.cli(['tree', '/m'])
    assert.equal(r.exitCode, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.deepEqual(lines.slice(0, 6), ['/m', '├── a/', '│   ├── b/', '│   │   └── y.bin', '│   └── x.bin', '├── c/'])
    assert.deepEqual(lines.slice(-4), ['├── z.txt', '└── z.txt', '', '4 folders, 16 files'])
    const dirs = await f.cli(['tree', '/m', '--dirs-only', '-d', '1'])
    assert.equal(dirs.stdout, '/m\n├── a/\n├── c/\n└── many/\n\n3 folders\n')
    f.emu.resetCounters()
    await f.cli(['tree', '/', '--max-depth', '1'])
    assert.equal(calls(/openFile\/search$/), 1, 'one level read')
    const sized = await f.cli(['tree', '/m/a', '--size'])
    assert.equal(sized.stdout, '[1.00 KiB]  /m/a\n├── [24 B]  b/\n│   └── [24 B]  y.bin\n└── [1000 B]  x.bin\n\n1 folder, 2 files\n')
    const json = JSON.parse((await f.cli(['tree', '/m/a', '--json'])).stdout) as TreeNodeJson
    assert.deepEqual(json, {
      name: 'a',
      path: '/m/a',
      type: 'folder',
      size: null,
      children: [
        {name: 'b', path: '/m/a/b', type: 'folder', size: null, children: [{name: 'y.bin', path: '/m/a/b/y.bin', type: 'file', size: 24}]},
        {name: 'x.bin', path: '/m/a/x.bin', type: 'file', size: 1000},
      ],
    })
  })

  it('du and tree of a missing path exit 3', async () => {
    assert.equal((await f.cli(['du', '/nope'])).exitCode, 3)
    assert.equal((await f.cli(['tree', '/nope'])).exitCode, 3)
  })

  it('sha1sum -r: accepted by sha1sum -c after get -r of the same folder, downloading nothing itself', async () => {
    f.emu.fs().seedLivePhoto('/m/a/IMG_1.livp', {jpeg: 'jpeg', mov: 'mov'})
    const r = await f.cli(['sha1sum', '-r', '/m/a'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(calls(/getDownloadUrl$/), 0)
    assert.equal(f.emu.counters.bytesOut, 0)
    assert.match(r.stderr, /skipped \/m\/a\/IMG_1\.livp: a live photo/)
    assert.deepEqual(r.stdout.split('\n').map((l) => l.slice(42)), ['a/b/y.bin', 'a/x.bin', ''])
    const dir = join(f.workDir, 'sums')
    mkdirSync(dir)
    const got = await f.spawn(['get', '-r', '/m/a', dir])
    assert.equal(got.status, 0, got.stderr)
    // DIR exists, so get -r puts the folder in it as DIR/a: the paths sha1sum printed, from DIR.
    const checked = execFileSync('sha1sum', ['-c', '-'], {cwd: dir, input: r.stdout}).toString()
    assert.equal(checked, 'a/b/y.bin: OK\na/x.bin: OK\n')
    // And the files as named, for a file PATH: where `get` puts it.
    const one = await f.cli(['sha1sum', '/m/a/x.bin', '--json'])
    assert.deepEqual(JSON.parse(one.stdout) as Sha1sumEntry[], [{path: 'x.bin', remote_path: '/m/a/x.bin', sha1: f.emu.fs().get('/m/a/x.bin')!.content_hash!.toString().toLowerCase(), size: 1000}])
  })

  it('sha1sum: a folder without -r exits 2, a missing path 3', async () => {
    assert.equal((await f.cli(['sha1sum', '/m'])).exitCode, 2)
    assert.equal((await f.cli(['sha1sum', '/m/z.txt', '/nope'])).exitCode, 3)
  })
})
