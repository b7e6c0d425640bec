import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {DedupeResult} from '../../src/lib/metadata/dedupe.js'
import {type Fixture, setup} from '../support.js'
import {plantDuplicate} from '../duplicates.js'
import '../helpers.js'

const JAN = '2026-01-01T00:00:00.000Z'
const FEB = '2026-02-01T00:00:00.000Z'
const MAR = '2026-03-01T00:00:00.000Z'

describe('dedupe', () => {
  let f: Fixture
  let n = 0
  let dir: string
  /** The planted groups' ids: a.txt (3, two of them identical), b.txt (2), sub/ (2 folders); solo.txt is in no group. */
  let ids: {a1: string; a2: string; a3: string; b1: string; b2: string; sub1: string; sub2: string; solo: string}
  const names = (path: string) => f.emu.fs().list(path).map((e) => `${e.name}${e.type === 'folder' ? '/' : ''}`).sort()
  const idsOf = (path: string, name: string) => f.emu.fs().list(path).filter((e) => e.name === name).map((e) => e.file_id as string)
  const dedupe = async (...args: string[]) => {
    const r = await f.cli(['dedupe', dir, ...args, '--json'])
    return {...r, result: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as DedupeResult) : undefined}
  }

  before(async () => {
    f = await setup({rateLimit: false, asyncTaskMs: 20})
    await f.login()
  })
  after(() => f.close())
  beforeEach(async () => {
    dir = `/dupes${++n}`
    const fs = f.emu.fs()
    const a1 = fs.put(`${dir}/a.txt`, 'v1', {localModifiedAt: JAN}).file_id as string
    const a2 = await plantDuplicate(f.emu, dir, 'a.txt', 'v22', {localModifiedAt: MAR})
    const a3 = await plantDuplicate(f.emu, dir, 'a.txt', 'v1', {localModifiedAt: FEB})
    const b1 = fs.put(`${dir}/b.txt`, 'b', {localModifiedAt: JAN}).file_id as string
    const b2 = await plantDuplicate(f.emu, dir, 'b.txt', 'bbbb', {localModifiedAt: FEB})
    const sub1 = fs.mkdir(`${dir}/sub`).file_id as string
    fs.put(`${dir}/sub/in1.txt`, 'one')
    const sub2 = await plantDuplicate(f.emu, dir, 'sub', null)
    const solo = fs.put(`${dir}/solo.txt`, 'alone').file_id as string
    ids = {a1, a2, a3, b1, b2, sub1, sub2, solo}
    f.emu.resetCounters()
  })

  /** sub#2 holds in1.txt (other content) and in2.txt: merging makes in1.txt a duplicate inside sub. */
  const fillSecondSub = async () => {
    const token = f.emu.issueTokens().access_token
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${f.emu.url}/adrive/v1.0/openFile/${path}`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: JSON.stringify(body)})
      return (await response.json()) as {file_id: string}
    }
    for (const [name, content] of [
      ['in1.txt', 'ONE!'],
      ['in2.txt', 'two'],
    ]) {
      const made = f.emu.fs().put(`/scratch${n}/${name}`, content)
      await post('move', {drive_id: f.emu.user.default_drive_id, file_id: made.file_id, to_parent_file_id: ids.sub2, check_name_mode: 'ignore'})
    }
  }

  for (const [mode, keptA, keptB] of [
    ['first', 'a1', 'b1'],
    ['newest', 'a2', 'b2'],
    ['oldest', 'a1', 'b1'],
    ['largest', 'a2', 'b2'],
    ['smallest', 'a1', 'b1'],
  ] as const) {
    it(`--mode ${mode} -r keeps exactly one entry per group (the ${mode}), merges same-named folders, touches nothing else`, async () => {
      await fillSecondSub()
      const r = await dedupe('-r', '--mode', mode)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(names(dir), ['a.txt', 'b.txt', 'solo.txt', 'sub/'])
      assert.deepEqual(idsOf(dir, 'a.txt'), [ids[keptA]])
      assert.deepEqual(idsOf(dir, 'b.txt'), [ids[keptB]])
      assert.deepEqual(idsOf(dir, 'sub'), [ids.sub1], 'merged into the first folder')
      assert.deepEqual(names(`${dir}/sub`), ['in1.txt', 'in2.txt'], '-r dedupes what the merge brought together')
      assert.deepEqual(idsOf(dir, 'solo.txt'), [ids.solo])
      const removed = r.result!.actions.filter((a) => a.action === 'remove')
      assert.ok(removed.every((a) => a.method === 'trash'))
      const trashed = f.emu.fs().trashed().map((e) => e.file_id)
      for (const action of removed) assert.ok(trashed.includes(action.file_id), `${action.path} went to the recycle bin`)
      assert.equal(r.result!.summary.merged, 1)
    })
  }

  it('--mode skip removes only identical copies; what differs stays, folders stay apart', async () => {
    const r = await dedupe('--mode', 'skip')
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(idsOf(dir, 'a.txt').sort(), [ids.a1, ids.a2].sort(), 'a3 (identical to a1) went')
    assert.equal(idsOf(dir, 'b.txt').length, 2)
    assert.equal(idsOf(dir, 'sub').length, 2)
    assert.deepEqual(r.result!.actions.map((a) => [a.action, a.file_id, a.reason]), [['remove', ids.a3, 'identical']])
  })

  it('--mode rename gives all but the first a free name and keeps every content', async () => {
    const r = await dedupe('--mode', 'rename')
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(names(dir), ['a-1.txt', 'a.txt', 'b-1.txt', 'b.txt', 'solo.txt', 'sub-1/', 'sub/'])
    assert.deepEqual(idsOf(dir, 'a-1.txt'), [ids.a2])
    assert.deepEqual(idsOf(dir, 'sub-1'), [ids.sub2])
    assert.equal(f.emu.fs().read(`${dir}/b-1.txt`).toString(), 'bbbb')
  })

  it('--mode list and --dry-run change nothing and say what they would do', async () => {
    const listed = await dedupe('--mode', 'list')
    assert.equal(listed.exitCode, 0)
    assert.deepEqual(listed.result!.groups.map((g) => [g.key, g.type, g.entries.length]), [
      [`${dir}/a.txt`, 'file', 3],
      [`${dir}/b.txt`, 'file', 2],
      [`${dir}/sub`, 'folder', 2],
    ])
    assert.deepEqual(listed.result!.actions, [])
    const dry = await dedupe('--mode', 'newest', '--dry-run')
    assert.equal(dry.exitCode, 0)
    assert.deepEqual(dry.result!.actions.map((a) => [a.action, a.file_id]), [
      ['remove', ids.a1],
      ['remove', ids.a3],
      ['remove', ids.b1],
      ['merge', ids.sub2],
    ])
    assert.equal(f.emu.log.filter((e) => /openFile\/(update|move|recyclebin\/trash|delete)$/.test(e.path)).length, 0, 'no write call')
    assert.equal(f.emu.fs().list(dir).length, 8)
    const text = await f.cli(['dedupe', dir, '--mode', 'newest', '--dry-run'])
    assert.match(text.stdout, /a\.txt: 3 files with this name\n {2}1\. 2 B {2}2026-01-01/)
    assert.match(text.stdout, /remove \S+\/a\.txt #1 \(identical to \S+\/a\.txt #3\)\n {2}remove \S+\/a\.txt #3 \(keeping \S+\/a\.txt #2\)/)
  })

  it('--by-hash keeps one file of each content anywhere under PATH; --permanent deletes instead of trashing', async () => {
    const fs = f.emu.fs()
    fs.put(`${dir}/x/p.txt`, 'alone') // same content as solo.txt
    fs.put(`${dir}/y/q.txt`, 'alone')
    const r = await dedupe('-r', '--by-hash', '--mode', 'first', '--permanent')
    assert.equal(r.exitCode, 0, r.stderr)
    const groups = r.result!.groups.map((g) => g.entries.map((e) => e.path))
    assert.deepEqual(groups, [
      [`${dir}/a.txt`, `${dir}/a.txt`],
      [`${dir}/solo.txt`, `${dir}/x/p.txt`, `${dir}/y/q.txt`],
    ])
    assert.deepEqual(names(`${dir}/x`), [])
    assert.deepEqual(names(`${dir}/y`), [])
    assert.deepEqual(idsOf(dir, 'solo.txt'), [ids.solo])
    assert.equal(idsOf(dir, 'a.txt').length, 2, 'a1 and a2 differ: only the identical a3 went')
    assert.equal(idsOf(dir, 'b.txt').length, 2, 'b.txt: no two of one content')
    const trashed = fs.trashed().map((e) => e.file_id)
    for (const action of r.result!.actions) assert.ok(!trashed.includes(action.file_id), 'deleted, not in the recycle bin')
  })

  it('without a terminal, --mode is required (exit 2); rename with --by-hash is a usage error; a missing path exits 3', async () => {
    const r = await f.cli(['dedupe', dir])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /--mode/)
    assert.equal((await f.cli(['dedupe', dir, '--by-hash', '--mode', 'rename'])).exitCode, 2)
    assert.equal((await f.cli(['dedupe', '/no/such', '--mode', 'list'])).exitCode, 3)
    assert.equal(f.emu.fs().list(dir).length, 8)
  })
})
