import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import {Context, openDrive} from '../../src/lib/context.js'
import type {Drive} from '../../src/lib/drive/drive.js'
import {readEnvironment} from '../../src/lib/env.js'
import type {MkdirResult} from '../../src/lib/manage/mkdir.js'
import type {MoveCopyResult} from '../../src/lib/manage/move-copy.js'
import {type RemovalSummary, type RemoveResult, remove} from '../../src/lib/manage/remove.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

const ASYNC_MS = 400
const TASK_PATH = '/adrive/v1.0/openFile/async_task/get'

/** Successful requests to an API path since the log was last cleared (429s retried don't count). */
function calls(f: Fixture, path: string): number {
  return f.emu.log.filter((e) => e.path === `/adrive/v1.0/openFile/${path}` && e.status === 200).length
}

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T
}

describe('manage commands: rm, mkdir, mv, cp', () => {
  let f: Fixture
  before(async () => {
    f = await setup({asyncTaskMs: ASYNC_MS})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  async function drive(): Promise<Drive> {
    return openDrive(new Context({env: readEnvironment(f.env), configDir: f.configDir, userAgent: 'alipan-test'}))
  }

  describe('rm', () => {
    it('trashes by default: the file is in the recycle bin and still counts against quota', async () => {
      f.emu.fs().put('/rm1/a.txt', 'x'.repeat(1000))
      const used = f.emu.spaceUsed()
      const r = await f.cli(['rm', '-f', '/rm1/a.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      const [result] = json<RemoveResult[]>(r.stdout)
      assert.deepEqual({...result, file_id: typeof result.file_id}, {path: '/rm1/a.txt', file_id: 'string', type: 'file', method: 'trash', removed: true})
      assert.equal(f.emu.fs().get('/rm1/a.txt'), undefined)
      assert.ok(f.emu.fs().trashed().some((t) => t.file_id === result.file_id), 'in the recycle bin')
      assert.equal(f.emu.spaceUsed(), used, 'trash keeps the quota')
      assert.equal(calls(f, 'recyclebin/trash'), 1)
      assert.equal(calls(f, 'delete'), 0)
    })

    it('says (stderr) that restoring happens in the Alipan app; stdout stays empty', async () => {
      f.emu.fs().put('/rm2/a.txt', 'abc')
      const r = await f.cli(['rm', '-f', '/rm2/a.txt'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /Trashed \/rm2\/a\.txt/)
      assert.match(r.stderr, /Restore .*in the Alipan app/)
    })

    it('--permanent deletes: gone from the bin too, and the quota goes down', async () => {
      const file = f.emu.fs().put('/rm3/big.bin', Buffer.alloc(4096, 7))
      const used = f.emu.spaceUsed()
      const r = await f.cli(['rm', '-f', '--permanent', '/rm3/big.bin', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<RemoveResult[]>(r.stdout)[0].method, 'delete')
      assert.equal(f.emu.fs().get('/rm3/big.bin'), undefined)
      assert.ok(!f.emu.fs().trashed().some((t) => t.file_id === file.file_id), 'not in the recycle bin')
      assert.equal(f.emu.spaceUsed(), used - 4096)
      assert.doesNotMatch(r.stderr, /recycle bin/i)
    })

    it('the removal-method setting picks delete; --no-permanent forces the recycle bin', async () => {
      f.emu.fs().put('/rm4/a.txt', 'a')
      f.emu.fs().put('/rm4/b.txt', 'b')
      assert.equal((await f.cli(['config', 'set', 'removal-method', 'delete'])).exitCode, 0)
      try {
        const a = await f.cli(['rm', '-f', '/rm4/a.txt', '--json'])
        assert.equal(json<RemoveResult[]>(a.stdout)[0].method, 'delete')
        const b = await f.cli(['rm', '-f', '--no-permanent', '/rm4/b.txt', '--json'])
        assert.equal(json<RemoveResult[]>(b.stdout)[0].method, 'trash')
        assert.equal(calls(f, 'delete'), 1)
        assert.equal(calls(f, 'recyclebin/trash'), 1)
      } finally {
        await f.cli(['config', 'unset', 'removal-method'])
      }
    })

    it('without a terminal and without --force: refused (exit 2, hint), nothing removed', async () => {
      f.emu.fs().put('/rm5/keep.txt', 'keep')
      const r = await f.spawn(['rm', '/rm5/keep.txt'])
      assert.equal(r.status, 2, r.stderr)
      assert.match(r.stderr, /Refusing .*no terminal/)
      assert.match(r.stderr, /Hint: pass --force/)
      assert.ok(f.emu.fs().get('/rm5/keep.txt'))
      assert.equal(calls(f, 'recyclebin/trash'), 0)
    })

    it('a missing path: exit 3 without --force; with --force exit 0 and removed: false', async () => {
      const missing = await f.spawn(['rm', '/nope/missing.txt'])
      assert.equal(missing.status, 3, missing.stderr)
      assert.match(missing.stderr, /Not found: \/nope\/missing\.txt/)
      const forced = await f.spawn(['rm', '-f', '/nope/missing.txt', '--json'])
      assert.equal(forced.status, 0, forced.stderr)
      assert.deepEqual(json(forced.stdout), [{path: '/nope/missing.txt', file_id: null, type: null, method: 'trash', removed: false}])
    })

    it('a missing path stops everything before anything is removed', async () => {
      f.emu.fs().put('/rm6/a.txt', 'a')
      const r = await f.cli(['rm', '/rm6/a.txt', '/rm6/missing.txt'])
      assert.equal(r.exitCode, 3)
      assert.ok(f.emu.fs().get('/rm6/a.txt'), 'the existing one is still there')
    })

    it('a folder needs -r (exit 2 with a hint); the root is refused', async () => {
      f.emu.fs().put('/rm7/dir/a.txt', 'a')
      const r = await f.cli(['rm', '-f', '/rm7/dir'])
      assert.equal(r.exitCode, 2)
      assert.match(r.stderr, /is a folder/)
      assert.match(r.stderr, /Hint: use -r/)
      const root = await f.cli(['rm', '-rf', '/'])
      assert.equal(root.exitCode, 2)
      assert.match(root.stderr, /root folder/)
      assert.ok(f.emu.fs().get('/rm7/dir/a.txt'))
    })

    it('-r on a folder waits for the async task (Running for a while) before reporting', async () => {
      f.emu.fs().put('/rm8/dir/a.txt', 'a')
      f.emu.fs().put('/rm8/dir/sub/b.txt', 'b')
      const started = Date.now()
      const r = await f.cli(['rm', '-rf', '/rm8/dir', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(Date.now() - started >= ASYNC_MS - 50, 'waited for the task')
      assert.equal(json<RemoveResult[]>(r.stdout)[0].removed, true)
      const polls = f.emu.log.filter((e) => e.path === TASK_PATH && e.status === 200)
      assert.ok(polls.length >= 2, `polled until Succeed (${polls.length} polls)`)
      assert.equal(f.emu.fs().get('/rm8/dir'), undefined)
    })

    it('a folder task that ends Failed is an error; the folder stays', async () => {
      f.emu.fs().put('/rm9/dir/a.txt', 'a')
      f.emu.faults.failAsyncTasks(1)
      const r = await f.cli(['rm', '-rf', '/rm9/dir', '--json'])
      assert.equal(r.exitCode, 1)
      const [result] = json<RemoveResult[]>(r.stdout)
      assert.equal(result.removed, false)
      assert.equal(result.error?.code, 'AsyncTaskFailed')
      assert.match(r.stderr, /operation failed/)
      assert.ok(f.emu.fs().get('/rm9/dir/a.txt'))
    })

    it('a path inside another one being removed is not removed twice', async () => {
      f.emu.fs().put('/rm10/dir/a.txt', 'a')
      const r = await f.cli(['rm', '-rf', '/rm10/dir', '/rm10/dir/a.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(
        json<RemoveResult[]>(r.stdout).map((x) => x.path),
        ['/rm10/dir'],
      )
      assert.equal(calls(f, 'recyclebin/trash'), 1)
    })

    it('service: confirm() sees counts and sizes of a folder; "no" removes nothing, "yes" removes', async () => {
      f.emu.fs().put('/rm11/dir/a.bin', Buffer.alloc(100))
      f.emu.fs().put('/rm11/dir/sub/b.bin', Buffer.alloc(200))
      f.emu.fs().put('/rm11/dir/sub/c.bin', Buffer.alloc(300))
      f.emu.fs().put('/rm11/one.txt', 'hello')
      const seen: RemovalSummary[] = []
      const d = await drive()
      const declined = await remove(d, {
        paths: ['/rm11/dir', '/rm11/one.txt'],
        method: 'delete',
        recursive: true,
        confirm: async (summary) => {
          seen.push(summary)
          return false
        },
      })
      assert.deepEqual(seen[0], {
        method: 'delete',
        targets: [
          {path: '/rm11/dir', type: 'folder', size: 600, files: 3, folders: 1, complete: true},
          {path: '/rm11/one.txt', type: 'file', size: 5},
        ],
      })
      assert.ok(declined.every((r) => !r.removed))
      assert.ok(f.emu.fs().get('/rm11/dir/sub/c.bin') && f.emu.fs().get('/rm11/one.txt'))
      assert.equal(calls(f, 'delete'), 0)

      const accepted = await remove(await drive(), {paths: ['/rm11/dir', '/rm11/one.txt'], method: 'delete', recursive: true, confirm: async () => true})
      assert.ok(accepted.every((r) => r.removed))
      assert.equal(f.emu.fs().get('/rm11/dir'), undefined)
      assert.equal(f.emu.fs().get('/rm11/one.txt'), undefined)
    })

    it('service: the folder walk for the confirmation stops at the limit and says "at least"', async () => {
      for (let i = 0; i < 5; i++) f.emu.fs().put(`/rm12/dir/f${i}.txt`, 'x')
      let summary: RemovalSummary | undefined
      await remove(await drive(), {
        paths: ['/rm12/dir'],
        method: 'trash',
        recursive: true,
        walkLimit: 3,
        confirm: async (s) => {
          summary = s
          return false
        },
      })
      assert.equal(summary?.targets[0].complete, false)
    })

    it('service: without force and without a way to confirm, refused before anything is removed', async () => {
      f.emu.fs().put('/rm13/a.txt', 'a')
      await assert.rejects(remove(await drive(), {paths: ['/rm13/a.txt'], method: 'trash'}), {exitCode: 2})
      assert.ok(f.emu.fs().get('/rm13/a.txt'))
    })
  })

  describe('mkdir', () => {
    it('creates a folder; an existing one is a conflict (6); a missing parent is not found (3)', async () => {
      const r = await f.cli(['mkdir', '/mk1', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      const [made] = json<MkdirResult[]>(r.stdout)
      assert.equal(made.created, true)
      assert.equal(f.emu.fs().get('/mk1')?.file_id, made.file_id)
      const again = await f.cli(['mkdir', '/mk1'])
      assert.equal(again.exitCode, 6)
      assert.match(again.stderr, /already exists/)
      const orphan = await f.cli(['mkdir', '/mk1/missing/child'])
      assert.equal(orphan.exitCode, 3)
      assert.match(orphan.stderr, /Hint: use -p/)
    })

    it('-p creates the chain, is idempotent, and reuses refuse → exist:true', async () => {
      const r = await f.cli(['mkdir', '-p', '/mk2/a/b/c', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MkdirResult[]>(r.stdout)[0].created, true)
      assert.equal(f.emu.fs().get('/mk2/a/b/c')?.type, 'folder')
      const again = await f.cli(['mkdir', '-p', '/mk2/a/b/c', '/mk2/a/b/d', '--json'])
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual(
        json<MkdirResult[]>(again.stdout).map((x) => [x.path, x.created]),
        [
          ['/mk2/a/b/c', false],
          ['/mk2/a/b/d', true],
        ],
      )
      assert.equal(f.emu.fs().list('/mk2/a/b').length, 2, 'no duplicates')
    })

    it('a file in the way is a conflict, with or without -p; other paths still get created', async () => {
      f.emu.fs().put('/mk3/file', 'x')
      assert.equal((await f.cli(['mkdir', '/mk3/file'])).exitCode, 6)
      assert.equal((await f.cli(['mkdir', '-p', '/mk3/file/sub'])).exitCode, 6)
      const mixed = await f.cli(['mkdir', '-p', '/mk3/file', '/mk3/ok', '--json'])
      assert.equal(mixed.exitCode, 6)
      const results = json<MkdirResult[]>(mixed.stdout)
      assert.equal(results[0].error?.code, 'Conflict')
      assert.equal(results[1].created, true)
      assert.match(mixed.stderr, /1 of 2 failed/)
    })
  })

  describe('mv', () => {
    it('a rename in the same folder uses update, not move', async () => {
      const orig = f.emu.fs().put('/mv1/old.txt', 'data')
      const r = await f.cli(['mv', '/mv1/old.txt', '/mv1/new.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(json<MoveCopyResult[]>(r.stdout), [{source: '/mv1/old.txt', destination: '/mv1/new.txt', type: 'file', file_id: orig.file_id, skipped: false, replaced: null}])
      assert.equal(f.emu.fs().get('/mv1/new.txt')?.file_id, orig.file_id)
      assert.equal(f.emu.fs().get('/mv1/old.txt'), undefined)
      assert.equal(calls(f, 'update'), 1)
      assert.equal(calls(f, 'move'), 0)
    })

    it('into an existing folder, into DST/ and several sources at once', async () => {
      f.emu.fs().put('/mv2/a.txt', 'a')
      f.emu.fs().put('/mv2/b.txt', 'b')
      f.emu.fs().put('/mv2/c.txt', 'c')
      f.emu.fs().mkdir('/mv2/dest')
      assert.equal((await f.cli(['mv', '/mv2/a.txt', '/mv2/dest'])).exitCode, 0)
      assert.equal((await f.cli(['mv', '/mv2/b.txt', '/mv2/c.txt', '/mv2/dest/'])).exitCode, 0)
      assert.deepEqual(f.emu.fs().list('/mv2/dest').map((e) => e.name).sort(), ['a.txt', 'b.txt', 'c.txt'])
      const missing = await f.cli(['mv', '/mv2/dest/a.txt', '/mv2/nowhere/'])
      assert.equal(missing.exitCode, 3)
      assert.match(missing.stderr, /No such folder: \/mv2\/nowhere/)
    })

    it('across folders with a new name ends with exactly that name', async () => {
      const orig = f.emu.fs().put('/mv3/src/a.txt', 'a')
      f.emu.fs().mkdir('/mv3/dst')
      const r = await f.cli(['mv', '/mv3/src/a.txt', '/mv3/dst/renamed.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/mv3/dst/renamed.txt')
      assert.equal(f.emu.fs().get('/mv3/dst/renamed.txt')?.file_id, orig.file_id)
      assert.equal(f.emu.fs().list('/mv3/dst').length, 1)
    })

    it('--on-conflict fail (the non-terminal default): exit 6, nothing changes', async () => {
      f.emu.fs().put('/mv4/a.txt', 'new')
      f.emu.fs().put('/mv4/dst/a.txt', 'old')
      const r = await f.spawn(['mv', '/mv4/a.txt', '/mv4/dst/'])
      assert.equal(r.status, 6, r.stderr)
      assert.match(r.stderr, /already exists/)
      assert.match(r.stderr, /--on-conflict/)
      assert.equal(f.emu.fs().read('/mv4/dst/a.txt').toString(), 'old')
      assert.ok(f.emu.fs().get('/mv4/a.txt'))
    })

    it('--on-conflict skip leaves both', async () => {
      f.emu.fs().put('/mv5/a.txt', 'new')
      const old = f.emu.fs().put('/mv5/dst/a.txt', 'old')
      const r = await f.cli(['mv', '/mv5/a.txt', '/mv5/dst/', '--on-conflict', 'skip', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(json<MoveCopyResult[]>(r.stdout)[0], {source: '/mv5/a.txt', destination: '/mv5/dst/a.txt', type: 'file', file_id: old.file_id, skipped: true, replaced: null})
      assert.ok(f.emu.fs().get('/mv5/a.txt'))
    })

    it('--on-conflict overwrite: the old entry goes to the recycle bin after the move', async () => {
      const moving = f.emu.fs().put('/mv6/a.txt', 'new')
      const old = f.emu.fs().put('/mv6/dst/a.txt', 'old')
      const r = await f.cli(['mv', '/mv6/a.txt', '/mv6/dst/', '--on-conflict', 'overwrite', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].replaced, old.file_id)
      assert.equal(f.emu.fs().read('/mv6/dst/a.txt').toString(), 'new')
      assert.equal(f.emu.fs().get('/mv6/dst/a.txt')?.file_id, moving.file_id)
      assert.equal(f.emu.fs().list('/mv6/dst').length, 1)
      assert.ok(f.emu.fs().trashed().some((t) => t.file_id === old.file_id))
      const order = f.emu.log.filter((e) => e.status === 200 && /openFile\/(move|recyclebin\/trash)$/.test(e.path)).map((e) => e.path.split('/').pop())
      assert.deepEqual(order, ['move', 'trash'], 'trash only after the move')
    })

    it('--on-conflict rename: a numbered name', async () => {
      f.emu.fs().put('/mv7/a.txt', 'new')
      f.emu.fs().put('/mv7/dst/a.txt', 'old')
      const r = await f.cli(['mv', '/mv7/a.txt', '/mv7/dst/', '--on-conflict', 'rename', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/mv7/dst/a(1).txt')
      assert.equal(f.emu.fs().read('/mv7/dst/a(1).txt').toString(), 'new')
      assert.equal(f.emu.fs().read('/mv7/dst/a.txt').toString(), 'old')
    })

    it('a same-folder rename onto a taken name follows --on-conflict too', async () => {
      f.emu.fs().put('/mv8/a.txt', 'A')
      const b = f.emu.fs().put('/mv8/b.txt', 'B')
      assert.equal((await f.cli(['mv', '/mv8/a.txt', '/mv8/b.txt'])).exitCode, 6)
      const r = await f.cli(['mv', '/mv8/a.txt', '/mv8/b.txt', '--on-conflict', 'overwrite', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(f.emu.fs().read('/mv8/b.txt').toString(), 'A')
      assert.deepEqual(f.emu.fs().list('/mv8').map((e) => e.name), ['b.txt'])
      assert.ok(f.emu.fs().trashed().some((t) => t.file_id === b.file_id))
    })

    it('a folder move that answers an async task is waited for', async () => {
      f.emu.fs().put('/mv9/dir/inner.txt', 'x')
      f.emu.fs().mkdir('/mv9/dst')
      const r = await f.cli(['mv', '/mv9/dir', '/mv9/dst', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/mv9/dst/dir')
      assert.ok(f.emu.log.filter((e) => e.path === TASK_PATH && e.status === 200).length >= 2)
      assert.equal(f.emu.fs().read('/mv9/dst/dir/inner.txt').toString(), 'x')
    })

    it('moving a folder into itself, or a file onto itself, is a usage error', async () => {
      f.emu.fs().put('/mv10/dir/sub/x.txt', 'x')
      assert.equal((await f.cli(['mv', '/mv10/dir', '/mv10/dir/sub'])).exitCode, 2)
      assert.equal((await f.cli(['mv', '/mv10/dir/sub/x.txt', '/mv10/dir/sub/x.txt'])).exitCode, 2)
      assert.equal((await f.cli(['mv', '/mv10/dir'])).exitCode, 2, 'needs a destination')
      assert.ok(f.emu.fs().get('/mv10/dir/sub/x.txt'))
    })

    it('a missing source fails that source only (exit 3); the others are moved', async () => {
      f.emu.fs().put('/mv11/a.txt', 'a')
      f.emu.fs().mkdir('/mv11/dst')
      const r = await f.cli(['mv', '/mv11/missing.txt', '/mv11/a.txt', '/mv11/dst', '--json'])
      assert.equal(r.exitCode, 3)
      const results = json<MoveCopyResult[]>(r.stdout)
      assert.equal(results[0].error?.code, 'NotFound')
      assert.equal(results[1].destination, '/mv11/dst/a.txt')
    })
  })

  describe('cp', () => {
    it('copies a file into another folder server-side; the source stays', async () => {
      f.emu.fs().put('/cp1/a.txt', 'content')
      f.emu.fs().mkdir('/cp1/dst')
      const r = await f.cli(['cp', '/cp1/a.txt', '/cp1/dst', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      const [result] = json<MoveCopyResult[]>(r.stdout)
      assert.equal(result.destination, '/cp1/dst/a.txt')
      assert.equal(f.emu.fs().get('/cp1/dst/a.txt')?.file_id, result.file_id)
      assert.equal(f.emu.fs().read('/cp1/dst/a.txt').toString(), 'content')
      assert.ok(f.emu.fs().get('/cp1/a.txt'))
      assert.equal(f.emu.counters.bytesOut, 0, 'no data through the client')
    })

    it('into the same folder under a new name (auto_rename, then rename)', async () => {
      f.emu.fs().put('/cp2/a.txt', 'content')
      const r = await f.cli(['cp', '/cp2/a.txt', '/cp2/b.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/cp2/b.txt')
      assert.deepEqual(f.emu.fs().list('/cp2').map((e) => e.name).sort(), ['a.txt', 'b.txt'])
    })

    it('onto itself needs --on-conflict rename, which makes a numbered copy', async () => {
      f.emu.fs().put('/cp3/a.txt', 'content')
      assert.equal((await f.cli(['cp', '/cp3/a.txt', '/cp3/'])).exitCode, 2)
      const r = await f.cli(['cp', '/cp3/a.txt', '/cp3/', '--on-conflict', 'rename', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/cp3/a(1).txt')
    })

    it('a folder copy waits for its async task and copies the whole tree', async () => {
      f.emu.fs().put('/cp4/dir/a.txt', 'a')
      f.emu.fs().put('/cp4/dir/sub/b.txt', 'b')
      const started = Date.now()
      const r = await f.cli(['cp', '/cp4/dir', '/cp4/copy', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(Date.now() - started >= ASYNC_MS - 50)
      assert.ok(f.emu.log.filter((e) => e.path === TASK_PATH && e.status === 200).length >= 2)
      assert.equal(json<MoveCopyResult[]>(r.stdout)[0].destination, '/cp4/copy')
      assert.equal(f.emu.fs().read('/cp4/copy/sub/b.txt').toString(), 'b')
      assert.ok(f.emu.fs().get('/cp4/dir/sub/b.txt'))
    })

    it('conflict modes: fail (6), skip, overwrite (old to the bin after), rename', async () => {
      f.emu.fs().put('/cp5/a.txt', 'new')
      const old = f.emu.fs().put('/cp5/dst/a.txt', 'old')
      const fail = await f.cli(['cp', '/cp5/a.txt', '/cp5/dst'])
      assert.equal(fail.exitCode, 6)
      assert.equal(f.emu.fs().list('/cp5/dst').length, 1, 'no stray copy left')

      const skip = await f.cli(['cp', '/cp5/a.txt', '/cp5/dst', '--on-conflict', 'skip', '--json'])
      assert.equal(json<MoveCopyResult[]>(skip.stdout)[0].skipped, true)
      assert.equal(f.emu.fs().read('/cp5/dst/a.txt').toString(), 'old')

      const rename = await f.cli(['cp', '/cp5/a.txt', '/cp5/dst', '--on-conflict', 'rename', '--json'])
      assert.equal(json<MoveCopyResult[]>(rename.stdout)[0].destination, '/cp5/dst/a(1).txt')

      f.emu.resetCounters()
      const over = await f.cli(['cp', '/cp5/a.txt', '/cp5/dst', '--on-conflict', 'overwrite', '--json'])
      assert.equal(over.exitCode, 0, over.stderr)
      assert.equal(json<MoveCopyResult[]>(over.stdout)[0].replaced, old.file_id)
      assert.equal(f.emu.fs().read('/cp5/dst/a.txt').toString(), 'new')
      assert.deepEqual(f.emu.fs().list('/cp5/dst').map((e) => e.name).sort(), ['a(1).txt', 'a.txt'])
      assert.ok(f.emu.fs().trashed().some((t) => t.file_id === old.file_id))
      const order = f.emu.log.filter((e) => e.status === 200 && /openFile\/(copy|recyclebin\/trash)$/.test(e.path)).map((e) => e.path.split('/').pop())
      assert.deepEqual(order, ['copy', 'trash'])
    })

    it('overwrite refuses to replace a folder with a file', async () => {
      f.emu.fs().put('/cp6/x', 'file')
      f.emu.fs().put('/cp6/dst/x/inner.txt', 'keep')
      const r = await f.cli(['cp', '/cp6/x', '/cp6/dst', '--on-conflict', 'overwrite'])
      assert.equal(r.exitCode, 6)
      assert.ok(f.emu.fs().get('/cp6/dst/x/inner.txt'))
    })
  })

  describe('--dry-run (rm, mv, cp): every check, no change, no question', () => {
    const writes = /openFile\/(recyclebin\/trash|delete|move|copy|update|create|complete)$/

    it('rm -r -n: says what would go, with counts; nothing removed; without a terminal, --force as a real run needs it', async () => {
      f.emu.fs().put('/dry1/dir/a.txt', 'x'.repeat(100))
      f.emu.fs().put('/dry1/dir/sub/b.txt', 'y'.repeat(50))
      f.emu.fs().put('/dry1/c.txt', 'z')
      f.emu.resetCounters()
      const refused = await f.cli(['rm', '-r', '-n', '/dry1/dir'])
      assert.equal(refused.exitCode, 2, 'no terminal and no --force: refused, as the real run would be')
      const r = await f.cli(['rm', '-r', '-n', '-f', '/dry1/dir', '/dry1/c.txt', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      const results = json<RemoveResult[]>(r.stdout)
      assert.deepEqual(results.map((x) => [x.path, x.removed, x.dry_run, x.method]), [['/dry1/dir', false, true, 'trash'], ['/dry1/c.txt', false, true, 'trash']])
      assert.deepEqual(results[0].contents, {path: '/dry1/dir', type: 'folder', size: 150, files: 2, folders: 1, complete: true})
      const human = await f.cli(['rm', '-rf', '--dry-run', '/dry1/dir'])
      assert.equal(human.exitCode, 0, human.stderr)
      assert.match(human.stderr, /Would trash \/dry1\/dir\/ \(folder: 2 files, 1 folder/)
      assert.ok(f.emu.fs().get('/dry1/dir/sub/b.txt') && f.emu.fs().get('/dry1/c.txt'), 'nothing removed')
      assert.equal(f.emu.log.filter((e) => writes.test(e.path)).length, 0)

      const permanent = await f.cli(['rm', '-nf', '--permanent', '/dry1/c.txt'])
      assert.match(permanent.stderr, /Would permanently delete \/dry1\/c\.txt/)
      // The same refusals as a real run: a missing path (3), a folder without -r (2).
      assert.equal((await f.cli(['rm', '-n', '/dry1/missing'])).exitCode, 3)
      assert.equal((await f.cli(['rm', '-nf', '/dry1/dir'])).exitCode, 2)
      assert.ok(f.emu.fs().get('/dry1/c.txt'))
    })

    it('mv -n and cp -n: the plan, the same exit codes as a real run, and no write call', async () => {
      f.emu.fs().put('/dry2/a.txt', 'new')
      const old = f.emu.fs().put('/dry2/dst/a.txt', 'old')
      f.emu.fs().put('/dry2/b.txt', 'b')
      f.emu.resetCounters()

      const moved = await f.cli(['mv', '-n', '/dry2/b.txt', '/dry2/dst', '--json'])
      assert.equal(moved.exitCode, 0, moved.stderr)
      assert.deepEqual(json<MoveCopyResult[]>(moved.stdout).map((x) => [x.destination, x.dry_run, x.replaced]), [['/dry2/dst/b.txt', true, null]])
      assert.match((await f.cli(['mv', '-n', '/dry2/b.txt', '/dry2/dst'])).stderr, /Would move \/dry2\/b\.txt → \/dry2\/dst\/b\.txt/)

      assert.equal((await f.cli(['cp', '-n', '/dry2/a.txt', '/dry2/dst'])).exitCode, 6, 'a taken name fails as it would')
      const over = await f.cli(['cp', '-n', '/dry2/a.txt', '/dry2/dst', '--on-conflict', 'overwrite', '--json'])
      assert.equal(json<MoveCopyResult[]>(over.stdout)[0].replaced, old.file_id)
      const overHuman = await f.cli(['cp', '-n', '/dry2/a.txt', '/dry2/dst', '--on-conflict', 'overwrite'])
      assert.match(overHuman.stderr, /Would copy \/dry2\/a\.txt → \/dry2\/dst\/a\.txt \(the old one would go to the recycle bin\)/)
      const renamed = await f.cli(['cp', '-n', '/dry2/a.txt', '/dry2/dst', '--on-conflict', 'rename', '--json'])
      assert.equal(json<MoveCopyResult[]>(renamed.stdout)[0].numbered, true)
      const across = await f.cli(['cp', '-n', '/dry2/a.txt', 'alipan,drive=resource:/', '--json'])
      assert.equal(across.exitCode, 0, across.stderr)
      assert.equal(json<MoveCopyResult[]>(across.stdout)[0].dry_run, true)
      assert.equal((await f.cli(['mv', '-n', '/dry2/missing', '/dry2/dst'])).exitCode, 3)
      // Two sources of one name: the second finds the name its predecessor would take.
      f.emu.fs().put('/dry2/other/b.txt', 'b2')
      assert.equal((await f.cli(['cp', '-n', '/dry2/b.txt', '/dry2/other/b.txt', '/dry2/dst'])).exitCode, 6)
      const both = await f.cli(['cp', '-n', '/dry2/b.txt', '/dry2/other/b.txt', '/dry2/dst', '--on-conflict', 'skip', '--json'])
      assert.deepEqual(json<MoveCopyResult[]>(both.stdout).map((x) => x.skipped), [false, true])
      // A copy a real run refuses (file by file into an encrypted location) is refused by the dry run too.
      assert.equal((await f.cli(['crypt', 'add', 'dryvault', '--remote', 'alipan:/dryvault'], {env: {ALIPAN_CRYPT_PASSWORD: 'dry run pw'}})).exitCode, 0)
      const encrypted = await f.cli(['cp', '-n', '/dry2/a.txt', 'dryvault:/'])
      assert.equal(encrypted.exitCode, 2, encrypted.stderr)
      assert.match(encrypted.stderr, /encrypted location is not supported/)

      assert.equal(f.emu.log.filter((e) => writes.test(e.path)).length, 0, 'no write call')
      assert.equal(f.emu.fs().read('/dry2/dst/a.txt').toString(), 'old')
      assert.ok(f.emu.fs().get('/dry2/b.txt'))
      assert.equal((await f.cli(['ls', 'alipan,drive=resource:/'])).stdout, '', 'nothing reached the other drive')
    })
  })
})
