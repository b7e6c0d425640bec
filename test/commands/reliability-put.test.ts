import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {PutResult} from '../../src/lib/files/put.js'
import {type FaultKind, type Fixture, injectWriteFault, metWriteFault, pattern, setup} from '../support.js'
import '../helpers.js'

const KiB = 1024

/**
 * Issue 11: `put` on a flaky service. Every write endpoint an upload uses either answers 500 and
 * 502 before working, or carries the call out and loses the answer once; the remote state must
 * come out exactly right every time: one file of that name with the right bytes, no `name(1)`,
 * nothing in the recycle bin that should not be.
 */
describe('put on a flaky service', () => {
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

  const local = (data: Buffer | string) => {
    const path = join(f.workDir, `local-${++n}.bin`)
    writeFileSync(path, data)
    return path
  }
  const put = async (args: string[]) => {
    const r = await f.cli(['put', ...args, '--json'])
    return {...r, results: r.stdout.trim().startsWith('[') ? (JSON.parse(r.stdout) as PutResult[]) : []}
  }
  /** `500 or 502 twice`, or `the call is carried out and its answer lost once`. */
  const fault = (kind: FaultKind, endpoint: string) => injectWriteFault(f.emu, kind, endpoint)
  const names = (folder: string) => f.emu.fs().list(folder).map((e) => String(e.name)).sort()
  const trashedIds = () => f.emu.fs().trashed().map((t) => t.file_id)
  const faulted = (endpoint: string) => metWriteFault(f.emu, endpoint)

  const uploads: Array<{what: string; data: () => Buffer; args: string[]; endpoints: string[]}> = [
    {what: 'a small new file', data: () => pattern(5 * KiB, 11 + n), args: [], endpoints: ['create', 'complete']},
    {what: 'a multipart file', data: () => pattern(350 * KiB + 9, 21 + n), args: ['--part-size', '100KiB'], endpoints: ['create', 'complete']},
    {what: 'a multipart file without rapid upload', data: () => pattern(250 * KiB, 31 + n), args: ['--part-size', '100KiB', '--no-rapid'], endpoints: ['create', 'complete']},
  ]
  for (const kind of ['fails twice', 'loses its answer'] as const) {
    for (const upload of uploads) {
      for (const endpoint of upload.endpoints) {
        it(`${upload.what}: ${endpoint} ${kind}`, async () => {
          const folder = `/flaky-put/${++n}`
          f.emu.fs().mkdir(folder) // so that the fault meets the file's create, not the folder's
          const data = upload.data()
          const trashed = trashedIds()
          fault(kind, endpoint)
          const r = await put([local(data), `${folder}/file.bin`, ...upload.args])
          assert.equal(r.exitCode, 0, r.stderr)
          assert.ok(faulted(endpoint), 'the fault was met')
          assert.deepEqual(names(folder), ['file.bin'], 'one file, no name(1)')
          assert.ok(f.emu.fs().read(`${folder}/file.bin`).equals(data), 'the right bytes')
          assert.equal(r.results[0].file_id, f.emu.fs().get(`${folder}/file.bin`)?.file_id)
          assert.deepEqual(trashedIds(), trashed, 'nothing went to the recycle bin')
        })
      }
    }

    it(`a rapid-upload hit (the file exists at once): create ${kind}`, async () => {
      const folder = `/flaky-put/${++n}`
      f.emu.fs().mkdir(folder)
      const data = pattern(40 * KiB, 41 + n)
      f.emu.fs().put(`/flaky-put/known-${n}.bin`, data) // the service already has this content
      const trashed = trashedIds()
      fault(kind, 'create')
      const r = await put([local(data), `${folder}/file.bin`])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.results[0].rapid, true)
      assert.deepEqual(names(folder), ['file.bin'], 'the lost rapid upload is recognised: no name(1), no conflict')
      assert.ok(f.emu.fs().read(`${folder}/file.bin`).equals(data))
      assert.deepEqual(trashedIds(), trashed)
    })

    it(`--on-conflict rename with a rapid-upload hit: create ${kind}, one renamed copy only`, async () => {
      const folder = `/flaky-put/${++n}`
      const data = pattern(30 * KiB, 51 + n)
      f.emu.fs().put(`${folder}/file.bin`, 'the old content')
      f.emu.fs().put(`/flaky-put/known-${n}.bin`, data)
      fault(kind, 'create')
      const r = await put([local(data), `${folder}/file.bin`, '--on-conflict', 'rename'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(names(folder), ['file(1).bin', 'file.bin'], 'no file(2).bin')
      assert.ok(f.emu.fs().read(`${folder}/file(1).bin`).equals(data))
    })

    it(`into a new folder: the folder's create ${kind}; one folder, one file`, async () => {
      const name = `new-${++n}`
      const folder = `/flaky-put/${name}`
      const data = pattern(10 * KiB, 71 + n)
      fault(kind, 'create')
      const r = await put([local(data), `${folder}/deeper/file.bin`])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(names('/flaky-put').filter((x) => x.startsWith(name)), [name], 'no folder(1)')
      assert.deepEqual(names(folder), ['deeper'])
      assert.deepEqual(names(`${folder}/deeper`), ['file.bin'])
      assert.ok(f.emu.fs().read(`${folder}/deeper/file.bin`).equals(data))
    })

    it(`--on-conflict overwrite with the same bytes (a rapid hit on the old file's own content): create ${kind}`, async () => {
      const folder = `/flaky-put/${++n}`
      const data = pattern(25 * KiB, 81 + n)
      const old = f.emu.fs().put(`${folder}/file.bin`, data) as {file_id: string}
      const trashed = trashedIds()
      fault(kind, 'create')
      const r = await put([local(data), `${folder}/file.bin`, '--on-conflict', 'overwrite'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(f.emu.fs().list(folder).length, 1, 'the old file is not taken for the new one: no duplicate left')
      assert.notEqual(r.results[0].file_id, old.file_id)
      assert.deepEqual(trashedIds(), [...trashed, old.file_id])
    })

    for (const endpoint of ['create', 'complete', 'recyclebin/trash']) {
      it(`--on-conflict overwrite: ${endpoint} ${kind}; only the old file goes to the recycle bin`, async () => {
        const folder = `/flaky-put/${++n}`
        const old = f.emu.fs().put(`${folder}/file.bin`, 'the old content') as {file_id: string}
        const data = pattern(20 * KiB, 61 + n)
        const trashed = trashedIds()
        fault(kind, endpoint)
        const r = await put([local(data), `${folder}/file.bin`, '--on-conflict', 'overwrite'])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.ok(faulted(endpoint), 'the fault was met')
        assert.deepEqual(names(folder), ['file.bin'], 'one file: the new one')
        assert.ok(f.emu.fs().read(`${folder}/file.bin`).equals(data))
        assert.deepEqual(trashedIds(), [...trashed, old.file_id], 'the old file, and only it, in the recycle bin')
      })
    }
  }
})
