import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {SyncResult} from '../../src/lib/sync/sync.js'
import {type Fixture, OLD_ATIME, WRITE_CALLS, ageAtimes, pattern, setup, writeUnder} from '../support.js'
import '../helpers.js'

describe('sync', () => {
  let f: Fixture
  let n = 0
  /** A fresh local folder and remote path per test. */
  let src: string
  let remote: string
  const write = (rel: string, data: Buffer | string, root = src) => writeUnder(root, rel, data)
  const sync = async (...args: string[]) => {
    const r = await f.cli(['sync', ...args, '--json'])
    const result = r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as SyncResult & {error?: {code: string; message: string}}) : undefined
    return {...r, result}
  }
  const writes = () => f.emu.log.filter((e) => WRITE_CALLS.test(e.path))
  const calls = (path: RegExp) => f.emu.log.filter((e) => path.test(e.path)).length
  const remoteNames = (path: string) => f.emu.fs().list(path).map((e) => `${e.name}${e.type === 'folder' ? '/' : ''}`).sort()

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    n++
    src = join(f.workDir, `src${n}`)
    remote = `/mirror${n}`
    mkdirSync(src, {recursive: true})
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  describe('upload (./local alipan:/remote)', () => {
    it('mirrors files and empty folders; a re-run of an unchanged tree writes nothing, sends nothing and reads no file', async (t) => {
      write('a.txt', 'alpha')
      write('deep/er/b.bin', pattern(300 * 1024, 1))
      mkdirSync(join(src, 'empty'))
      const first = await sync(src, `alipan:${remote}`)
      assert.equal(first.exitCode, 0, first.stderr)
      assert.deepEqual(first.result?.summary, {new: 5, replaced: 0, deleted: 0, unchanged: 0, failed: 0, bytes: 5 + 300 * 1024, held_back: 0})
      assert.deepEqual(remoteNames(remote), ['a.txt', 'deep/', 'empty/'])
      assert.ok(f.emu.fs().read(`${remote}/deep/er/b.bin`).equals(pattern(300 * 1024, 1)))
      assert.equal(f.emu.fs().get(`${remote}/a.txt`)?.local_modified_at, new Date(statSync(join(src, 'a.txt')).mtimeMs).toISOString())

      const atimeWorks = ageAtimes(['a.txt', 'deep/er/b.bin'].map((rel) => join(src, rel)), f.workDir)
      f.emu.resetCounters()
      const again = await sync(src, `alipan:${remote}`)
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual(again.result?.actions, [])
      assert.equal(again.result?.summary.unchanged, 2)
      assert.deepEqual(writes(), [], 'no write call')
      assert.equal(f.emu.counters.bytesIn, 0)
      assert.equal(calls(/openFile\/list$/), 4, 'one listing per remote folder (root, deep, deep/er, empty)')
      if (!atimeWorks) t.diagnostic('this file system does not update atimes: the no-read check is skipped')
      else for (const rel of ['a.txt', 'deep/er/b.bin']) assert.equal(statSync(join(src, rel)).atimeMs, OLD_ATIME.getTime(), `${rel} was not read`)
    })

    it('put -r --on-conflict skip uses the same test: its re-run over an unchanged tree reads no file either', async (t) => {
      write('p.txt', 'put me')
      write('q/r.bin', pattern(100 * 1024, 9))
      const first = await f.cli(['put', '-r', '--on-conflict', 'skip', `${src}/`, remote])
      assert.equal(first.exitCode, 0, first.stderr)
      const atimeWorks = ageAtimes(['p.txt', 'q/r.bin'].map((rel) => join(src, rel)), f.workDir)
      f.emu.resetCounters()
      const again = await f.cli(['put', '-r', '--on-conflict', 'skip', `${src}/`, remote, '--json'])
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual((JSON.parse(again.stdout) as Array<{reason?: string}>).map((x) => x.reason), ['identical', 'identical'])
      assert.deepEqual(writes(), [])
      if (!atimeWorks) t.diagnostic('this file system does not update atimes: the no-read check is skipped')
      else for (const rel of ['p.txt', 'q/r.bin']) assert.equal(statSync(join(src, rel)).atimeMs, OLD_ATIME.getTime(), `${rel} was not read`)
      // --checksum reads them.
      const checked = await f.cli(['put', '-r', '--on-conflict', 'skip', '--checksum', `${src}/`, remote])
      assert.equal(checked.exitCode, 0)
      if (atimeWorks) assert.ok(statSync(join(src, 'p.txt')).atimeMs > OLD_ATIME.getTime(), '--checksum hashes')
    })

    it('replaces changed files (old version to the recycle bin) and deletes what is gone; a removed folder is trashed as one entry', async () => {
      write('keep.txt', 'same')
      write('change.txt', 'version one')
      write('gone.txt', 'bye')
      write('dir/x.txt', 'x')
      write('dir/sub/y.txt', 'y')
      assert.equal((await sync(src, `alipan:${remote}`)).exitCode, 0)
      const oldId = f.emu.fs().get(`${remote}/change.txt`)?.file_id
      write('change.txt', 'version two, longer')
      rmSync(join(src, 'gone.txt'))
      rmSync(join(src, 'dir'), {recursive: true})
      f.emu.resetCounters()
      const r = await sync(src, `alipan:${remote}`)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(
        r.result?.actions.map((a) => `${a.action} ${a.path}`),
        ['replace change.txt', 'delete dir', 'delete gone.txt'],
      )
      assert.deepEqual(remoteNames(remote), ['change.txt', 'keep.txt'])
      assert.equal(f.emu.fs().read(`${remote}/change.txt`).toString(), 'version two, longer')
      assert.equal(calls(/recyclebin\/trash$/), 3, 'old version, the folder (one call for all it holds), gone.txt')
      const trashed = f.emu.fs().trashed().map((e) => e.file_id)
      assert.ok(trashed.includes(oldId))
      assert.ok(f.emu.fs().trashed().some((e) => e.name === 'dir' && e.type === 'folder'))
    })

    it('a file changed behind the same size and time is left alone by default and caught by --checksum', async () => {
      const path = write('same-size.txt', 'AAAA')
      assert.equal((await sync(src, `alipan:${remote}`)).exitCode, 0)
      const mtime = statSync(path).mtimeMs / 1000
      writeFileSync(path, 'BBBB')
      utimesSync(path, mtime, mtime)
      const quiet = await sync(src, `alipan:${remote}`)
      assert.deepEqual(quiet.result?.actions, [])
      assert.equal(f.emu.fs().read(`${remote}/same-size.txt`).toString(), 'AAAA')
      const caught = await sync(src, `alipan:${remote}`, '--checksum')
      assert.deepEqual(caught.result?.actions.map((a) => `${a.action} ${a.path}`), ['replace same-size.txt'])
      assert.equal(f.emu.fs().read(`${remote}/same-size.txt`).toString(), 'BBBB')
    })

    it('a touched file (same bytes, new time) costs a rapid re-upload, no bytes, and converges', async () => {
      const path = write('touched.bin', pattern(2 * 1024 * 1024, 7))
      assert.equal((await sync(src, `alipan:${remote}`)).exitCode, 0)
      const later = new Date(Date.now() + 60_000)
      utimesSync(path, later, later)
      f.emu.resetCounters()
      const r = await sync(src, `alipan:${remote}`)
      assert.deepEqual(r.result?.actions.map((a) => `${a.action} ${a.path}`), ['replace touched.bin'])
      assert.equal(f.emu.counters.bytesIn, 0, 'rapid upload: the service has the bytes')
      assert.equal(calls(/openFile\/create$/), 1, 'the SHA-1 read for the comparison serves the rapid upload: no pre-hash probe, no second read')
      assert.equal(f.emu.fs().trashed().filter((e) => e.name === 'touched.bin').length, 0, 'the identical old copy is not kept in the recycle bin')
      f.emu.resetCounters()
      const again = await sync(src, `alipan:${remote}`)
      assert.deepEqual(again.result?.actions, [])
      assert.deepEqual(writes(), [])
    })

    it('--permanent deletes outright; --backup-dir moves old versions and deletions there, keeping relative paths', async () => {
      write('a/old.txt', 'old')
      write('a/change.txt', 'v1')
      write('b.txt', 'b')
      assert.equal((await sync(src, `alipan:${remote}`)).exitCode, 0)
      write('a/change.txt', 'v2!')
      rmSync(join(src, 'a/old.txt'))
      const backup = `${remote}-old/2026-12-01`
      const r = await sync(src, `alipan:${remote}`, '--backup-dir', `alipan:${backup}`)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(remoteNames(`${backup}/a`), ['change.txt', 'old.txt'])
      assert.equal(f.emu.fs().read(`${backup}/a/change.txt`).toString(), 'v1')
      assert.equal(f.emu.fs().read(`${remote}/a/change.txt`).toString(), 'v2!')
      assert.equal(calls(/recyclebin\/trash$/), 0)

      rmSync(join(src, 'b.txt'))
      f.emu.resetCounters()
      const permanent = await sync(src, `alipan:${remote}`, '--permanent')
      assert.equal(permanent.exitCode, 0, permanent.stderr)
      assert.equal(calls(/openFile\/delete$/), 1)
      assert.equal(calls(/recyclebin\/trash$/), 0)
      assert.equal(f.emu.fs().get(`${remote}/b.txt`), undefined)
    })

    it('--bwlimit paces the whole run', async () => {
      write('a.bin', pattern(768 * 1024, 5))
      write('b.bin', pattern(768 * 1024, 6))
      const started = Date.now()
      const r = await sync(src, `alipan:${remote}`, '--bwlimit', '1M', '--no-rapid')
      assert.equal(r.exitCode, 0, r.stderr)
      // 1.5 MiB at 1 MiB/s, less the limiter's 100 ms burst: well over a second (a lower bound only).
      assert.ok(Date.now() - started >= 1200, `took ${Date.now() - started} ms`)
      assert.equal((await f.cli(['sync', src, `alipan:${remote}`, '--bwlimit', 'fast'])).exitCode, 2)
    })

    it('excluded paths are neither transferred nor deleted', async () => {
      write('keep.txt', 'k')
      write('skip.tmp', 't')
      write('cache/big.bin', 'c')
      f.emu.fs().put(`${remote}/remote-only.tmp`, 'stays')
      f.emu.fs().put(`${remote}/cache/remote.bin`, 'stays too')
      f.emu.fs().put(`${remote}/stale.txt`, 'goes')
      const r = await sync(src, `alipan:${remote}`, '--exclude', '*.tmp', '--exclude', 'cache/')
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(remoteNames(remote), ['cache/', 'keep.txt', 'remote-only.tmp'])
      assert.deepEqual(remoteNames(`${remote}/cache`), ['remote.bin'])
    })

    it('an --exclude-from file as Windows PowerShell writes it (UTF-16LE, a BOM, CRLF) protects what it names', async () => {
      write('keep.txt', 'k')
      f.emu.fs().put(`${remote}/cache/remote.bin`, 'stays')
      f.emu.fs().put(`${remote}/stale.txt`, 'goes')
      // `'cache/' > rules.txt` in Windows PowerShell 5.1.
      const rules = join(f.workDir, `rules${n}.txt`)
      writeFileSync(rules, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# kept on the drive\r\ncache/\r\n', 'utf16le')]))
      const r = await sync(src, `alipan:${remote}`, '--exclude-from', rules)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(remoteNames(remote), ['cache/', 'keep.txt'])
    })

    it('FIFOs and symlinks are skipped with a notice (exit 0), and their DEST counterparts left alone', async () => {
      write('real.txt', 'r')
      execFileSync('mkfifo', [join(src, 'pipe')])
      symlinkSync(join(src, 'real.txt'), join(src, 'link.txt'))
      f.emu.fs().put(`${remote}/link.txt`, 'uploaded earlier with -L')
      const r = await sync(src, `alipan:${remote}`)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.skipped.map((s) => s.path).sort(), ['link.txt', 'pipe'])
      assert.ok(r.result?.skipped.every((s) => s.skipped && s.reason))
      assert.deepEqual(remoteNames(remote), ['link.txt', 'real.txt'])
      const followed = await sync(src, `alipan:${remote}`, '-L')
      assert.equal(followed.exitCode, 0, followed.stderr)
      assert.equal(f.emu.fs().read(`${remote}/link.txt`).toString(), 'r')
    })

    it('a failed upload stops every deletion; the next run converges', async () => {
      write('a.txt', 'a')
      write('b.txt', 'b')
      assert.equal((await sync(src, `alipan:${remote}`)).exitCode, 0)
      rmSync(join(src, 'b.txt'))
      write('c.txt', 'new file')
      f.emu.faults.inject({path: '/adrive/v1.0/openFile/complete', status: 403, code: 'ForbiddenNoPermission.File', message: 'no', times: 1})
      const r = await sync(src, `alipan:${remote}`)
      assert.notEqual(r.exitCode, 0)
      assert.equal(r.result?.summary.failed, 1)
      assert.equal(r.result?.summary.held_back, 1)
      assert.match(r.result?.held_back_reason ?? '', /nothing was deleted/)
      assert.ok(f.emu.fs().get(`${remote}/b.txt`), 'b.txt not deleted')
      const next = await sync(src, `alipan:${remote}`)
      assert.equal(next.exitCode, 0, next.stderr)
      assert.deepEqual(remoteNames(remote), ['a.txt', 'c.txt'])
    })

    it('--dry-run changes nothing and prints the plan that the real run then carries out', async () => {
      write('a.txt', 'a')
      write('d/b.txt', 'b')
      f.emu.fs().put(`${remote}/stale.txt`, 'x')
      const dry = await sync('-n', src, `alipan:${remote}`)
      assert.equal(dry.exitCode, 0, dry.stderr)
      assert.equal(dry.result?.dry_run, true)
      assert.deepEqual(writes(), [])
      assert.equal(f.emu.counters.bytesIn, 0)
      assert.deepEqual(remoteNames(remote), ['stale.txt'])
      const real = await sync(src, `alipan:${remote}`)
      assert.equal(real.exitCode, 0, real.stderr)
      assert.deepEqual(real.result?.actions, dry.result?.actions)
      assert.deepEqual(remoteNames(remote), ['a.txt', 'd/'])

      const text = await f.cli(['sync', '--dry-run', src, `alipan:${remote}-2`])
      assert.equal(text.exitCode, 0)
      assert.match(text.stdout, /^new d\/$/m)
      assert.match(text.stdout, /^new a\.txt$/m)
      assert.match(text.stdout, /^dry run: 3 new, 0 replaced, 0 deleted, 0 unchanged; 2 B to transfer$/m)
    })
  })

  describe('guards: nothing on DEST changes', () => {
    it('an empty SOURCE while DEST has files is refused (exit 6) unless --allow-empty-source', async () => {
      f.emu.fs().put(`${remote}/precious.txt`, 'p')
      const r = await sync(src, `alipan:${remote}`)
      assert.equal(r.exitCode, 6)
      assert.match(r.stderr, /source .* is empty/)
      assert.match(r.stderr, /--allow-empty-source/)
      assert.deepEqual(remoteNames(remote), ['precious.txt'])
      assert.deepEqual(writes(), [])
      const allowed = await sync(src, `alipan:${remote}`, '--allow-empty-source')
      assert.equal(allowed.exitCode, 0, allowed.stderr)
      assert.deepEqual(remoteNames(remote), [])
    })

    it('--max-delete: more deletions than allowed deletes none, still transfers, exits 6 naming the count', async () => {
      for (const name of ['a', 'b', 'c']) f.emu.fs().put(`${remote}/old/${name}`, name)
      write('new.txt', 'n')
      const r = await sync(src, `alipan:${remote}`, '--max-delete', '2')
      assert.equal(r.exitCode, 6)
      assert.match(r.stderr, /would delete 4 entries, more than --max-delete 2/)
      assert.deepEqual(remoteNames(remote), ['new.txt', 'old/'])
      assert.equal(calls(/recyclebin\/trash$|openFile\/delete$/), 0)
      assert.equal((await sync(src, `alipan:${remote}`, '--max-delete', '4')).exitCode, 0)
      assert.deepEqual(remoteNames(remote), ['new.txt'])
    })

    it('bad input is a one-line error with exit 2 (or 3 for a missing source)', async () => {
      write('file.txt', 'f')
      const cases: Array<[string[], number, RegExp]> = [
        [[join(src, 'missing'), `alipan:${remote}`], 3, /No such local folder/],
        [[join(src, 'file.txt'), `alipan:${remote}`], 2, /is a file; sync mirrors folders/],
        [[src, join(f.workDir, 'elsewhere')], 2, /Neither SOURCE nor DEST is remote/],
        [['alipan:/', `alipan:${remote}`], 2, /overlap/],
        [[src, `alipan,drive=nope:${remote}`], 2, /drive=nope is not a drive/],
        [[src, `alipan:${remote}`, '--backup-dir', `alipan:${remote}/old`], 2, /overlaps the destination/],
        [[src, `alipan:${remote}`, '--backup-dir', join(f.workDir, 'bk')], 2, /must be on the destination side/],
        [[src, `alipan:${remote}`, '--max-delete', '-1'], 2, /max-delete/],
        [[src, `alipan:${remote}`, '--checksum', '--size-only'], 2, /cannot also be provided|size-only/],
        [[`alipan:${remote}-missing`, join(f.workDir, 'r')], 3, /Not found/],
      ]
      for (const [args, code, message] of cases) {
        const r = await f.cli(['sync', ...args])
        assert.equal(r.exitCode, code, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, message)
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
      }
      assert.deepEqual(writes(), [])
    })
  })

  describe('download (alipan:/remote ./local)', () => {
    it('mirrors files and folders with the remote times; a re-run transfers and reads nothing', async () => {
      const fs = f.emu.fs()
      fs.put(`${remote}/a.txt`, 'alpha', {localModifiedAt: '2026-11-01T10:00:00.123Z'})
      fs.put(`${remote}/sub/b.bin`, pattern(200 * 1024, 3))
      fs.mkdir(`${remote}/empty`)
      const dest = join(f.workDir, `restore${n}`)
      const r = await sync(`alipan:${remote}`, dest)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(readFileSync(join(dest, 'a.txt'), 'utf8'), 'alpha')
      assert.ok(readFileSync(join(dest, 'sub/b.bin')).equals(pattern(200 * 1024, 3)))
      assert.ok(existsSync(join(dest, 'empty')))
      assert.ok(Math.abs(statSync(join(dest, 'a.txt')).mtimeMs - Date.parse('2026-11-01T10:00:00.123Z')) < 1, 'local_modified_at becomes the mtime')
      assert.ok(Math.abs(statSync(join(dest, 'sub/b.bin')).mtimeMs - Date.parse(String(fs.get(`${remote}/sub/b.bin`)?.updated_at))) < 1, 'else updated_at')
      f.emu.resetCounters()
      const again = await sync(`alipan:${remote}`, dest)
      assert.deepEqual(again.result?.actions, [])
      assert.equal(again.result?.summary.unchanged, 2)
      assert.equal(f.emu.counters.bytesOut, 0)
      assert.equal(calls(/getDownloadUrl$/), 0)
    })

    it('replaces changed files, deletes local-only entries for real, or moves them to --backup-dir', async () => {
      const fs = f.emu.fs()
      fs.put(`${remote}/change.txt`, 'v1')
      fs.put(`${remote}/stays.txt`, 's')
      const dest = join(f.workDir, `restore${n}`)
      assert.equal((await sync(`alipan:${remote}`, dest)).exitCode, 0)
      fs.put(`${remote}/change.txt`, 'v2 longer')
      write('local-only/x.txt', 'x', dest)
      write('stray.txt', 'stray', dest)
      const backup = join(f.workDir, `bk${n}`)
      const r = await sync(`alipan:${remote}`, dest, '--backup-dir', backup)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.actions.map((a) => `${a.action} ${a.path}`), ['replace change.txt', 'delete local-only', 'delete stray.txt'])
      assert.equal(readFileSync(join(dest, 'change.txt'), 'utf8'), 'v2 longer')
      assert.equal(readFileSync(join(backup, 'change.txt'), 'utf8'), 'v1')
      assert.equal(readFileSync(join(backup, 'local-only/x.txt'), 'utf8'), 'x')
      assert.ok(!existsSync(join(dest, 'local-only')))
      write('again.txt', 'a', dest)
      assert.equal((await sync(`alipan:${remote}`, dest)).exitCode, 0)
      assert.ok(!existsSync(join(dest, 'again.txt')), 'deleted for real without --backup-dir')
    })

    it('same bytes under a new remote time: only the local time is set, nothing downloaded', async () => {
      const fs = f.emu.fs()
      fs.put(`${remote}/t.txt`, 'timed', {localModifiedAt: '2026-01-01T00:00:00.000Z'})
      const dest = join(f.workDir, `restore${n}`)
      assert.equal((await sync(`alipan:${remote}`, dest)).exitCode, 0)
      fs.put(`${remote}/t.txt`, 'timed', {localModifiedAt: '2026-06-01T12:00:00.500Z'})
      f.emu.resetCounters()
      const r = await sync(`alipan:${remote}`, dest)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.result?.actions, [])
      assert.equal(r.result?.summary.unchanged, 1)
      assert.equal(f.emu.counters.bytesOut, 0)
      assert.equal(statSync(join(dest, 't.txt')).mtimeMs, Date.parse('2026-06-01T12:00:00.500Z'))
    })

    it('a live photo lands as its chosen stream; a re-run downloads nothing (the local size is the stream\'s, not the package\'s)', async () => {
      f.emu.fs().seedLivePhoto(`${remote}/IMG_1.livp`, {jpeg: 'JPEGDATA', mov: 'MOVDATA-LONGER'})
      const dest = join(f.workDir, `restore${n}`)
      const r = await sync(`alipan:${remote}`, dest)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(readFileSync(join(dest, 'IMG_1.jpg'), 'utf8'), 'JPEGDATA')
      f.emu.resetCounters()
      const again = await sync(`alipan:${remote}`, dest)
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual(again.result?.actions, [])
      assert.equal(again.result?.summary.unchanged, 1)
      assert.equal(calls(/getDownloadUrl$/), 0)
      // A new photo under the same name (another time) comes down again.
      f.emu.fs().seedLivePhoto(`${remote}/IMG_1.livp`, {jpeg: 'JPEG-TWO', mov: 'MOV'})
      const changed = await sync(`alipan:${remote}`, dest)
      assert.equal(changed.exitCode, 0, changed.stderr)
      assert.equal(readFileSync(join(dest, 'IMG_1.jpg'), 'utf8'), 'JPEG-TWO')
    })

    it('large files come down over the multi-stream engine (--streams), inside the 3 connections', async () => {
      const big = pattern(33 * 1024 * 1024, 12)
      f.emu.fs().put(`${remote}/big.bin`, big)
      f.emu.setDownloadCap(16 * 1024 * 1024)
      try {
        const dest = join(f.workDir, `restore${n}`)
        const r = await sync(`alipan:${remote}`, dest)
        assert.equal(r.exitCode, 0, r.stderr)
        assert.ok(readFileSync(join(dest, 'big.bin')).equals(big))
        assert.equal(f.emu.counters.peakDownloads, 3)
        const one = join(f.workDir, `restore${n}-one`)
        f.emu.resetCounters()
        assert.equal((await sync(`alipan:${remote}`, one, '--streams', '1')).exitCode, 0)
        assert.equal(f.emu.counters.peakDownloads, 1)
      } finally {
        f.emu.setDownloadCap(false)
      }
    })

    it('an empty remote SOURCE does not empty a local DEST without --allow-empty-source', async () => {
      f.emu.fs().mkdir(remote)
      const dest = join(f.workDir, `restore${n}`)
      write('mine.txt', 'm', dest)
      const r = await sync(`alipan:${remote}`, dest)
      assert.equal(r.exitCode, 6)
      assert.ok(existsSync(join(dest, 'mine.txt')))
    })
  })

  it('alipan: is accepted by every command that takes a remote path', async () => {
    f.emu.fs().put(`${remote}/p.txt`, 'p')
    const ls = await f.cli(['ls', `alipan:${remote}`])
    assert.equal(ls.exitCode, 0, ls.stderr)
    assert.equal(ls.stdout.trim(), 'p.txt')
    const mk = await f.cli(['mkdir', '-p', `alipan:${remote}/made`])
    assert.equal(mk.exitCode, 0, mk.stderr)
    assert.ok(f.emu.fs().get(`${remote}/made`))
  })
})
