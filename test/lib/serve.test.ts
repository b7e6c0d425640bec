/**
 * `serve webdav` against the emulator: the real server and DriveBackend in this process, spoken
 * to over HTTP as a client would. Each test states one behaviour of issue 15.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, watch} from 'node:fs'
import {request as httpRequest} from 'node:http'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {trashFile} from '../../src/lib/api/files.js'
import {type Fixture, pattern, setup} from '../support.js'
import {D, type ServeHarness, davRequest, multistatus, startHarness} from '../serve-support.js'
import '../helpers.js'

const MiB = 1024 * 1024
const LIST = '/adrive/v1.0/openFile/list'
const LINK = '/adrive/v1.0/openFile/getDownloadUrl'
const calls = (f: Fixture, path: string) => f.emu.log.filter((e) => e.path === path).length
const PROPFIND_ALL = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'

describe('serve webdav (lib, over the emulator)', () => {
  let f: Fixture
  let s: ServeHarness
  /** Data-plane requests so far, counted as they arrive. */
  const ossRequests = () => Object.entries(f.emu.counters.requests).reduce((n, [path, count]) => n + (path.startsWith('/oss/') ? count : 0), 0)
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    s = await startHarness(f)
  })
  after(async () => {
    await s.close()
    await f.close()
  })
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  describe('PROPFIND', () => {
    it('Depth 1 lists a folder with the properties clients read, oc:checksums and quotas included', async () => {
      f.emu.fs().put('/pf/a.txt', 'hello', {localModifiedAt: '2024-02-03T04:05:06.000Z'})
      f.emu.fs().mkdir('/pf/sub')
      const body = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>
        <d:displayname/><d:getcontentlength/><d:getlastmodified/><d:creationdate/><d:getetag/><d:getcontenttype/><d:resourcetype/>
        <d:quota-available-bytes/><d:quota-used-bytes/><oc:checksums/></d:prop></d:propfind>`
      const r = await s.dav('PROPFIND', '/pf/', {headers: {depth: '1'}, body})
      assert.equal(r.status, 207)
      const ms = multistatus(r.text)
      assert.deepEqual([...ms.keys()], ['/pf/', '/pf/a.txt', '/pf/sub/'])
      const a = ms.get('/pf/a.txt')!
      assert.equal(a.get(D('getcontentlength'))!.text, '5')
      assert.equal(a.get(D('getlastmodified'))!.text, 'Sat, 03 Feb 2024 04:05:06 GMT', "the file's own time, as sync stores it")
      assert.equal(a.get(D('getetag'))!.text, '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"')
      assert.equal(a.get(D('displayname'))!.text, 'a.txt')
      assert.equal(a.get('{http://owncloud.org/ns}checksums')!.text, 'SHA1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d')
      assert.ok(Number(a.get(D('quota-available-bytes'))!.text) > 0)
      assert.deepEqual(ms.get('/pf/sub/')!.get(D('resourcetype'))!.children, [D('collection')])
      assert.equal(ms.get('/pf/sub/')!.get('{http://owncloud.org/ns}checksums')!.status, 404)
    })

    it('Depth infinity (or none) is refused with 403 propfind-finite-depth; Depth 0 answers the folder alone', async () => {
      for (const headers of [{depth: 'infinity'}, {}] as Array<Record<string, string>>) {
        const r = await s.dav('PROPFIND', '/', {headers, body: PROPFIND_ALL})
        assert.equal(r.status, 403)
        assert.match(r.text, /propfind-finite-depth/)
      }
      const r = await s.dav('PROPFIND', '/', {headers: {depth: '0'}})
      assert.deepEqual([...multistatus(r.text).keys()], ['/'])
    })

    it('a second PROPFIND inside the cache time makes no API call', async () => {
      f.emu.fs().put('/cached/x.bin', 'x')
      await s.dav('PROPFIND', '/cached/', {headers: {depth: '1'}})
      f.emu.resetCounters()
      const again = await s.dav('PROPFIND', '/cached/', {headers: {depth: '1'}})
      assert.equal(again.status, 207)
      assert.deepEqual(hrefsOf(again.text), ['/cached/', '/cached/x.bin'])
      assert.equal(f.emu.log.length, 0, `no API call: ${JSON.stringify(f.emu.log)}`)
    })

    it('malformed XML is a 400 and the server goes on', async () => {
      assert.equal((await s.dav('PROPFIND', '/', {headers: {depth: '0'}, body: '<D:propfind xmlns:D="DAV:"><D:prop>'})).status, 400)
      assert.equal((await s.dav('PROPFIND', '/', {headers: {depth: '0'}, body: '<propfind xmlns="DAV:"><x:prop/></propfind>'})).status, 400)
      assert.equal((await s.dav('PROPFIND', '/', {headers: {depth: '0'}})).status, 207)
    })
  })

  describe('GET and HEAD', () => {
    it('a GET is a 302 to the signed URL, cached per file: 20 GETs, one getDownloadUrl', async () => {
      const data = pattern(6 * MiB, 5)
      f.emu.fs().put('/movies/film.mkv', data)
      const locations = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const r = await s.dav('GET', '/movies/film.mkv')
        assert.equal(r.status, 302)
        locations.add(String(r.headers.location))
      }
      assert.equal(locations.size, 1)
      assert.equal(calls(f, LINK), 1)
      const fetched = await davRequest([...locations][0], 'GET', {headers: {range: 'bytes=100-199'}})
      assert.equal(fetched.status, 206, 'the client fetches the bytes itself, Range and all')
      assert.deepEqual(fetched.body, data.subarray(100, 200))
      assert.ok(!s.logLines.some((l) => l.includes('x-oss') || l.includes('signature')), 'the log has no signed URL')
    })

    it('an expired URL is renewed when the data plane says so (--proxy), with one more getDownloadUrl', async () => {
      const data = pattern(6 * MiB, 6)
      f.emu.fs().put('/movies/renew.mkv', data)
      const proxy = await startHarness(f, {proxy: true})
      try {
        assert.equal((await proxy.dav('GET', '/movies/renew.mkv', {headers: {range: 'bytes=0-9'}})).status, 206)
        f.emu.advanceTime(1_000_000) // past the 900 s of a normal app's URL, on the service's clock
        const again = await proxy.dav('GET', '/movies/renew.mkv', {headers: {range: 'bytes=10-19'}})
        assert.equal(again.status, 206)
        assert.deepEqual(again.body, data.subarray(10, 20))
        assert.equal(calls(f, LINK), 2)
      } finally {
        await proxy.close()
      }
    })

    it('HEAD answers from the listing (size, type, time) without a getDownloadUrl call', async () => {
      f.emu.fs().put('/movies/head.mp4', pattern(6 * MiB, 7))
      const r = await s.dav('HEAD', '/movies/head.mp4')
      assert.equal(r.status, 200)
      assert.equal(r.headers['content-length'], String(6 * MiB))
      assert.equal(r.headers['content-type'], 'video/mp4')
      assert.equal(r.headers['accept-ranges'], 'bytes')
      assert.equal(calls(f, LINK), 0)
    })

    it('a folder GET is an HTML index with links, sizes and dates', async () => {
      f.emu.fs().put('/web/a & b.txt', 'abc')
      const r = await s.dav('GET', '/web/', {headers: {accept: 'text/html'}})
      assert.equal(r.status, 200)
      assert.match(String(r.headers['content-type']), /text\/html/)
      assert.match(r.text, /<a href="\/web\/a%20%26%20b\.txt">a &#38; b\.txt<\/a>/)
      assert.match(r.text, /3 B/)
    })

    it('a file whose URL signs extra headers is proxied, not redirected', async () => {
      f.emu.fs().put('/movies/signed.txt', 'signed bytes')
      const entry = (await s.server.dav.cache.stat('/movies/signed.txt'))!
      const url = `${entry.item!.url}&x-oss-additional-headers=referer`
      assert.equal(await s.backend.link!({...entry, item: {...entry.item!, url}}), undefined)
    })
  })

  describe('PUT', () => {
    before(() => {
      f.emu.fs().mkdir('/up')
      f.emu.fs().mkdir('/win')
    })

    it('PUTs of one name at once run one after another: one file of that name, the last one written', async () => {
      f.emu.fs().put('/up/same.txt', 'old')
      const onExisting = await Promise.all([1, 2, 3].map((i) => s.dav('PUT', '/up/same.txt', {body: `new ${i} `.repeat(1000)})))
      assert.deepEqual(onExisting.map((r) => r.status), [204, 204, 204])
      const same = f.emu.fs().list('/up').filter((e) => e.name === 'same.txt')
      assert.equal(same.length, 1, 'one file of the name')
      assert.match(f.emu.fs().read('/up/same.txt').toString(), /^new \d /)
      const onNew = await Promise.all([1, 2, 3].map((i) => s.dav('PUT', '/up/fresh.bin', {body: pattern(64 * 1024 + i, i)})))
      assert.deepEqual(onNew.map((r) => r.status).sort(), [201, 204, 204])
      assert.equal(f.emu.fs().list('/up').filter((e) => e.name === 'fresh.bin').length, 1)
    })

    it('a body of known length streams into the upload with no temp file; an unknown one is spooled, then cleaned up', async () => {
      const created: string[] = []
      const watcher = watch(s.spoolDir, (_event, name) => created.push(String(name)))
      try {
        const data = pattern(3 * MiB, 11)
        const known = await s.dav('PUT', '/up/known.bin', {chunks: chunksOf(data, 256 * 1024), headers: {'content-length': data.length}})
        assert.equal(known.status, 201)
        const finder = await s.dav('PUT', '/up/finder.bin', {chunks: chunksOf(data, 300 * 1024), headers: {'transfer-encoding': 'chunked', 'x-expected-entity-length': data.length}})
        assert.equal(finder.status, 201, "Finder's chunked PUT with X-Expected-Entity-Length")
        await new Promise((r) => setTimeout(r, 100))
        assert.deepEqual(created, [], 'no temp file for a body of known length')
        const unknown = await s.dav('PUT', '/up/unknown.bin', {chunks: chunksOf(data, 300 * 1024), headers: {'transfer-encoding': 'chunked'}})
        assert.equal(unknown.status, 201)
        await new Promise((r) => setTimeout(r, 100))
        assert.ok(created.length > 0, 'spooled')
        assert.deepEqual(readdirSync(s.spoolDir), [], 'and the spool is gone')
        for (const name of ['known', 'finder', 'unknown']) assert.deepEqual(f.emu.fs().read(`/up/${name}.bin`), data, name)
      } finally {
        watcher.close()
      }
    })

    it('a chunked body longer than its small X-Expected-Entity-Length is refused at once (400), not read whole into memory', async () => {
      // Send until the server answers (at most 32 MiB), with backpressure: how much went out before the answer is how much the server read.
      const {status, sent} = await new Promise<{status: number; sent: number}>((resolve, reject) => {
        const {hostname, port} = new URL(s.url)
        let sent = 0
        let answered = false
        const req = httpRequest({hostname, port, path: '/up/liar.bin', method: 'PUT', agent: false, headers: {'transfer-encoding': 'chunked', 'x-expected-entity-length': 1000}}, (res) => {
          answered = true
          res.resume()
          res.on('end', () => resolve({status: res.statusCode ?? 0, sent}))
        })
        // The server answers and closes while the client still writes: the client may see the connection cut before it reads the answer.
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (answered) return
          answered = true
          if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({status: 0, sent})
          else reject(error)
        })
        const chunk = Buffer.alloc(256 * 1024, 7)
        void (async () => {
          while (!answered && sent < 32 * MiB) {
            sent += chunk.length
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r))
            await new Promise((r) => setTimeout(r, 2))
          }
          if (!answered) req.end()
        })()
      })
      assert.ok(status === 400 || status === 0, `400 or cut off, not ${status}`)
      assert.ok(sent < 16 * MiB, `the server answered after ${sent / MiB} MiB of a body announced as 1000 bytes`)
      assert.equal(f.emu.fs().get('/up/liar.bin'), undefined)
      const long = await s.dav('PUT', '/up/liar.bin', {chunks: [Buffer.alloc(2000)], headers: {'transfer-encoding': 'chunked', 'x-expected-entity-length': 1000}})
      assert.equal(long.status, 400, 'longer than announced')
      const short = await s.dav('PUT', '/up/liar.bin', {chunks: [Buffer.alloc(500)], headers: {'transfer-encoding': 'chunked', 'x-expected-entity-length': 1000}})
      assert.equal(short.status, 400, 'shorter than announced')
      assert.equal((await s.dav('PUT', '/up/liar.bin', {chunks: [Buffer.alloc(600), Buffer.alloc(400)], headers: {'transfer-encoding': 'chunked', 'x-expected-entity-length': 1000}})).status, 201)
    })

    it('X-OC-Mtime sets the time and is answered "accepted"; PROPFIND shows it', async () => {
      const r = await s.dav('PUT', '/up/timed.txt', {body: 'timed', headers: {'x-oc-mtime': '1700000000'}})
      assert.equal(r.status, 201)
      assert.equal(r.headers['x-oc-mtime'], 'accepted')
      assert.equal(f.emu.fs().get('/up/timed.txt')!.local_modified_at, '2023-11-14T22:13:20.000Z')
      const p = multistatus((await s.dav('PROPFIND', '/up/timed.txt', {headers: {depth: '0'}})).text)
      assert.equal(p.get('/up/timed.txt')!.get(D('getlastmodified'))!.text, 'Tue, 14 Nov 2023 22:13:20 GMT')
    })

    it('an overwrite replaces the old file only once the new one is complete; the old one goes to the recycle bin', async () => {
      f.emu.fs().put('/up/doc.txt', 'old content')
      const r = await s.dav('PUT', '/up/doc.txt', {body: 'new content'})
      assert.equal(r.status, 204)
      assert.equal(f.emu.fs().read('/up/doc.txt').toString(), 'new content')
      assert.equal(f.emu.fs().list('/up').filter((e) => e.name === 'doc.txt').length, 1)
      assert.ok(f.emu.fs().trashed().some((e) => e.name === 'doc.txt'))
    })

    it('an overwrite of a file removed elsewhere since it was listed still lands', async () => {
      const old = f.emu.fs().put('/up/gone.txt', 'old')
      await s.dav('PROPFIND', '/up/', {headers: {depth: '1'}}) // now cached as existing
      await trashFile(s.client, s.drive.driveId, String(old.file_id))
      const r = await s.dav('PUT', '/up/gone.txt', {body: 'new'})
      assert.equal(r.status, 204)
      assert.equal(f.emu.fs().read('/up/gone.txt').toString(), 'new')
    })

    it('a PUT cut off mid-body leaves the old file as it was and nothing new visible', async () => {
      f.emu.fs().put('/up/keep.bin', 'precious')
      await assert.rejects(s.dav('PUT', '/up/keep.bin', {chunks: chunksOf(pattern(4 * MiB, 3), 256 * 1024), headers: {'content-length': 4 * MiB}, abortAfter: 2 * MiB, pauseMs: 20}))
      const fresh = s.dav('PUT', '/up/new-cut.bin', {chunks: chunksOf(pattern(4 * MiB, 4), 256 * 1024), headers: {'content-length': 4 * MiB}, abortAfter: 2 * MiB, pauseMs: 20})
      await assert.rejects(fresh)
      await waitFor(() => s.logLines.filter((l) => l.includes('(cut off)')).length >= 2)
      assert.equal(f.emu.fs().read('/up/keep.bin').toString(), 'precious')
      assert.equal(f.emu.fs().list('/up').filter((e) => e.name === 'keep.bin').length, 1)
      assert.equal(f.emu.fs().get('/up/new-cut.bin'), undefined)
      assert.ok(!f.emu.log.some((e) => e.path.endsWith('/complete')), 'no upload was completed')
    })

    it('Windows Explorer: LOCK a new name, PUT 0 bytes, PUT the content, UNLOCK → one file with the content', async () => {
      const lock = await s.dav('LOCK', '/win/report.docx', {headers: {timeout: 'Second-3600'}, body: lockBody('exclusive')})
      assert.equal(lock.status, 201, 'a lock-null resource')
      const token = String(lock.headers['lock-token']).slice(1, -1)
      const ifHeader = {if: `(<${token}>)`}
      assert.equal((await s.dav('PUT', '/win/report.docx', {body: ''})).status, 423, 'the name is reserved for the lock holder')
      assert.equal((await s.dav('PUT', '/win/report.docx', {body: '', headers: ifHeader})).status, 201)
      assert.equal((await s.dav('PUT', '/win/report.docx', {body: 'the real content', headers: ifHeader})).status, 204)
      assert.equal((await s.dav('UNLOCK', '/win/report.docx', {headers: {'lock-token': `<${token}>`}})).status, 204)
      const names = f.emu.fs().list('/win').map((e) => e.name)
      assert.deepEqual(names, ['report.docx'], 'never report(1).docx')
      assert.equal(f.emu.fs().read('/win/report.docx').toString(), 'the real content')
      assert.ok(!f.emu.fs().trashed().some((e) => e.name === 'report.docx'), 'the empty placeholder is deleted, not kept in the recycle bin')
    })

    it('over the quota → 507', async () => {
      f.emu.setTotalSpace(f.emu.spaceUsed() + 1000)
      try {
        const r = await s.dav('PUT', '/up/too-big.bin', {body: pattern(2 * MiB, 9)})
        assert.equal(r.status, 507)
      } finally {
        f.emu.setTotalSpace(100 * 1024 ** 3)
      }
    })

    it('a missing parent is a 409; PUT on a folder is a 405', async () => {
      assert.equal((await s.dav('PUT', '/no/such/folder/x.txt', {body: 'x'})).status, 409)
      f.emu.fs().mkdir('/putdir/dir')
      assert.equal((await s.dav('PUT', '/putdir/dir', {body: 'x'})).status, 405)
    })
  })

  describe('MKCOL, DELETE, MOVE, COPY, PROPPATCH', () => {
    it('MKCOL makes a folder (405 when it exists, 409 without a parent, 415 with a body)', async () => {
      assert.equal((await s.dav('MKCOL', '/made')).status, 201)
      assert.equal(f.emu.fs().get('/made')!.type, 'folder')
      assert.equal((await s.dav('MKCOL', '/made')).status, 405)
      assert.equal((await s.dav('MKCOL', '/nothere/made')).status, 409)
      assert.equal((await s.dav('MKCOL', '/withbody', {body: '<x/>'})).status, 415)
    })

    it('DELETE sends a file, or a folder with everything in it, to the recycle bin', async () => {
      f.emu.fs().put('/del/dir/a.txt', 'a')
      f.emu.fs().put('/del/b.txt', 'b')
      assert.equal((await s.dav('DELETE', '/del/b.txt')).status, 204)
      assert.equal((await s.dav('DELETE', '/del/dir/')).status, 204)
      assert.deepEqual(f.emu.fs().list('/del'), [])
      const trashed = f.emu.fs().trashed().map((e) => e.name)
      assert.ok(trashed.includes('b.txt') && trashed.includes('dir'))
      assert.equal((await s.dav('DELETE', '/del/b.txt')).status, 404)
    })

    it('MOVE renames and moves; COPY copies; Overwrite: F meets an existing name with 412; T replaces it', async () => {
      f.emu.fs().put('/mv/a.txt', 'A')
      f.emu.fs().put('/mv/b.txt', 'B')
      f.emu.fs().mkdir('/mv/sub')
      const dest = (path: string) => ({destination: `${s.url}${path}`})
      assert.equal((await s.dav('MOVE', '/mv/a.txt', {headers: {...dest('/mv/sub/a2.txt')}})).status, 201)
      assert.equal(f.emu.fs().read('/mv/sub/a2.txt').toString(), 'A')
      assert.equal(f.emu.fs().get('/mv/a.txt'), undefined)
      assert.equal((await s.dav('COPY', '/mv/b.txt', {headers: {...dest('/mv/sub/a2.txt'), overwrite: 'F'}})).status, 412)
      assert.equal((await s.dav('COPY', '/mv/b.txt', {headers: {...dest('/mv/sub/a2.txt')}})).status, 204)
      assert.equal(f.emu.fs().read('/mv/sub/a2.txt').toString(), 'B')
      assert.equal(f.emu.fs().read('/mv/b.txt').toString(), 'B', 'the source of a copy stays')
      assert.deepEqual(f.emu.fs().list('/mv/sub').map((e) => e.name), ['a2.txt'], 'replaced, not numbered')
      assert.equal((await s.dav('COPY', '/mv/sub', {headers: {...dest('/mv/sub2')}})).status, 201)
      assert.equal(f.emu.fs().read('/mv/sub2/a2.txt').toString(), 'B')
      const listed = multistatus((await s.dav('PROPFIND', '/mv/', {headers: {depth: '1'}})).text)
      assert.deepEqual([...listed.keys()].sort(), ['/mv/', '/mv/b.txt', '/mv/sub/', '/mv/sub2/'], 'the cache shows the server its own writes')
    })

    it('COPY of a folder with Depth 0 over an existing one makes the new folder first: when that fails, the destination stays', async () => {
      f.emu.fs().mkdir('/cp0/src')
      f.emu.fs().put('/cp0/dest/keep.txt', 'kept')
      const fresh = await startHarness(f, {retry: {maxAttempts: 2}})
      try {
        const headers = {destination: `${fresh.url}/cp0/dest`, depth: '0', overwrite: 'T'}
        f.emu.faults.inject({path: '/adrive/v1.0/openFile/create', status: 500, code: 'InternalError', times: 5})
        assert.equal((await fresh.dav('COPY', '/cp0/src', {headers})).status, 502)
        assert.equal(f.emu.fs().read('/cp0/dest/keep.txt').toString(), 'kept', 'the destination was not removed')
        assert.ok(!f.emu.fs().trashed().some((e) => e.name === 'dest'))
        f.emu.faults.clear()
        assert.equal((await fresh.dav('COPY', '/cp0/src', {headers})).status, 204)
        assert.deepEqual(f.emu.fs().list('/cp0').map((e) => e.name).sort(), ['dest', 'src'], 'the new folder took the name; no spare left')
        assert.deepEqual(f.emu.fs().list('/cp0/dest'), [], 'an empty folder')
        assert.ok(f.emu.fs().trashed().some((e) => e.name === 'dest'), 'the old one went to the recycle bin')
        const listed = multistatus((await fresh.dav('PROPFIND', '/cp0/', {headers: {depth: '1'}})).text)
        assert.deepEqual([...listed.keys()].sort(), ['/cp0/', '/cp0/dest/', '/cp0/src/'])
      } finally {
        await fresh.close()
      }
    })

    it('a Destination on another host is a 502; a folder into itself a 403', async () => {
      f.emu.fs().put('/mv2/x.txt', 'x')
      assert.equal((await s.dav('MOVE', '/mv2/x.txt', {headers: {destination: 'http://elsewhere.example:8080/x.txt'}})).status, 502)
      assert.equal((await s.dav('MOVE', '/mv2', {headers: {destination: `${s.url}/mv2/inner`}})).status, 403)
      assert.equal(f.emu.fs().read('/mv2/x.txt').toString(), 'x')
    })

    it('PROPPATCH of the modification time re-registers the same content by rapid upload: no bytes sent', async () => {
      f.emu.fs().put('/pp/clip.mov', pattern(2 * MiB, 21))
      const before = f.emu.fs().get('/pp/clip.mov')!
      const body = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>
        <Z:Win32LastModifiedTime>Wed, 20 Dec 2023 10:00:00 GMT</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>
        </D:prop></D:set></D:propertyupdate>`
      const r = await s.dav('PROPPATCH', '/pp/clip.mov', {body})
      assert.equal(r.status, 207)
      const result = multistatus(r.text).get('/pp/clip.mov')!
      assert.equal(result.get('{urn:schemas-microsoft-com:}Win32LastModifiedTime')!.status, 200)
      const after = f.emu.fs().get('/pp/clip.mov')!
      assert.equal(after.local_modified_at, '2023-12-20T10:00:00.000Z')
      assert.equal(after.content_hash, before.content_hash)
      assert.equal(f.emu.counters.bytesIn, 0, 'rapid upload: no data')
      assert.equal(f.emu.fs().list('/pp').length, 1, 'one file, no duplicate left behind')
      const props = multistatus((await s.dav('PROPFIND', '/pp/clip.mov', {headers: {depth: '0'}, body: PROPFIND_ALL})).text).get('/pp/clip.mov')!
      assert.equal(props.get(D('getlastmodified'))!.text, 'Wed, 20 Dec 2023 10:00:00 GMT')
      assert.equal(props.get('{urn:schemas-microsoft-com:}Win32FileAttributes')!.text, '00000020', 'the dead property came along to the new entry')
    })

    it('PROPPATCH is all or nothing: a protected property is 403 and the rest 424', async () => {
      f.emu.fs().put('/pp/x.txt', 'x')
      const body = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>"nope"</D:getetag><Q:color xmlns:Q="urn:q">red</Q:color></D:prop></D:set></D:propertyupdate>`
      const result = multistatus((await s.dav('PROPPATCH', '/pp/x.txt', {body})).text).get('/pp/x.txt')!
      assert.equal(result.get(D('getetag'))!.status, 403)
      assert.equal(result.get('{urn:q}color')!.status, 424)
      const props = multistatus((await s.dav('PROPFIND', '/pp/x.txt', {headers: {depth: '0'}, body: PROPFIND_ALL})).text).get('/pp/x.txt')!
      assert.equal(props.has('{urn:q}color'), false)
    })

    it('when the replaced entry cannot be removed, PUT, MOVE and COPY still succeed: the new entry stands, the next listing is fetched afresh', async () => {
      f.emu.fs().put('/keep/doc.txt', 'old doc')
      f.emu.fs().put('/keep/a.txt', 'A')
      f.emu.fs().put('/keep/b.txt', 'old b')
      f.emu.fs().put('/keep/c.txt', 'C')
      f.emu.fs().put('/keep/d.txt', 'old d')
      const fresh = await startHarness(f, {retry: {maxAttempts: 2}})
      const listsOnPropfind = async () => {
        const before = calls(f, LIST)
        assert.equal((await fresh.dav('PROPFIND', '/keep/', {headers: {depth: '1'}})).status, 207)
        return calls(f, LIST) - before
      }
      try {
        await listsOnPropfind()
        f.emu.faults.inject({path: '/adrive/v1.0/openFile/recyclebin/trash', status: 500, code: 'InternalError', times: 100})
        assert.equal((await fresh.dav('PUT', '/keep/doc.txt', {body: 'new doc'})).status, 204)
        assert.equal(await listsOnPropfind(), 1, 'the cached listing was dropped')
        assert.equal((await fresh.dav('MOVE', '/keep/a.txt', {headers: {destination: `${fresh.url}/keep/b.txt`}})).status, 204)
        assert.equal(await listsOnPropfind(), 1)
        assert.equal((await fresh.dav('COPY', '/keep/c.txt', {headers: {destination: `${fresh.url}/keep/d.txt`}})).status, 204)
        f.emu.faults.clear()
        const names = f.emu.fs().list('/keep').map((e) => e.name).sort()
        assert.deepEqual(names, ['b.txt', 'b.txt', 'c.txt', 'd.txt', 'd.txt', 'doc.txt', 'doc.txt'], 'old and new side by side')
        const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase()
        const hashes = f.emu.fs().list('/keep').filter((e) => e.name === 'doc.txt').map((e) => String(e.content_hash).toUpperCase()).sort()
        assert.deepEqual(hashes, [sha1('new doc'), sha1('old doc')].sort())
      } finally {
        await fresh.close()
      }
    })
  })

  describe('faults and bad input', () => {
    it('a 429 that outlasts the retries reaches the client as 503 with Retry-After, not a hang', async () => {
      f.emu.fs().mkdir('/throttled')
      const fresh = await startHarness(f, {retry: {max429Attempts: 3}})
      try {
        f.emu.faults.inject({path: LIST, status: 429, code: 'TooManyRequests', retryAfterMs: 1500, times: 10})
        const started = Date.now()
        const r = await fresh.dav('PROPFIND', '/throttled/', {headers: {depth: '1'}})
        assert.equal(r.status, 503)
        assert.equal(r.headers['retry-after'], '2')
        assert.ok(Date.now() - started < 10_000)
      } finally {
        await fresh.close()
      }
    })

    it('a service that keeps failing is a 502; a missing path a 404', async () => {
      f.emu.fs().mkdir('/failing')
      const fresh = await startHarness(f, {retry: {maxAttempts: 2}})
      try {
        f.emu.faults.inject({path: LIST, status: 500, code: 'InternalError', times: 5})
        assert.equal((await fresh.dav('PROPFIND', '/failing/', {headers: {depth: '1'}})).status, 502)
        assert.equal((await fresh.dav('PROPFIND', '/absent', {headers: {depth: '0'}})).status, 404)
      } finally {
        await fresh.close()
      }
    })

    it('`..` in any spelling never leaves the served folder; over-long names are 400; the server goes on', async () => {
      f.emu.fs().put('/outside.txt', 'outside')
      f.emu.fs().put('/jail/inside.txt', 'inside')
      const jailed = await startHarness(f, {root: '/jail'})
      try {
        for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/inside.txt/..%2f..%2foutside.txt', '/x/%2E%2E/%2E%2E/outside.txt']) {
          assert.equal((await jailed.dav('DELETE', path)).status, 400, path)
          assert.equal((await jailed.dav('GET', path)).status, 400, path)
        }
        const destination = `${jailed.url}/%2e%2e/stolen.txt`
        assert.equal((await jailed.dav('COPY', '/inside.txt', {headers: {destination}})).status, 400)
        assert.equal((await jailed.dav('PUT', `/${'n'.repeat(1025)}`, {body: 'x'})).status, 400)
        assert.equal(f.emu.fs().read('/outside.txt').toString(), 'outside')
        assert.equal(f.emu.fs().get('/stolen.txt'), undefined)
        assert.equal((await jailed.dav('GET', '/inside.txt')).status, 302, 'still serving')
      } finally {
        await jailed.close()
      }
    })
  })

  describe('options', () => {
    it('--proxy streams the bytes: 200 whole, 206 for a range, 416 past the end', async () => {
      const data = pattern(6 * MiB, 31)
      f.emu.fs().put('/px/v.mp4', data)
      const proxy = await startHarness(f, {proxy: true})
      try {
        const whole = await proxy.dav('GET', '/px/v.mp4')
        assert.equal(whole.status, 200)
        assert.deepEqual(whole.body, data)
        const part = await proxy.dav('GET', '/px/v.mp4', {headers: {range: 'bytes=1000-2999'}})
        assert.equal(part.status, 206)
        assert.equal(part.headers['content-range'], `bytes 1000-2999/${data.length}`)
        assert.deepEqual(part.body, data.subarray(1000, 3000))
        const tail = await proxy.dav('GET', '/px/v.mp4', {headers: {range: 'bytes=-10'}})
        assert.deepEqual(tail.body, data.subarray(data.length - 10))
        assert.equal((await proxy.dav('GET', '/px/v.mp4', {headers: {range: `bytes=${data.length}-`}})).status, 416)
        assert.equal(calls(f, LINK), 1, 'the proxy uses the link cache too')
      } finally {
        await proxy.close()
      }
    })

    it('--proxy: served bytes keep their own type (X-Content-Type-Options: nosniff); the HTML index still works', async () => {
      f.emu.fs().put('/px2/note.txt', '<html><script>alert(1)</script></html>')
      const proxy = await startHarness(f, {proxy: true})
      try {
        const r = await proxy.dav('GET', '/px2/note.txt')
        assert.equal(r.status, 200)
        assert.match(String(r.headers['content-type']), /^text\/plain/)
        assert.equal(r.headers['x-content-type-options'], 'nosniff')
        const ranged = await proxy.dav('GET', '/px2/note.txt', {headers: {range: 'bytes=0-5'}})
        assert.equal(ranged.status, 206)
        assert.equal(ranged.headers['x-content-type-options'], 'nosniff')
        const index = await proxy.dav('GET', '/px2/', {headers: {accept: 'text/html'}})
        assert.equal(index.status, 200)
        assert.match(String(index.headers['content-type']), /^text\/html/)
        assert.match(index.text, /<a href="\/px2\/note\.txt">note\.txt<\/a>/)
      } finally {
        await proxy.close()
      }
    })

    it('a dropped data-plane connection under --proxy continues from where it stopped', async () => {
      const data = pattern(6 * MiB, 32)
      f.emu.fs().put('/px/drop.bin', data)
      const proxy = await startHarness(f, {proxy: true})
      try {
        f.emu.faults.dropConnection({kind: 'download', afterBytes: 2 * MiB})
        const before = ossRequests()
        const whole = await proxy.dav('GET', '/px/drop.bin')
        assert.equal(whole.status, 200)
        assert.deepEqual(whole.body, data)
        // Counted as requests arrive: the log's entry for a request is written when its socket
        // closes, which may come after the client has every byte.
        assert.equal(ossRequests() - before, 2, 'two connections')
      } finally {
        await proxy.close()
      }
    })

    it('--read-only refuses every write with 403 and claims class 1 only', async () => {
      const ro = await startHarness(f, {readOnly: true})
      try {
        assert.equal((await ro.dav('PUT', '/ro.txt', {body: 'x'})).status, 403)
        assert.equal((await ro.dav('MKCOL', '/ro')).status, 403)
        assert.equal((await ro.dav('LOCK', '/ro.txt', {body: lockBody('exclusive')})).status, 403)
        assert.equal((await ro.dav('OPTIONS', '/')).headers.dav, '1')
        assert.equal(f.emu.fs().get('/ro.txt'), undefined)
      } finally {
        await ro.close()
      }
    })

    it('without credentials, a request under another Host is refused before it runs (DNS rebinding); with --user Host is not checked', async () => {
      f.emu.fs().put('/rebind/victim.txt', 'precious')
      const port = s.server.port
      for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `localhost.attacker.example:${port}`]) {
        const r = await s.dav('DELETE', '/rebind/victim.txt', {headers: {host}})
        assert.equal(r.status, 403, host)
        assert.equal((await s.dav('PROPFIND', '/rebind/', {headers: {host, depth: '1'}})).status, 403, host)
      }
      assert.equal(f.emu.fs().read('/rebind/victim.txt').toString(), 'precious')
      assert.equal(f.emu.log.length, 0, 'not one API call')
      for (const host of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, `127.0.0.1`]) {
        assert.equal((await s.dav('PROPFIND', '/rebind/', {headers: {host, depth: '1'}})).status, 207, host)
      }
      const auth = {user: 'tv', pass: 'pw'}
      const locked = await startHarness(f, {auth})
      try {
        assert.equal((await locked.dav('PROPFIND', '/rebind/', {headers: {host: 'nas.example:8080', depth: '1'}, auth})).status, 207)
      } finally {
        await locked.close()
      }
    })

    it('Basic auth: 401 with a challenge without the right credentials', async () => {
      const auth = {user: 'tv', pass: 's3cret: yes'}
      const locked = await startHarness(f, {auth})
      try {
        const denied = await locked.dav('PROPFIND', '/', {headers: {depth: '0'}})
        assert.equal(denied.status, 401)
        assert.match(String(denied.headers['www-authenticate']), /^Basic realm=/)
        assert.equal((await locked.dav('PROPFIND', '/', {headers: {depth: '0'}, auth: {user: 'tv', pass: 'wrong'}})).status, 401)
        assert.equal((await locked.dav('PROPFIND', '/', {headers: {depth: '0'}, auth})).status, 207)
        assert.ok(!locked.logLines.join('\n').includes('s3cret'))
      } finally {
        await locked.close()
      }
    })

    it('the log line never shows credentials sent in an absolute-form request target', async () => {
      const auth = {user: 'tv', pass: 'hunter22'}
      const locked = await startHarness(f, {auth})
      try {
        const {hostname, port} = new URL(locked.url)
        const status = await new Promise<number>((resolve, reject) => {
          const headers = {depth: '0', authorization: `Basic ${Buffer.from('tv:hunter22').toString('base64')}`}
          const req = httpRequest({hostname, port, method: 'PROPFIND', path: `http://tv:hunter22@127.0.0.1:${port}/?token=hunter22`, headers, agent: false}, (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          })
          req.on('error', reject)
          req.end()
        })
        assert.equal(status, 207)
        await waitFor(() => locked.logLines.length > 0)
        assert.deepEqual(locked.logLines.map((l) => l.replace(/\d+ ms$/, 'N ms')), ['PROPFIND / 207 N ms'])
      } finally {
        await locked.close()
      }
    })

    it("--refuse-finder-files: .DS_Store and ._* are refused and hidden", async () => {
      f.emu.fs().put('/mac/._old', 'x')
      f.emu.fs().put('/mac/photo.jpg', 'x')
      const mac = await startHarness(f, {refuseFinderFiles: true})
      try {
        assert.equal((await mac.dav('PUT', '/mac/.DS_Store', {body: 'x'})).status, 403)
        assert.equal((await mac.dav('PUT', '/mac/._photo.jpg', {body: 'x'})).status, 403)
        assert.deepEqual(hrefsOf((await mac.dav('PROPFIND', '/mac/', {headers: {depth: '1'}})).text), ['/mac/', '/mac/photo.jpg'])
      } finally {
        await mac.close()
      }
    })

    it('TLS: HTTPS with the given certificate', {skip: !hasOpenssl() && 'openssl is not installed'}, async () => {
      const dir = f.workDir
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
      const cert = readFileSync(join(dir, 'cert.pem'))
      const tls = await startHarness(f, {tls: {cert, key: readFileSync(join(dir, 'key.pem'))}})
      try {
        assert.match(tls.url, /^https:/)
        const r = await davRequest(`${tls.url}/`, 'PROPFIND', {headers: {depth: '0'}, ca: cert})
        assert.equal(r.status, 207)
      } finally {
        await tls.close()
      }
    })

    it('stopping the server aborts an upload in flight: nothing becomes visible', async () => {
      const stopping = await startHarness(f)
      const put = stopping.dav('PUT', '/stopped.bin', {chunks: chunksOf(pattern(4 * MiB, 41), 256 * 1024), headers: {'content-length': 4 * MiB}, pauseMs: 40})
      await waitFor(() => f.emu.log.some((e) => e.path.endsWith('/openFile/create')))
      await new Promise((r) => setTimeout(r, 150)) // the body is on its way
      await stopping.close()
      await put.then(
        (r) => assert.equal(r.status, 503),
        () => undefined,
      )
      await new Promise((r) => setTimeout(r, 200))
      assert.equal(f.emu.fs().get('/stopped.bin'), undefined)
      assert.ok(!f.emu.log.some((e) => e.path.endsWith('/complete')))
    })
  })
})

function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

function lockBody(scope: 'exclusive' | 'shared'): string {
  return `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>tester</D:href></D:owner></D:lockinfo>`
}

function hrefsOf(xml: string): string[] {
  return [...multistatus(xml).keys()]
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function hasOpenssl(): boolean {
  return ['/usr/bin/openssl', '/usr/local/bin/openssl', '/opt/homebrew/bin/openssl'].some((p) => existsSync(p))
}
