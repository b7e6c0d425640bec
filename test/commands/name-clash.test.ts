/**
 * Issue 18: nothing is lost to a name. Remote entries of one folder that would land on one local
 * name (duplicates, case-only differences on a case-insensitive disk, names made equal for
 * Windows) all land, under the same numbered names on every run; alipan's own temporary files are
 * never mirrored, deleted, moved to --backup-dir, counted by --max-delete or uploaded.
 *
 * Linux disks here are case-sensitive and this kernel has no casefolding, so the case rules of a
 * case-insensitive disk (and Windows' name mapping) are injected through ALIPAN_LOCAL_NAMES, as the
 * issue allows; the probe itself is tested in test/lib/name-clash.test.ts.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {GetResult} from '../../src/lib/files/get.js'
import type {SyncResult} from '../../src/lib/sync/sync.js'
import {type Fixture, pattern, putEntry, setup, startCli} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024
const T0 = Date.parse('2026-01-01T00:00:00Z')
const at = (minutes: number) => T0 + minutes * 60_000

/** Every file under `dir`, relative, with its content. */
function files(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const dirent of readdirSync(dir, {withFileTypes: true})) {
    const rel = prefix ? `${prefix}/${dirent.name}` : dirent.name
    if (dirent.isDirectory()) Object.assign(out, files(join(dir, dirent.name), rel))
    else out[rel] = readFileSync(join(dir, dirent.name), 'utf8')
  }
  return out
}

