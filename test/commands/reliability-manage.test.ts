import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {MkdirResult} from '../../src/lib/manage/mkdir.js'
import type {MoveCopyResult} from '../../src/lib/manage/move-copy.js'
import type {RemoveResult} from '../../src/lib/manage/remove.js'
import {type FaultKind, type Fixture, injectWriteFault, metWriteFault, setup} from '../support.js'
import '../helpers.js'

type Kind = FaultKind
const KINDS: Kind[] = ['fails twice', 'loses its answer']

/**
 * Issue 11: mkdir -p, mkdir, rm, mv and cp on a flaky service. Each write endpoint they use either
 * answers 500 and 502 before working, or carries the call out and loses the answer once. The
 * remote state must come out exactly right: no `name(1)`, no second copy, nothing trashed that
 * should not be, and no exit 6 for a rename or a folder that the lost attempt itself made.
 */
describe('mkdir, rm, mv, cp on a flaky service', () => {
  let f: Fixture
  let n = 0
  before(async () => {
    f = await setup({rateLimit: false, asyncTaskMs: 100})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  const fault = (kind: FaultKind, endpoint: string) => injectWriteFault(f.emu, kind, endpoint)
  const faulted = (endpoint: string) => metWriteFault(f.emu, endpoint)
  const names = (folder: string) => f.emu.fs().list(folder).map((e) => String(e.name)).sort()
  const trashedIds = () => f.emu.fs().trashed().map((t) => t.file_id)
  const idOf = (path: string) => String(f.emu.fs().get(path)?.file_id)
  const run = async <T>(args: string[]) => {
    const r = await f.cli([...args, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    return JSON.parse(r.stdout) as T
  }

  for (const kind of KINDS) {
    describe(`the write endpoint ${kind}`, () => {
      it('mkdir -p creates the chain once: no folder(1), each level a folder', async () => {
        const base = `/flaky-mkdir-${++n}`
        fault(kind, 'create')
        const [result] = await run<MkdirResult[]>(['mkdir', '-p', `${base}/a/b`])
        assert.ok(faulted('create'))
        assert.equal(result.file_id, idOf(`${base}/a/b`))
        assert.deepEqual(names('/').filter((x) => x.startsWith(base.slice(1))), [base.slice(1)])
        assert.deepEqual(names(base), ['a'])
        assert.deepEqual(names(`${base}/a`), ['b'])
      })

      it('mkdir (without -p): the folder the lost attempt made is "created", not a conflict', async () => {
        const path = `/flaky-mkdir-${++n}`
        fault(kind, 'create')
        const [result] = await run<MkdirResult[]>(['mkdir', path])
        assert.deepEqual(result, {path, file_id: idOf(path), created: true})
      })

      for (const method of ['trash', 'delete'] as const) {
        const endpoint = method === 'trash' ? 'recyclebin/trash' : 'delete'
        it(`rm (${method}): exactly the named file goes, its neighbour stays`, async () => {
          const folder = `/flaky-rm-${++n}`
          f.emu.fs().put(`${folder}/go.txt`, 'go')
          f.emu.fs().put(`${folder}/stay.txt`, 'stay')
          const id = idOf(`${folder}/go.txt`)
          const trashed = trashedIds()
          fault(kind, endpoint)
          const [result] = await run<RemoveResult[]>(['rm', '-f', `${folder}/go.txt`, ...(method === 'delete' ? ['--permanent'] : [])])
          assert.ok(faulted(endpoint))
          assert.equal(result.removed, true)
          assert.deepEqual(names(folder), ['stay.txt'])
          assert.deepEqual(trashedIds(), method === 'trash' ? [...trashed, id] : trashed)
        })
      }

      it('rm -r of a folder (an async task on the service)', async () => {
        const folder = `/flaky-rmr-${++n}`
        f.emu.fs().put(`${folder}/sub/a.txt`, 'a')
        const id = idOf(`${folder}/sub`)
        fault(kind, 'recyclebin/trash')
        const [result] = await run<RemoveResult[]>(['rm', '-rf', `${folder}/sub`])
        assert.equal(result.removed, true)
        assert.deepEqual(names(folder), [])
        assert.ok(trashedIds().includes(id))
      })

      it('mv into another folder (move): moved once, nothing trashed', async () => {
        const base = `/flaky-mv-${++n}`
        f.emu.fs().put(`${base}/from/x.txt`, 'x')
        f.emu.fs().mkdir(`${base}/to`)
        const id = idOf(`${base}/from/x.txt`)
        const trashed = trashedIds()
        fault(kind, 'move')
        const [result] = await run<MoveCopyResult[]>(['mv', `${base}/from/x.txt`, `${base}/to/`])
        assert.ok(faulted('move'))
        assert.deepEqual([result.destination, result.file_id], [`${base}/to/x.txt`, id])
        assert.deepEqual([names(`${base}/from`), names(`${base}/to`)], [[], ['x.txt']])
        assert.deepEqual(trashedIds(), trashed)
      })

      it('mv rename in the same folder (update): renamed, not refused as a clash with itself', async () => {
        const folder = `/flaky-ren-${++n}`
        f.emu.fs().put(`${folder}/old.txt`, 'x')
        const id = idOf(`${folder}/old.txt`)
        fault(kind, 'update')
        const [result] = await run<MoveCopyResult[]>(['mv', `${folder}/old.txt`, `${folder}/new.txt`])
        assert.ok(faulted('update'))
        assert.deepEqual([result.destination, result.file_id], [`${folder}/new.txt`, id])
        assert.deepEqual(names(folder), ['new.txt'])
      })

      for (const endpoint of ['move', 'update']) {
        it(`mv to a new name in another folder: ${endpoint} meets the fault`, async () => {
          const base = `/flaky-mvren-${++n}`
          f.emu.fs().put(`${base}/from/x.txt`, 'x')
          f.emu.fs().mkdir(`${base}/to`)
          fault(kind, endpoint)
          const [result] = await run<MoveCopyResult[]>(['mv', `${base}/from/x.txt`, `${base}/to/y.txt`])
          assert.ok(faulted(endpoint))
          assert.equal(result.destination, `${base}/to/y.txt`)
          assert.deepEqual([names(`${base}/from`), names(`${base}/to`)], [[], ['y.txt']])
        })
      }

      it('mv --on-conflict overwrite: the old entry, and only it, goes to the recycle bin', async () => {
        const base = `/flaky-mvow-${++n}`
        f.emu.fs().put(`${base}/from/x.txt`, 'new')
        f.emu.fs().put(`${base}/to/x.txt`, 'old')
        const old = idOf(`${base}/to/x.txt`)
        const trashed = trashedIds()
        fault(kind, 'move')
        fault(kind, 'recyclebin/trash')
        await run<MoveCopyResult[]>(['mv', `${base}/from/x.txt`, `${base}/to/`, '--on-conflict', 'overwrite'])
        assert.deepEqual(names(`${base}/to`), ['x.txt'])
        assert.equal(f.emu.fs().read(`${base}/to/x.txt`).toString(), 'new')
        assert.deepEqual(trashedIds(), [...trashed, old])
      })

      it('cp into another folder: one copy', async () => {
        const base = `/flaky-cp-${++n}`
        f.emu.fs().put(`${base}/from/x.txt`, 'x')
        f.emu.fs().mkdir(`${base}/to`)
        fault(kind, 'copy')
        const [result] = await run<MoveCopyResult[]>(['cp', `${base}/from/x.txt`, `${base}/to/`])
        assert.ok(faulted('copy'))
        assert.equal(result.file_id, idOf(`${base}/to/x.txt`))
        assert.deepEqual([names(`${base}/from`), names(`${base}/to`)], [['x.txt'], ['x.txt']], 'no x(1).txt')
      })

      it('cp to a new name in the same folder (an auto-renamed copy, then update): one copy, no leftovers', async () => {
        const folder = `/flaky-cpsame-${++n}`
        f.emu.fs().put(`${folder}/x.txt`, 'x')
        f.emu.fs().put(`${folder}/x(1).txt`, 'an older numbered file')
        const trashed = trashedIds()
        fault(kind, 'copy')
        fault(kind, 'update')
        const [result] = await run<MoveCopyResult[]>(['cp', `${folder}/x.txt`, `${folder}/y.txt`])
        assert.equal(result.destination, `${folder}/y.txt`)
        assert.deepEqual(names(folder), ['x(1).txt', 'x.txt', 'y.txt'], 'no x(2).txt left behind')
        assert.equal(f.emu.fs().read(`${folder}/y.txt`).toString(), 'x')
        assert.equal(f.emu.fs().read(`${folder}/x(1).txt`).toString(), 'an older numbered file')
        assert.deepEqual(trashedIds(), trashed, 'no stray copy trashed either')
      })

      it('cp -r of a folder (an async task): one copy with its contents', async () => {
        const base = `/flaky-cpdir-${++n}`
        f.emu.fs().put(`${base}/src/a.txt`, 'a')
        f.emu.fs().mkdir(`${base}/dst`)
        fault(kind, 'copy')
        await run<MoveCopyResult[]>(['cp', `${base}/src`, `${base}/dst/`])
        assert.deepEqual(names(`${base}/dst`), ['src'])
        assert.deepEqual(names(`${base}/dst/src`), ['a.txt'])
      })
    })
  }

  describe('an empty remote path is a usage error (exit 2), not the root folder', () => {
    for (const args of [['mkdir', ''], ['mkdir', '-p', 'alipan:'], ['rm', '-f', ''], ['mv', '/a', ''], ['mv', '', '/b'], ['cp', '/a', ''], ['get', ''], ['put', '-', ''], ['link', '']]) {
      it(`${args.join(' ')} (with '' shown as an empty argument)`, async () => {
        const before = f.emu.log.length
        const r = await f.cli(args)
        assert.equal(r.exitCode, 2, r.stderr)
        assert.match(r.stderr, /is empty/)
        assert.equal(f.emu.log.filter((e) => /create|move|copy|trash|delete|update/.test(e.path)).length, 0)
        assert.ok(f.emu.log.length >= before)
      })
    }
  })
})
