import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {SyncResult} from '../../src/lib/sync/sync.js'
import {type FaultKind, type Fixture, injectWriteFault, metWriteFault, pattern, setup} from '../support.js'
import '../helpers.js'

const KiB = 1024
const API = '/adrive/v1.0/openFile'

/**
 * Issue 11 for `sync`: each write endpoint a mirror run uses either answers 500 and 502 before
 * working, or carries the call out and loses the answer once. The run must succeed and leave
 * exactly the mirror: every file once with the right bytes, no `name(1)`, nothing trashed that
 * should not be, every stale entry gone.
 */
describe('sync on a flaky service', () => {
  let f: Fixture
  let n = 0
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  const fault = (kind: FaultKind, endpoint: string) => injectWriteFault(f.emu, kind, endpoint)
  const faulted = (endpoint: string) => metWriteFault(f.emu, endpoint)
  /** Every entry under `folder`, as `path` or `path/` for folders. */
  const tree = (folder: string): string[] =>
    f.emu
      .fs()
      .list(folder)
      .flatMap((e) => (e.type === 'folder' ? [`${e.name}/`, ...tree(`${folder}/${e.name}`).map((c) => `${e.name}/${c}`)] : [String(e.name)]))
      .sort()

  /**
   * A mirror that has run once; then the local side changes so that the next run uses every
   * write: a new folder (create), new small and multipart files (create, complete), a changed file
   * (its old version trashed or moved), a deleted file and a deleted folder (trash, delete, move).
   */
  async function prepared(): Promise<{src: string; remote: string; expected: Map<string, Buffer>}> {
    const src = join(f.workDir, `flaky-src-${++n}`)
    const remote = `/flaky-sync/${n}`
    const files: Record<string, Buffer> = {
      'keep.txt': Buffer.from('kept'),
      'change.txt': Buffer.from('old version'),
      'gone.txt': Buffer.from('to be deleted'),
      'old-dir/inside.txt': Buffer.from('goes with its folder'),
    }
    for (const [rel, data] of Object.entries(files)) {
      mkdirSync(join(src, rel, '..'), {recursive: true})
      writeFileSync(join(src, rel), data)
    }
    const first = await f.cli(['sync', src, `alipan:${remote}`])
    assert.equal(first.exitCode, 0, first.stderr)
    writeFileSync(join(src, 'change.txt'), `new version ${n}`)
    rmSync(join(src, 'gone.txt'))
    rmSync(join(src, 'old-dir'), {recursive: true})
    mkdirSync(join(src, 'new-dir'))
    writeFileSync(join(src, 'new-dir', 'small.txt'), `small ${n}`)
    writeFileSync(join(src, 'big.bin'), pattern(250 * KiB, 70 + n))
    const expected = new Map<string, Buffer>([
      ['keep.txt', Buffer.from('kept')],
      ['change.txt', Buffer.from(`new version ${n}`)],
      ['new-dir/small.txt', Buffer.from(`small ${n}`)],
      ['big.bin', pattern(250 * KiB, 70 + n)],
    ])
    f.emu.resetCounters()
    return {src, remote, expected}
  }

  function assertMirror(remote: string, expected: Map<string, Buffer>): void {
    assert.deepEqual(tree(remote), ['big.bin', 'change.txt', 'keep.txt', 'new-dir/', 'new-dir/small.txt'], 'exactly the mirror: nothing missing, no name(1), nothing stale')
    for (const [rel, data] of expected) assert.ok(f.emu.fs().read(`${remote}/${rel}`).equals(data), `${rel} has the right bytes`)
  }

  const cases: Array<{endpoint: string; args: string[]; trashed: string[]}> = [
    {endpoint: 'create', args: [], trashed: ['change.txt', 'gone.txt', 'old-dir']},
    {endpoint: 'complete', args: ['--part-size', '100KiB'], trashed: ['change.txt', 'gone.txt', 'old-dir']},
    {endpoint: 'recyclebin/trash', args: [], trashed: ['change.txt', 'gone.txt', 'old-dir']},
    {endpoint: 'delete', args: ['--permanent'], trashed: []},
  ]
  for (const kind of ['fails twice', 'loses its answer'] as const) {
    for (const c of cases) {
      it(`${c.endpoint} ${kind}${c.args.length > 0 ? ` (${c.args.join(' ')})` : ''}`, async () => {
        const {src, remote, expected} = await prepared()
        const before = new Set(f.emu.fs().trashed().map((t) => t.file_id))
        fault(kind, c.endpoint)
        const r = await f.cli(['sync', src, `alipan:${remote}`, '--json', ...c.args])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.ok(faulted(c.endpoint), 'the fault was met')
        const result = JSON.parse(r.stdout) as SyncResult
        assert.deepEqual(result.summary, {...result.summary, new: 3, replaced: 1, deleted: 2, failed: 0})
        assertMirror(remote, expected)
        const trashedNow = f.emu.fs().trashed().filter((t) => !before.has(t.file_id)).map((t) => String(t.name)).sort()
        assert.deepEqual(trashedNow, c.trashed, 'exactly the old version and the deleted entries in the recycle bin')
      })
    }

    it(`--backup-dir: move ${kind}`, async () => {
      const {src, remote, expected} = await prepared()
      const backup = `${remote}-old`
      fault(kind, 'move')
      const r = await f.cli(['sync', src, `alipan:${remote}`, '--backup-dir', `alipan:${backup}`])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(faulted('move'), 'the fault was met')
      assertMirror(remote, expected)
      assert.deepEqual(tree(backup), ['change.txt', 'gone.txt', 'old-dir/', 'old-dir/inside.txt'], 'each moved once, none numbered')
      assert.equal(f.emu.fs().read(`${backup}/change.txt`).toString(), 'old version')
    })
  }

  it('downloads on a flaky data plane and listing: the mirror comes out whole', async () => {
    const remote = `/flaky-down/${++n}`
    f.emu.fs().put(`${remote}/a.bin`, pattern(300 * KiB, 90))
    f.emu.fs().put(`${remote}/sub/b.txt`, 'b')
    const dest = join(f.workDir, `flaky-dest-${n}`)
    f.emu.faults.inject({path: `${API}/list`, status: 500, code: 'InternalError'})
    f.emu.faults.dropConnection({kind: 'download', afterBytes: 100 * KiB})
    const r = await f.cli(['sync', `alipan:${remote}`, dest])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(readFileSync(join(dest, 'a.bin')).equals(pattern(300 * KiB, 90)))
    assert.equal(readFileSync(join(dest, 'sub', 'b.txt'), 'utf8'), 'b')
  })
})
