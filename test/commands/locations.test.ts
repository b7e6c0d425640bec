import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {MoveCopyResult} from '../../src/lib/manage/move-copy.js'
import type {SyncResult} from '../../src/lib/sync/sync.js'
import type {UserInfo} from '../emulator/index.js'
import {type FaultKind, type Fixture, injectWriteFault, metWriteFault, pattern, setup, startCli} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024

/**
 * Issue 19, instant copies: remote paths in other drives (`alipan,drive=resource:/x`) and other
 * profiles' logins (`alipan@work:/x`); copies between them by rapid upload (8 bytes read, nothing
 * uploaded), a streamed fallback when the service will not take that, and sync between them.
 */
describe('locations: other drives and profiles', () => {
  let f: Fixture
  let alice: UserInfo
  let bob: UserInfo
  let n = 0
  let dir: string

  const calls = (path: RegExp) => f.emu.log.filter((e) => path.test(e.path)).length
  const dataPlane = () => ({read: f.emu.counters.bytesOut, uploaded: f.emu.counters.bytesIn})
  const cp = async (...args: string[]) => {
    const r = await f.cli<MoveCopyResult[]>(['cp', '--json', ...args])
    return {...r, results: r.exitCode === 0 || r.stdout.startsWith('[') ? (JSON.parse(r.stdout) as MoveCopyResult[]) : []}
  }

  before(async () => {
    f = await setup({rateLimit: false})
    alice = f.emu.user
    bob = f.emu.createUser('bob')
    await f.login()
    await f.login({userId: bob.user_id, profile: 'work'})
  })
  after(() => f.close())
  beforeEach(() => {
    dir = `/t${++n}`
    f.emu.resetCounters()
    f.emu.faults.clear()
  })

  it('cp of a 40 MiB file and a folder from the default drive to the resource drive: rapid uploads, 8 bytes read per file, 0 bytes uploaded, hashes and times kept', async () => {
    const fs = f.emu.fs()
    const big = fs.put(`${dir}/big.bin`, pattern(40 * MiB, 3), {localModifiedAt: '2026-01-02T03:04:05.678Z'})
    fs.put(`${dir}/album/a.jpg`, pattern(300 * 1024, 4))
    fs.put(`${dir}/album/deep/b.txt`, 'bee')
    fs.put(`${dir}/album/deep/empty.txt`, '')
    fs.mkdir(`${dir}/album/nothing`)
    f.emu.resetCounters()

    const r = await cp(`${dir}/big.bin`, `${dir}/album`, `alipan,drive=resource:/copies/`)
    assert.equal(r.exitCode, 3, 'the destination folder does not exist yet')
    assert.match(r.stderr, /No such folder: \/copies/)
    f.emu.fs(alice.resource_drive_id).mkdir('/copies')
    f.emu.resetCounters()

    const ok = await cp(`${dir}/big.bin`, `${dir}/album`, `alipan,drive=resource:/copies/`)
    assert.equal(ok.exitCode, 0, ok.stderr)
    const resource = f.emu.fs(alice.resource_drive_id)
    assert.equal(resource.get('/copies/big.bin')?.content_hash, big.content_hash)
    assert.equal(resource.get('/copies/big.bin')?.local_modified_at, '2026-01-02T03:04:05.678Z', 'the time travels as local_modified_at')
    assert.ok(resource.read('/copies/album/deep/b.txt').equals(Buffer.from('bee')))
    assert.ok(resource.get('/copies/album/nothing'), 'empty folders are copied too')
    assert.equal(resource.get('/copies/album/deep/empty.txt')?.size, 0)
    const files = ok.results.flatMap((result) => result.files ?? [])
    assert.equal(files.length, 4)
    assert.ok(files.every((file) => file.via === 'rapid' && file.bytes_uploaded === 0 && file.bytes_read <= 8), JSON.stringify(files))
    assert.deepEqual(dataPlane(), {read: files.reduce((s, file) => s + file.bytes_read, 0), uploaded: 0})
    assert.ok(dataPlane().read <= 8 * 4)
    assert.equal(calls(/openFile\/copy$/), 0, 'the server-side copy cannot cross drives')
    // Under 5 MB the listing's URL serves the proof bytes: only the big file and the image (whose
    // listing URL may be a preview, §4.1) need getDownloadUrl, at 1/s.
    assert.equal(calls(/getDownloadUrl$/), 2)
    assert.ok(fs.get(`${dir}/big.bin`), 'the source stays')
  })

  it('cp across two profiles (alice → bob): rapid, 0 bytes uploaded; back again with alipan@default', async () => {
    f.emu.fs().put(`${dir}/report.pdf`, pattern(2 * MiB, 5))
    f.emu.resetCounters()
    const r = await cp(`${dir}/report.pdf`, 'alipan@work:/from-alice.pdf')
    assert.equal(r.exitCode, 0, r.stderr)
    const bobs = f.emu.fs(bob.default_drive_id)
    assert.ok(bobs.read('/from-alice.pdf').equals(pattern(2 * MiB, 5)))
    assert.deepEqual([r.results[0].destination, r.results[0].files?.[0].via, dataPlane().uploaded], ['/from-alice.pdf', 'rapid', 0])
    const writes = f.emu.log.filter((e) => /openFile\/create$/.test(e.path))
    assert.deepEqual(new Set(writes.map((e) => e.userId)), new Set([bob.user_id]), "the copy is created with bob's login")

    // Run as bob: a bare path is bob's now, and alice's drive is alipan@default.
    const back = await cp('/from-alice.pdf', `alipan@default:${dir}/back.pdf`, '--profile', 'work')
    assert.equal(back.exitCode, 0, back.stderr)
    assert.ok(f.emu.fs().read(`${dir}/back.pdf`).equals(pattern(2 * MiB, 5)))
    assert.equal(back.results[0].files?.[0].via, 'rapid')
  })

  it('check, du, tree, sha1sum and dedupe take locations: a copy to another drive and login checks clean with no download', async () => {
    const fs = f.emu.fs()
    fs.put(`${dir}/set/a.txt`, 'alpha')
    fs.put(`${dir}/set/sub/b.bin`, pattern(100 * 1024, 6))
    assert.equal((await cp(`${dir}/set`, 'alipan,drive=resource:/')).exitCode, 0)
    assert.equal((await cp(`${dir}/set`, `alipan@work:/`)).exitCode, 0)
    f.emu.resetCounters()
    const clean = await f.cli(['check', `alipan:${dir}/set`, 'alipan,drive=resource:/set'])
    assert.equal(clean.exitCode, 0, clean.stderr)
    const across = await f.cli(['check', `alipan:${dir}/set`, 'alipan@work:/set', '--json'])
    assert.equal(across.exitCode, 0, across.stderr)
    assert.equal(JSON.parse(across.stdout).summary.match, 2)
    assert.equal(calls(/getDownloadUrl$/), 0)
    assert.equal(dataPlane().read, 0)
    f.emu.fs(bob.default_drive_id).put('/set/sub/b.bin', 'changed')
    const differs = await f.cli(['check', `alipan:${dir}/set`, 'alipan@work:/set', '--json'])
    assert.equal(differs.exitCode, 1)
    assert.deepEqual(JSON.parse(differs.stdout).differ, ['sub/b.bin'])

    const du = await f.cli(['du', 'alipan,drive=resource:/set', '--json'])
    assert.equal(du.exitCode, 0, du.stderr)
    assert.equal(JSON.parse(du.stdout).total.files, 2)
    const tree = await f.cli(['tree', 'alipan@work:/set'])
    assert.equal(tree.exitCode, 0, tree.stderr)
    assert.match(tree.stdout, /b\.bin/)
    const sums = await f.cli(['sha1sum', '-r', 'alipan,drive=resource:/set', '--json'])
    assert.equal(sums.exitCode, 0, sums.stderr)
    assert.equal(JSON.parse(sums.stdout).length, 2)
    const dd = await f.cli(['dedupe', 'alipan@work:/set', '--mode', 'list', '--json'])
    assert.equal(dd.exitCode, 0, dd.stderr)
    const mixed = await f.cli(['sha1sum', `alipan:${dir}/set/a.txt`, 'alipan@work:/set/a.txt'])
    assert.equal(mixed.exitCode, 2)
  })

  it('the fallback: a rapid upload the service does not take (no match, refused proof, --no-rapid) is streamed from the source, verified by SHA-1', async () => {
    const data = pattern(20 * MiB + 333, 6)
    const src = f.emu.fs().put(`${dir}/video.mp4`, data)
    f.emu.fs(alice.resource_drive_id).mkdir(dir)
    f.emu.resetCounters()
    f.emu.faults.missRapid()
    const miss = await cp(`${dir}/video.mp4`, `alipan,drive=resource:${dir}/`)
    assert.equal(miss.exitCode, 0, miss.stderr)
    const [file] = miss.results[0].files!
    assert.deepEqual([file.via, file.reason, file.bytes_uploaded, file.content_hash], ['stream', 'no-match', data.length, src.content_hash])
    assert.ok(f.emu.fs(alice.resource_drive_id).read(`${dir}/video.mp4`).equals(data))
    assert.equal(f.emu.counters.bytesIn, data.length, 'the bytes went once through this machine (two parts)')
    assert.equal(calls(/\/oss\/.*/) >= 2, true)
    assert.equal(calls(/getDownloadUrl$/), 1, 'one link serves the proof read and the stream')

    // The proof refused (once) → streamed too; a dropped source connection mid-part is retried.
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/create', status: 400, code: 'InvalidRapidProof', message: 'The proof_code is invalid.'})
    // (the first download is the 8-byte proof read, which never reaches 3 MiB; the second is part 1)
    f.emu.faults.dropConnection({kind: 'download', afterBytes: 3 * MiB, times: 2})
    f.emu.resetCounters()
    const refused = await cp(`${dir}/video.mp4`, `alipan,drive=resource:${dir}/refused.mp4`)
    assert.equal(refused.exitCode, 0, refused.stderr)
    assert.ok(f.emu.log.some((e) => e.code === 'InvalidRapidProof'))
    assert.ok(f.emu.counters.bytesOut > data.length + 2 * MiB, 'part 1 was read again after the cut')
    assert.equal(f.emu.counters.bytesIn, data.length)
    assert.deepEqual([refused.results[0].files?.[0].via, refused.results[0].files?.[0].reason], ['stream', 'proof-refused'])
    assert.ok(f.emu.fs(alice.resource_drive_id).read(`${dir}/refused.mp4`).equals(data))

    const off = await cp(`${dir}/video.mp4`, `alipan@work:/streamed.mp4`, '--no-rapid')
    assert.equal(off.exitCode, 0, off.stderr)
    assert.deepEqual([off.results[0].files?.[0].via, off.results[0].files?.[0].reason], ['stream', 'rapid-off'])
    assert.equal(f.emu.fs(bob.default_drive_id).get('/streamed.mp4')?.content_hash, src.content_hash)
  })

  it('a streamed copy that fails after its file was created deletes that unfinished file (the session is aborted)', async () => {
    const data = pattern(3 * MiB, 9)
    f.emu.fs().put(`${dir}/clip.mp4`, data)
    f.emu.fs(alice.resource_drive_id).mkdir(dir)
    // The first part PUT is refused outright (no retry): the copy fails after openFile/create.
    f.emu.faults.inject({method: 'PUT', path: /^\/oss\//, status: 400, code: 'InvalidArgument', message: 'refused by the test'})
    f.emu.resetCounters()
    const r = await cp(`${dir}/clip.mp4`, `alipan,drive=resource:${dir}/`, '--no-rapid')
    assert.notEqual(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /Uploading part 1 was refused/)
    assert.equal(calls(/openFile\/create$/), 1)
    const deletes = f.emu.log.filter((e) => /openFile\/delete$/.test(e.path))
    // 200 only for a file id with an open session: the unfinished upload itself was deleted.
    assert.deepEqual(deletes.map((e) => e.status), [200], 'one delete, of the unfinished file')
    assert.equal(f.emu.fs(alice.resource_drive_id).get(`${dir}/clip.mp4`), undefined)

    // A run that succeeds deletes nothing.
    f.emu.resetCounters()
    const ok = await cp(`${dir}/clip.mp4`, `alipan,drive=resource:${dir}/`, '--no-rapid')
    assert.equal(ok.exitCode, 0, ok.stderr)
    assert.equal(calls(/openFile\/delete$/), 0)
    assert.ok(f.emu.fs(alice.resource_drive_id).read(`${dir}/clip.mp4`).equals(data))
  })

  it('a streamed copy stopped by Ctrl-C deletes its unfinished file too', async () => {
    f.emu.fs().put(`${dir}/long.mp4`, pattern(8 * MiB, 10))
    f.emu.fs(alice.resource_drive_id).mkdir(dir)
    f.emu.resetCounters()
    f.emu.setThrottle(2 * MiB)
    try {
      const run = startCli(['cp', `${dir}/long.mp4`, `alipan,drive=resource:${dir}/`, '--no-rapid'], f.env)
      const deadline = Date.now() + 20_000
      // Read from the source as it is sent on: a MiB read, the part is under way.
      while (f.emu.counters.bytesOut < MiB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      assert.ok(f.emu.counters.bytesOut >= MiB, 'the stream had begun')
      run.child.kill('SIGINT')
      const r = await run.done
      assert.equal(r.status, 130, r.stderr)
    } finally {
      f.emu.setThrottle(false)
    }
    assert.deepEqual(f.emu.log.filter((e) => /openFile\/delete$/.test(e.path)).map((e) => e.status), [200], 'the unfinished file was deleted')
    assert.equal(f.emu.fs(alice.resource_drive_id).get(`${dir}/long.mp4`), undefined)
  })

  it('conflict policies across drives: fail (exit 6), skip, overwrite (old one to the recycle bin once the copy is in), rename', async () => {
    const fs = f.emu.fs()
    const res = f.emu.fs(alice.resource_drive_id)
    fs.put(`${dir}/a.txt`, 'new a')
    fs.put(`${dir}/folder/x.txt`, 'new x')
    res.put(`${dir}/a.txt`, 'old a')
    res.put(`${dir}/folder/old.txt`, 'old x')
    const to = `alipan,drive=resource:${dir}/`
    const fail = await cp(`${dir}/a.txt`, to)
    assert.equal(fail.exitCode, 6, fail.stderr)
    assert.match(fail.stderr, /already exists/)
    const skip = await cp(`${dir}/a.txt`, to, '--on-conflict', 'skip')
    assert.deepEqual([skip.exitCode, skip.results[0].skipped], [0, true])
    assert.equal(res.read(`${dir}/a.txt`).toString(), 'old a')
    const over = await cp(`${dir}/a.txt`, `${dir}/folder`, to, '--on-conflict', 'overwrite')
    assert.equal(over.exitCode, 0, over.stderr)
    assert.equal(res.read(`${dir}/a.txt`).toString(), 'new a')
    assert.deepEqual(res.list(`${dir}/folder`).map((e) => e.name), ['x.txt'], 'the folder was replaced whole')
    assert.ok(over.results.every((r) => r.replaced), 'both old entries went to the recycle bin')
    const renamed = await cp(`${dir}/a.txt`, to, '--on-conflict', 'rename')
    assert.equal(renamed.exitCode, 0, renamed.stderr)
    assert.equal(renamed.results[0].destination, `${dir}/a(1).txt`)
    assert.equal(res.read(`${dir}/a(1).txt`).toString(), 'new a')
  })

  it('same drive, same login: cp stays the server-side copy, whatever the spelling (drive=backup is the default drive here)', async () => {
    f.emu.fs().put(`${dir}/s.txt`, 'same drive')
    f.emu.resetCounters()
    const r = await cp(`${dir}/s.txt`, `alipan,drive=backup:${dir}/t.txt`)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(calls(/openFile\/copy$/), 1)
    assert.equal(calls(/openFile\/create$/), 0)
    assert.equal(r.results[0].files, undefined)
  })

  it('sync between two drives and two logins: rapid copies, a re-run transfers nothing, changes and deletions follow', async () => {
    const fs = f.emu.fs()
    fs.put(`${dir}/src/a.txt`, 'alpha', {localModifiedAt: '2026-03-01T00:00:00.000Z'})
    fs.put(`${dir}/src/sub/b.bin`, pattern(6 * MiB, 8))
    fs.put(`${dir}/src/sub/c.txt`, 'gamma')
    fs.mkdir(`${dir}/src/empty`)
    const sync = async (...args: string[]) => {
      const r = await f.cli(['sync', '--json', ...args])
      return {...r, result: r.stdout ? (JSON.parse(r.stdout) as SyncResult) : undefined}
    }
    for (const dest of [`alipan,drive=resource:${dir}/mirror`, `alipan@work:${dir}/mirror`]) {
      f.emu.resetCounters()
      const first = await sync(`alipan:${dir}/src`, dest)
      assert.equal(first.exitCode, 0, first.stderr)
      assert.equal(first.result!.direction, 'copy')
      const files = first.result!.actions.filter((a) => a.type === 'file')
      assert.deepEqual(files.map((a) => [a.path, a.via]), [['a.txt', 'rapid'], ['sub/b.bin', 'rapid'], ['sub/c.txt', 'rapid']])
      assert.equal(f.emu.counters.bytesIn, 0, 'nothing uploaded')
      assert.ok(f.emu.counters.bytesOut <= 3 * 8, `${f.emu.counters.bytesOut} bytes read`)

      f.emu.resetCounters()
      const again = await sync(`alipan:${dir}/src`, dest)
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual([again.result!.actions, again.result!.summary.unchanged], [[], 3])
      assert.equal(calls(/openFile\/(create|complete|copy|update|move|recyclebin\/trash|delete|getDownloadUrl)$/), 0, 'a re-run writes nothing and reads no content')
      assert.equal(f.emu.counters.bytesOut + f.emu.counters.bytesIn, 0)
    }
    const bobs = f.emu.fs(bob.default_drive_id)
    assert.equal(bobs.get(`${dir}/mirror/a.txt`)?.local_modified_at, '2026-03-01T00:00:00.000Z')
    assert.ok(bobs.get(`${dir}/mirror/empty`))

    fs.put(`${dir}/src/a.txt`, 'alpha, changed')
    assert.equal((await f.cli(['rm', '-f', `${dir}/src/sub/c.txt`])).exitCode, 0)
    const changed = await sync(`alipan:${dir}/src`, `alipan@work:${dir}/mirror`, '--backup-dir', `alipan@work:${dir}/old`)
    assert.equal(changed.exitCode, 0, changed.stderr)
    assert.equal(bobs.read(`${dir}/mirror/a.txt`).toString(), 'alpha, changed')
    assert.ok(bobs.get(`${dir}/old/a.txt`), 'the old version moved to the backup dir, in the same login')
    assert.equal(bobs.get(`${dir}/mirror/sub/c.txt`), undefined)
    assert.ok(bobs.get(`${dir}/old/sub/c.txt`))
    assert.deepEqual(changed.result!.actions.map((a) => [a.action, a.path]), [['replace', 'a.txt'], ['delete', 'sub/c.txt']])
  })

  it('one-location commands take a location: put, ls, get, find, link, mkdir, mv, rm in another drive or login', async () => {
    const {writeFileSync, readFileSync} = await import('node:fs')
    const {join} = await import('node:path')
    const local = join(f.workDir, `note${n}.txt`)
    writeFileSync(local, 'a note')
    const run = async (...args: string[]) => {
      const r = await f.cli(args)
      assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`)
      return r
    }
    await run('mkdir', '-p', `alipan,drive=resource:${dir}/a/b`)
    await run('put', local, `alipan,drive=resource:${dir}/a/b/`)
    assert.equal(f.emu.fs(alice.resource_drive_id).read(`${dir}/a/b/note${n}.txt`).toString(), 'a note')
    assert.deepEqual((await run('ls', `alipan,drive=resource:${dir}/a/b`)).stdout, `note${n}.txt\n`)
    assert.equal((await run('find', `alipan,drive=resource:${dir}`, '--name', 'note*')).stdout, `${dir}/a/b/note${n}.txt\n`)
    assert.match((await run('link', `alipan,drive=resource:${dir}/a/b/note${n}.txt`)).stdout, /^http/)
    await run('mv', `alipan,drive=resource:${dir}/a/b/note${n}.txt`, `alipan,drive=resource:${dir}/a/moved.txt`)
    const back = join(f.workDir, `back${n}.txt`)
    await run('get', `alipan,drive=resource:${dir}/a/moved.txt`, back)
    assert.equal(readFileSync(back, 'utf8'), 'a note')
    await run('put', local, `alipan@work:${dir}/`)
    assert.equal((await run('ls', `alipan@work:${dir}`)).stdout, `note${n}.txt\n`)
    await run('rm', '-rf', `alipan@work:${dir}`, `alipan@work:${dir}-missing`)
    assert.equal(f.emu.fs(bob.default_drive_id).get(`${dir}`), undefined)
    assert.equal(f.emu.fs().get(`${dir}`), undefined, 'nothing happened in the default drive')
  })

  it('bad input: unknown options and values, unknown or logged-out profiles, mv across drives, mixed rm, a drive that refuses writes', async () => {
    const {mkdirSync} = await import('node:fs')
    const {join} = await import('node:path')
    f.emu.fs().put(`${dir}/x.txt`, 'x')
    mkdirSync(join(f.configDir, 'profiles', 'idle'), {recursive: true})
    const cases: Array<[string[], number, RegExp, RegExp?]> = [
      [['cp', `${dir}/x.txt`, 'alipan,color=red:/'], 2, /unknown option color \(known: drive\)/],
      [['cp', `${dir}/x.txt`, 'alipan,drive=attic:/'], 2, /drive=attic is not a drive; use default, resource, backup/],
      [['ls', 'alipan,drive:/'], 2, /the option drive needs a value/],
      [['ls', 'alipan,drive=resource,drive=backup:/'], 2, /given twice/],
      [['ls', 'alipan@:/'], 2, /profile name after @ is empty/],
      [['ls', 'alipan@../x:/'], 2, /not a valid profile name/],
      [['cp', `${dir}/x.txt`, 'alipna@work:/'], 2, /no location named alipna/],
      [['cp', `${dir}/x.txt`, 'alipan@nobody:/'], 4, /no profile named nobody/, /alipan login --profile nobody/],
      [['ls', 'alipan@idle:/'], 4, /The profile idle is not logged in/, /alipan login --profile idle/],
      [['cp', `${dir}/missing.txt`, 'alipan@work:/'], 3, /Not found: .*missing\.txt/],
      [['mv', `${dir}/x.txt`, 'alipan,drive=resource:/'], 2, /mv cannot move between drives, logins or encrypted locations/, /alipan cp/],
      [['rm', '-f', `${dir}/x.txt`, 'alipan@work:/y'], 2, /rm takes paths of one location at a time/],
      [['sync', './here', './there'], 2, /Neither SOURCE nor DEST is remote/],
      [['sync', `alipan:${dir}`, 'alipan@work:/m', '--backup-dir', `alipan:${dir}-old`], 2, /--backup-dir must be on the destination side/],
      [['sync', `alipan:${dir}/x.txt`, 'alipan@work:/m'], 2, /is a file; sync mirrors folders/],
    ]
    for (const [args, code, message, hint] of cases) {
      const r = await f.cli(args)
      assert.equal(r.exitCode, code, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message, args.join(' '))
      if (hint) assert.match(r.stderr, new RegExp(`Hint: .*${hint.source}`), args.join(' '))
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    }
    assert.ok(f.emu.fs().get(`${dir}/x.txt`), 'nothing moved or removed')

    // A destination drive that refuses writes: the service's error, mapped as everywhere (exit 4).
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/create', status: 403, code: 'ForbiddenDriveLocked', message: 'drive is locked', times: 5})
    const locked = await cp(`${dir}/x.txt`, 'alipan@work:/')
    assert.equal(locked.exitCode, 4, locked.stderr)
    assert.match(locked.stderr, /This drive is locked/)
    f.emu.faults.clear()

    // A login that did not grant its resource drive (§3.3): exit 4, log in again to grant it.
    const carol = f.emu.createUser('carol')
    f.emu.setDriveGrant('resource', false, carol.user_id)
    await f.login({userId: carol.user_id, profile: 'carol'})
    const withheld = await f.cli(['ls', 'alipan@carol,drive=resource:/'])
    assert.equal(withheld.exitCode, 4, withheld.stderr)
    assert.match(withheld.stderr, /This login has no resource drive/)
    assert.match(withheld.stderr, /Hint: .*alipan login --profile carol/)

    // A login whose refresh is refused mid-way names its own profile in the hint.
    f.emu.revokeUser(bob.user_id)
    f.emu.expireAccessTokens(bob.user_id)
    const revoked = await f.cli(['ls', 'alipan@work:/'])
    assert.equal(revoked.exitCode, 4, revoked.stderr)
    assert.match(revoked.stderr, /Hint: .*alipan login --profile work/)
    await f.login({userId: bob.user_id, profile: 'work'})
  })

  for (const kind of ['fails twice', 'loses its answer'] as FaultKind[]) {
    for (const endpoint of ['create', 'complete']) {
      it(`a flaky service: ${endpoint} ${kind} → one copy of that name, the right content, no name(1)`, async () => {
        const data = pattern(300 * 1024, 11)
        f.emu.fs().put(`${dir}/f.bin`, data)
        f.emu.fs(alice.resource_drive_id).mkdir(dir)
        injectWriteFault(f.emu, kind, endpoint)
        const r = await cp(`${dir}/f.bin`, `alipan,drive=resource:${dir}/`)
        assert.equal(r.exitCode, 0, r.stderr)
        assert.ok(metWriteFault(f.emu, endpoint), 'the fault was met')
        assert.deepEqual(f.emu.fs(alice.resource_drive_id).list(dir).map((e) => e.name), ['f.bin'])
        assert.ok(f.emu.fs(alice.resource_drive_id).read(`${dir}/f.bin`).equals(data))
        assert.equal(r.results[0].files?.[0].via, 'rapid')
      })
    }
  }
})