describe('name clashes and sync leftovers', () => {
  let f: Fixture
  let n = 0
  let remote: string
  const dest = () => join(f.workDir, `dest-${n}`)
  /** An existing folder, so that `get -r REMOTE DIR` lands in DIR/<name>. */
  const folder = (path: string) => (mkdirSync(path, {recursive: true}), path)
  const get = async (args: string[], env: Record<string, string> = {}) => {
    const r = await f.cli(['get', '-r', ...args, '--json'], {env})
    return {...r, results: r.stdout.trim().startsWith('[') ? (JSON.parse(r.stdout) as GetResult[]) : []}
  }
  const sync = async (args: string[], env: Record<string, string> = {}) => {
    const r = await f.cli(['sync', ...args, '--json'], {env})
    return {...r, result: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as SyncResult) : undefined}
  }

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    n++
    remote = `/clash${n}`
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  /** A folder of three files, two of them named one.txt (the older one first). */
  const seedDuplicates = () => {
    putEntry(f.emu, `${remote}/one.txt`, 'older one', {createdAt: at(1)})
    putEntry(f.emu, `${remote}/one.txt`, 'newer one', {createdAt: at(2)})
    f.emu.fs().put(`${remote}/two.txt`, 'two', {createdAt: at(0)})
  }

  describe('get -r', () => {
    it('duplicates: every file lands, the newest under the name; the other is numbered, named on stderr and in --json', async () => {
      seedDuplicates()
      const r = await get([remote, folder(dest())])
      assert.equal(r.exitCode, 0, r.stderr)
      const root = join(dest(), `clash${n}`)
      assert.deepEqual(files(root), {'one.txt': 'newer one', 'one (2).txt': 'older one', 'two.txt': 'two'})
      const renamed = r.results.filter((x) => x.clash)
      assert.equal(renamed.length, 1)
      assert.equal(renamed[0].path, join(root, 'one (2).txt'))
      assert.deepEqual({reason: renamed[0].clash?.reason, kind: renamed[0].clash?.kind, local_path: renamed[0].clash?.local_path, kept_by: renamed[0].clash?.kept_by.local_path}, {
        reason: 'renamed_from_clash',
        kind: 'duplicate',
        local_path: join(root, 'one (2).txt'),
        kept_by: join(root, 'one.txt'),
      })
      assert.equal(r.results.filter((x) => !x.skipped && !x.error).length, 3)
      assert.match(r.stderr, new RegExp(`renamed ${remote}/one\\.txt → .*one \\(2\\)\\.txt`))
      const lines = await f.cli(['get', '-r', remote, folder(join(dest(), 'plain'))])
      assert.equal(lines.exitCode, 0, lines.stderr)
      assert.match(lines.stderr, /^3 files downloaded/m, 'the summary counts the files written')
    })

    it('a numbered name clashes with nothing else in the folder, case rules included', async () => {
      putEntry(f.emu, `${remote}/one.txt`, 'a', {createdAt: at(1)})
      putEntry(f.emu, `${remote}/one.txt`, 'b', {createdAt: at(2)})
      putEntry(f.emu, `${remote}/one.txt`, 'c', {createdAt: at(3)})
      f.emu.fs().put(`${remote}/ONE (2).txt`, 'taken', {createdAt: at(0)})
      const r = await get([remote, folder(dest())], {ALIPAN_LOCAL_NAMES: 'case-insensitive'})
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(files(join(dest(), `clash${n}`)), {'one.txt': 'c', 'ONE (2).txt': 'taken', 'one (3).txt': 'a', 'one (4).txt': 'b'})
    })

    it('names differing only in case, on a case-insensitive disk: both land, and a folder clash takes its contents along', async () => {
      f.emu.fs().put(`${remote}/Readme.txt`, 'mixed', {createdAt: at(1)})
      f.emu.fs().put(`${remote}/README.txt`, 'upper', {createdAt: at(2)})
      f.emu.fs().put(`${remote}/Docs/a.txt`, 'docs a', {createdAt: at(3)})
      f.emu.fs().put(`${remote}/docs/a.txt`, 'DOCS a', {createdAt: at(4)})
      f.emu.fs().drive.resolve(`${remote}/Docs`)!.created = at(3)
      f.emu.fs().drive.resolve(`${remote}/docs`)!.created = at(4)
      const r = await get([remote, folder(dest())], {ALIPAN_LOCAL_NAMES: 'case-insensitive'})
      assert.equal(r.exitCode, 0, r.stderr)
      // Docs/ was created (with its file) a minute before docs/: docs/ is the newer and keeps the name.
      assert.deepEqual(files(join(dest(), `clash${n}`)), {'README.txt': 'upper', 'Readme (2).txt': 'mixed', 'docs/a.txt': 'DOCS a', 'Docs (2)/a.txt': 'docs a'})
      const kinds = r.results.filter((x) => x.clash).map((x) => `${x.type ?? 'file'} ${x.clash?.kind} ${x.remote_path}`)
      assert.deepEqual(kinds.sort(), [`file case ${remote}/Readme.txt`, `folder case ${remote}/Docs`])
    })

    it('names made equal for Windows: both land, and the same one wins on every run', async () => {
      f.emu.fs().put(`${remote}/a_b.txt`, 'underscore', {createdAt: at(2)})
      f.emu.fs().put(`${remote}/a:b.txt`, 'colon', {createdAt: at(1)})
      f.emu.fs().put(`${remote}/IMG_1.jpg`, 'a real jpeg', {createdAt: at(1)})
      f.emu.fs().seedLivePhoto(`${remote}/IMG_1.livp`, {jpeg: 'live jpeg', mov: 'live mov'})
      f.emu.fs().drive.resolve(`${remote}/IMG_1.livp`)!.created = at(2)
      for (const run of [1, 2]) {
        const r = await get([remote, folder(join(dest(), `run${run}`))], {ALIPAN_LOCAL_NAMES: 'windows'})
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(files(join(dest(), `run${run}`, `clash${n}`)), {'a_b.txt': 'underscore', 'a_b (2).txt': 'colon', 'IMG_1.jpg': 'live jpeg', 'IMG_1 (2).jpg': 'a real jpeg'})
        assert.deepEqual(r.results.filter((x) => x.clash).map((x) => x.clash?.kind), ['mapped', 'mapped'])
      }
    })

    it('--on-clash skip: the others are reported and left out, exit 6; fail: nothing is downloaded, exit 6', async () => {
      seedDuplicates()
      const skipped = await get([remote, folder(dest()), '--on-clash', 'skip'])
      assert.equal(skipped.exitCode, 6, skipped.stderr)
      const root = join(dest(), `clash${n}`)
      assert.deepEqual(files(root), {'one.txt': 'newer one', 'two.txt': 'two'})
      const left = skipped.results.filter((x) => x.skipped)
      assert.deepEqual(left.map((x) => [x.remote_path, x.clash?.reason, x.clash?.local_path]), [[`${remote}/one.txt`, 'skipped_for_clash', join(root, 'one (2).txt')]])
      assert.match(skipped.stderr, /left out .*one\.txt: name clash/)
      assert.match(skipped.stderr, /Error: 1 entry was left out/)
      const lines = await f.cli(['get', '-r', remote, folder(join(dest(), 'plain')), '--on-clash', 'skip'])
      assert.equal(lines.exitCode, 6)
      assert.match(lines.stderr, /^2 files downloaded, .*1 skipped/m)

      const failed = await get([remote, join(dest(), 'failed'), '--on-clash', 'fail'])
      assert.equal(failed.exitCode, 6, failed.stderr)
      assert.match(failed.stderr, /1 remote entry would land on a local name another entry of the folder takes/)
      assert.equal(existsSync(join(dest(), 'failed')), false, 'nothing written')
    })

    it('a remote name reserved for alipan\'s temporary files fails alone; a user\'s notes.part is an ordinary file', async () => {
      f.emu.fs().put(`${remote}/notes.part`, 'my notes.part')
      f.emu.fs().put(`${remote}/x.alipan-part`, 'odd')
      f.emu.fs().put(`${remote}/ok.txt`, 'ok')
      const r = await get([remote, folder(dest())])
      assert.equal(r.exitCode, 2, r.stderr)
      assert.deepEqual(files(join(dest(), `clash${n}`)), {'notes.part': 'my notes.part', 'ok.txt': 'ok'})
      assert.match(r.stderr, /reserved for alipan's unfinished downloads/)
    })

    it('on a case-insensitive disk, a remote X.ALIPAN-PART is refused: it would be the part file of X', async () => {
      f.emu.fs().put(`${remote}/X`, 'content of X, long enough')
      f.emu.fs().put(`${remote}/X.ALIPAN-PART`, 'other')
      const r = await get([remote, folder(dest())], {ALIPAN_LOCAL_NAMES: 'case-insensitive'})
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(r.stderr, /X\.ALIPAN-PART.*reserved for alipan's unfinished downloads/)
      assert.deepEqual(files(join(dest(), `clash${n}`)), {X: 'content of X, long enough'})
    })

    it('a NAME.part left by an earlier alipan resumes; one that mirrors a remote NAME.part is left alone', async () => {
      const data = pattern(MiB, 5)
      f.emu.fs().put(`${remote}/big.bin`, data)
      const root = join(dest(), `clash${n}`)
      mkdirSync(root, {recursive: true})
      writeFileSync(join(root, 'big.bin.part'), data.subarray(0, 600_000))
      const r = await get([remote, folder(dest())])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.results[0].resumed_bytes, 600_000)
      assert.ok(readFileSync(join(root, 'big.bin')).equals(data))
      assert.deepEqual(readdirSync(root), ['big.bin'])

      f.emu.fs().put(`${remote}/big.bin.part`, 'a file of its own')
      const again = join(dest(), 'again')
      mkdirSync(join(again, `clash${n}`), {recursive: true})
      writeFileSync(join(again, `clash${n}`, 'big.bin.part'), 'a file of its own')
      const second = await get([remote, again, '--on-conflict', 'skip'])
      assert.equal(second.exitCode, 0, second.stderr)
      assert.deepEqual(files(join(again, `clash${n}`)), {'big.bin': data.toString('utf8'), 'big.bin.part': 'a file of its own'})
      assert.equal(second.results.find((x) => x.remote_path.endsWith('big.bin'))?.resumed_bytes, 0)
    })
    it('a NAME.part the remote folder holds but --exclude leaves out is the user\'s file, not taken over', async () => {
      f.emu.fs().put(`${remote}/big.iso`, 'the real iso content')
      f.emu.fs().put(`${remote}/big.iso.part`, 'browser partial')
      const root = join(folder(dest()), `clash${n}`)
      mkdirSync(root, {recursive: true})
      writeFileSync(join(root, 'big.iso.part'), 'mine')
      const r = await get([remote, dest(), '--exclude', '*.part'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(files(root), {'big.iso': 'the real iso content', 'big.iso.part': 'mine'})
      assert.equal(r.results.find((x) => x.remote_path.endsWith('big.iso'))?.resumed_bytes, 0)
    })
  })

  describe('sync down', () => {
    it('every clash kind lands; the second and third runs are no-ops that still name the clashes', async () => {
      seedDuplicates()
      f.emu.fs().put(`${remote}/Notes.txt`, 'notes', {createdAt: at(3)})
      f.emu.fs().put(`${remote}/NOTES.txt`, 'NOTES', {createdAt: at(4)})
      f.emu.fs().put(`${remote}/sub/a:b.txt`, 'colon', {createdAt: at(5)})
      f.emu.fs().put(`${remote}/sub/a_b.txt`, 'underscore', {createdAt: at(6)})
      const env = {ALIPAN_LOCAL_NAMES: 'windows'}
      const first = await sync([`alipan:${remote}`, dest()], env)
      assert.equal(first.exitCode, 0, first.stderr)
      const expected = {'one.txt': 'newer one', 'one (2).txt': 'older one', 'two.txt': 'two', 'NOTES.txt': 'NOTES', 'Notes (2).txt': 'notes', 'sub/a_b.txt': 'underscore', 'sub/a_b (2).txt': 'colon'}
      assert.deepEqual(files(dest()), expected)
      assert.equal(first.result?.summary.new, 7 + 1, 'seven files and the folder')
      const clashes = (r: typeof first) => r.result?.clashes.map((c) => `${c.kind} ${c.path} ${c.reason}`).sort()
      assert.deepEqual(clashes(first), ['case Notes (2).txt renamed_from_clash', 'duplicate one (2).txt renamed_from_clash', 'mapped sub/a_b (2).txt renamed_from_clash'])
      for (const run of [2, 3]) {
        f.emu.resetCounters()
        const again = await sync([`alipan:${remote}`, dest()], env)
        assert.equal(again.exitCode, 0, again.stderr)
        assert.deepEqual(again.result?.actions, [], `run ${run} changes nothing`)
        assert.equal(again.result?.summary.unchanged, 7)
        assert.equal(f.emu.counters.bytesOut, 0)
        assert.deepEqual(clashes(again), clashes(first))
        assert.match(again.stderr, /renamed .*one\.txt → one \(2\)\.txt/)
        assert.deepEqual(files(dest()), expected, 'nothing flipped')
      }
    })

    it('on a case-insensitive disk, a file on disk in another case is the same file: not downloaded again, not deleted', async () => {
      f.emu.fs().put(`${remote}/Notes.txt`, 'notes', {localModifiedAt: '2026-02-01T00:00:00.000Z'})
      mkdirSync(dest(), {recursive: true})
      writeFileSync(join(dest(), 'notes.txt'), 'notes')
      utimesSync(join(dest(), 'notes.txt'), new Date('2026-02-01T00:00:00.000Z'), new Date('2026-02-01T00:00:00.000Z'))
      const r = await sync([`alipan:${remote}`, dest()], {ALIPAN_LOCAL_NAMES: 'case-insensitive'})
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.actions, [])
      assert.equal(r.result?.summary.unchanged, 1)
    })

    it('--on-clash skip leaves the others out (exit 6) and their local copies alone; fail changes nothing', async () => {
      seedDuplicates()
      assert.equal((await sync([`alipan:${remote}`, dest()])).exitCode, 0)
      const skipped = await sync([`alipan:${remote}`, dest(), '--on-clash', 'skip'])
      assert.equal(skipped.exitCode, 6, skipped.stderr)
      assert.deepEqual(skipped.result?.actions, [], 'one (2).txt from the earlier run is left alone, not deleted')
      assert.deepEqual(skipped.result?.clashes.map((c) => [c.path, c.reason]), [['one (2).txt', 'skipped_for_clash']])
      assert.match(skipped.stderr, /Error: 1 entry was left out/)
      const fresh = join(dest(), '..', `fresh-${n}`)
      const skippedFresh = await sync([`alipan:${remote}`, fresh, '--on-clash', 'skip'])
      assert.equal(skippedFresh.exitCode, 6)
      assert.deepEqual(files(fresh), {'one.txt': 'newer one', 'two.txt': 'two'})

      const failed = await sync([`alipan:${remote}`, join(dest(), '..', `failed-${n}`), '--on-clash', 'fail'])
      assert.equal(failed.exitCode, 6, failed.stderr)
      assert.equal(existsSync(join(dest(), '..', `failed-${n}`)), false)
    })

    it('--on-clash skip on a case-insensitive disk leaves a local copy in another case alone', async () => {
      putEntry(f.emu, `${remote}/photos/x.txt`, 'older', {createdAt: at(1)})
      putEntry(f.emu, `${remote}/photos/x.txt`, 'newer', {createdAt: at(2)})
      // An earlier default-mode run left the numbered copy; the folder is `Photos` on disk.
      mkdirSync(join(dest(), 'Photos'), {recursive: true})
      writeFileSync(join(dest(), 'Photos', 'x (2).txt'), 'older')
      // This disk is case-sensitive: a link makes `photos/` open `Photos/`, as such a disk would.
      symlinkSync('Photos', join(dest(), 'photos'))
      const env = {ALIPAN_LOCAL_NAMES: 'case-insensitive'}
      const dry = await sync([`alipan:${remote}`, dest(), '--on-clash', 'skip', '--dry-run'], env)
      assert.equal(dry.exitCode, 6, dry.stderr)
      assert.deepEqual(dry.result?.clashes.map((c) => [c.path, c.reason]), [['photos/x (2).txt', 'skipped_for_clash']])
      assert.ok(dry.result?.actions.every((a) => a.action !== 'delete'), JSON.stringify(dry.result?.actions))
      const real = await sync([`alipan:${remote}`, dest(), '--on-clash', 'skip'], env)
      assert.equal(real.exitCode, 6, real.stderr)
      assert.ok(real.result?.actions.every((a) => a.action !== 'delete'), JSON.stringify(real.result?.actions))
      assert.equal(readFileSync(join(dest(), 'Photos', 'x (2).txt'), 'utf8'), 'older', 'the skipped entry\'s local copy stays')
    })

    it('a user\'s own notes.part is mirrored both ways; a second run is a no-op', async () => {
      f.emu.fs().put(`${remote}/notes.part`, 'mine')
      assert.equal((await sync([`alipan:${remote}`, dest()])).exitCode, 0)
      assert.deepEqual(files(dest()), {'notes.part': 'mine'})
      const again = await sync([`alipan:${remote}`, dest()])
      assert.deepEqual(again.result?.actions, [])
      const up = await sync([dest(), `alipan:${remote}-up`])
      assert.equal(up.exitCode, 0, up.stderr)
      assert.deepEqual(f.emu.fs().list(`${remote}-up`).map((e) => e.name), ['notes.part'])
    })

    for (const flags of [['--backup-dir', 'BACKUP'], ['--max-delete', '0'], ['--dry-run']]) {
      it(`a re-run over a killed download's leftovers converges with exit 0 (${flags.join(' ')})`, async () => {
        const data = pattern(6 * MiB, 31)
        f.emu.fs().put(`${remote}/big.bin`, data)
        f.emu.fs().put(`${remote}/small.txt`, 'small')
        f.emu.setThrottle(2 * MiB)
        const run = startCli(['sync', `alipan:${remote}`, dest()], f.env)
        const deadline = Date.now() + 20_000
        while (f.emu.counters.bytesOut < 2 * MiB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        // SIGKILL: no handler runs; whatever was on disk stays.
        run.child.kill('SIGKILL')
        await run.done
        f.emu.setThrottle(false)
        const leftovers = readdirSync(dest()).filter((name) => name.includes('.alipan-part'))
        assert.ok(leftovers.includes('big.bin.alipan-part'), `a .alipan-part stays: ${readdirSync(dest()).join(', ')}`)
        const backup = join(f.workDir, `backup-${n}`)
        const r = await sync([`alipan:${remote}`, dest(), ...flags.map((x) => (x === 'BACKUP' ? backup : x))])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.ok(r.result?.actions.every((a) => a.action !== 'delete'), JSON.stringify(r.result?.actions))
        assert.equal(r.result?.summary.held_back, 0)
        assert.equal(existsSync(backup), false, 'nothing moved to the backup dir')
        if (flags[0] === '--dry-run') {
          assert.ok(r.result?.actions.some((a) => a.path === 'big.bin'))
          assert.ok(existsSync(join(dest(), 'big.bin.alipan-part')), 'the dry run left it')
        } else {
          assert.ok(readFileSync(join(dest(), 'big.bin')).equals(data))
          assert.deepEqual(readdirSync(dest()).sort(), ['big.bin', 'small.txt'])
          const again = await sync([`alipan:${remote}`, dest()])
          assert.deepEqual(again.result?.actions, [])
        }
      })
    }

    it('a NAME.part the remote folder holds is left alone, whether --exclude leaves it out or it differs in case', async () => {
      f.emu.fs().put(`${remote}/big.iso`, 'the real iso content')
      f.emu.fs().put(`${remote}/big.iso.part`, 'browser partial')
      mkdirSync(dest(), {recursive: true})
      writeFileSync(join(dest(), 'big.iso.part'), 'mine')
      const r = await sync([`alipan:${remote}`, dest(), '--exclude', '*.part'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.actions.map((a) => `${a.action} ${a.path}`), ['new big.iso'])
      assert.deepEqual(files(dest()), {'big.iso': 'the real iso content', 'big.iso.part': 'mine'})

      // On a case-insensitive disk the local big.iso.part is the remote BIG.ISO.PART.
      const other = join(f.workDir, `upper-${n}`)
      f.emu.fs().put(`${remote}-upper/big.iso`, 'the real iso content')
      f.emu.fs().put(`${remote}-upper/BIG.ISO.PART`, 'browser partial', {localModifiedAt: '2026-02-01T00:00:00.000Z'})
      mkdirSync(other, {recursive: true})
      writeFileSync(join(other, 'big.iso.part'), 'browser partial')
      utimesSync(join(other, 'big.iso.part'), new Date('2026-02-01T00:00:00.000Z'), new Date('2026-02-01T00:00:00.000Z'))
      const upper = await sync([`alipan:${remote}-upper`, other], {ALIPAN_LOCAL_NAMES: 'case-insensitive'})
      assert.equal(upper.exitCode, 0, upper.stderr)
      assert.deepEqual(upper.result?.actions.map((a) => `${a.action} ${a.path}`), ['new big.iso'])
      assert.deepEqual(files(other), {'big.iso': 'the real iso content', 'big.iso.part': 'browser partial'})
    })

    it('a NAME.part (and NAME.part.json) of an earlier alipan is taken over, with --backup-dir and --max-delete 0 alike', async () => {
      const data = pattern(MiB, 32)
      f.emu.fs().put(`${remote}/big.bin`, data)
      mkdirSync(dest(), {recursive: true})
      writeFileSync(join(dest(), 'big.bin.part'), data.subarray(0, 400_000))
      const backup = join(f.workDir, `backup-${n}`)
      f.emu.resetCounters()
      const r = await sync([`alipan:${remote}`, dest(), '--backup-dir', backup, '--max-delete', '0'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.actions.map((a) => `${a.action} ${a.path}`), ['new big.bin'])
      assert.equal(f.emu.counters.bytesOut, data.length - 400_000, 'resumed where the old .part ended')
      assert.deepEqual(readdirSync(dest()), ['big.bin'])
      assert.equal(existsSync(backup), false)
    })
  })

  describe('uploads', () => {
    it('sync up and put -r never upload alipan\'s temporary files, and say so', async () => {
      const local = join(f.workDir, `up-${n}`)
      mkdirSync(local, {recursive: true})
      writeFileSync(join(local, 'keep.txt'), 'k')
      writeFileSync(join(local, 'big.bin.alipan-part'), 'partial')
      writeFileSync(join(local, 'big.bin.alipan-part.json'), '{}')
      writeFileSync(join(local, 'notes.part'), 'mine')
      const r = await sync([local, `alipan:${remote}`])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(f.emu.fs().list(remote).map((e) => e.name).sort(), ['keep.txt', 'notes.part'])
      assert.deepEqual(r.result?.skipped.map((s) => s.path).sort(), ['big.bin.alipan-part', 'big.bin.alipan-part.json'])
      const put = await f.cli(['put', '-r', `${local}/`, `${remote}-put`])
      assert.equal(put.exitCode, 0, put.stderr)
      assert.deepEqual(f.emu.fs().list(`${remote}-put`).map((e) => e.name).sort(), ['keep.txt', 'notes.part'])
      assert.match(put.stderr, /skipped .*big\.bin\.alipan-part: an unfinished alipan download/)
    })

    it('sync up over remote duplicates converges to one entry, the extras in the recycle bin', async () => {
      const local = join(f.workDir, `up-${n}`)
      mkdirSync(local, {recursive: true})
      writeFileSync(join(local, 'one.txt'), 'local one')
      putEntry(f.emu, `${remote}/one.txt`, 'older one', {createdAt: at(1)})
      putEntry(f.emu, `${remote}/one.txt`, 'newer one', {createdAt: at(2)})
      const r = await sync([local, `alipan:${remote}`])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(f.emu.fs().list(remote).map((e) => e.name), ['one.txt'])
      assert.equal(f.emu.fs().read(`${remote}/one.txt`).toString(), 'local one')
      assert.equal(f.emu.fs().trashed().filter((e) => e.name === 'one.txt').length, 2)
    })

    it('ls and find show duplicates as they are, each with its file_id', async () => {
      const a = putEntry(f.emu, `${remote}/dup.txt`, 'a', {createdAt: at(1)})
      const b = putEntry(f.emu, `${remote}/dup.txt`, 'b', {createdAt: at(2)})
      const ls = await f.cli(['ls', remote, '--json'])
      assert.equal(ls.exitCode, 0, ls.stderr)
      const rows = JSON.parse(ls.stdout) as Array<{name: string; file_id: string}>
      assert.deepEqual(rows.map((x) => x.name), ['dup.txt', 'dup.txt'])
      assert.deepEqual(rows.map((x) => x.file_id).sort(), [a.file_id, b.file_id].sort())
      const find = await f.cli(['find', remote, '--name', 'dup.txt', '--json'])
      assert.equal(find.exitCode, 0, find.stderr)
      assert.deepEqual((JSON.parse(find.stdout) as Array<{file_id: string}>).map((x) => x.file_id).sort(), [a.file_id, b.file_id].sort())
    })
  })
})
