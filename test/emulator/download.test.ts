import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, bytes, fetchRes, setup, sha1, xml} from './kit.js'

describe('§4.8/§6 downloads', () => {
  let emu: Emulator
  let api: Client
  const data = bytes(8 * 1024 * 1024, 42)
  let fileId: string
  before(async () => {
    ;({emu, api} = await setup())
    fileId = emu.fs().put('/movie.mp4', data).file_id as string
    emu.fs().put('/small.txt', '0123456789')
  })
  after(() => emu.close())

  const link = async (file_id = fileId, extra: Record<string, unknown> = {}) => {
    const r = await api.file('getDownloadUrl', {file_id, ...extra})
    assert.equal(r.status, 200, r.text)
    return r.body
  }
  const smallId = () => emu.fs().get('/small.txt')?.file_id as string

  it('§4.8 answer: url, expiration (default 900 s), method GET, size, file_id, content_hash(_name)', async () => {
    const b = await link()
    assert.deepEqual(
      Object.keys(b).sort(),
      ['content_hash', 'content_hash_name', 'description', 'expiration', 'file_id', 'method', 'size', 'url'],
    )
    assert.deepEqual([b.method, b.size, b.file_id, b.content_hash, b.content_hash_name], ['GET', data.length, fileId, sha1(data), 'sha1'])
    const ttl = (Date.parse(b.expiration) - emu.now()) / 1000
    assert.ok(ttl > 895 && ttl <= 900, String(ttl))
    assert.equal(Number(new URL(b.url).searchParams.get('x-oss-expires')), Date.parse(b.expiration) / 1000)
  })

  it('§6 URL query keys as observed', async () => {
    const u = new URL((await link()).url)
    assert.deepEqual([...u.searchParams.keys()], [
      'di', 'dr', 'f', 'response-content-disposition', 'security-token', 'u',
      'x-oss-access-key-id', 'x-oss-expires', 'x-oss-signature', 'x-oss-signature-version',
    ])
    assert.deepEqual(
      [u.searchParams.get('di'), u.searchParams.get('dr'), u.searchParams.get('f'), u.searchParams.get('u'), u.searchParams.get('x-oss-signature-version')],
      ['bj29', emu.user.default_drive_id, fileId, emu.user.user_id, 'OSS2'],
    )
    assert.equal(u.searchParams.get('response-content-disposition'), "attachment; filename*=UTF-8''movie.mp4")
    assert.match(u.search, /filename%2A%3DUTF-8%27%27movie\.mp4/)
  })

  it('§4.8 expire_sec is clamped to the tier maximum (normal 900, certified 14400)', async () => {
    const clamp = async () => (Date.parse((await link(fileId, {expire_sec: 14400})).expiration) - emu.now()) / 1000
    assert.ok((await clamp()) <= 900)
    emu.setTier('certified')
    try {
      assert.ok((await clamp()) > 14000)
    } finally {
      emu.setTier('normal')
    }
  })

  it('§6 full GET: 200, Accept-Ranges: bytes, Content-Length, identical bytes; bytesOut counts them', async () => {
    const before = emu.counters.bytesOut
    const r = await fetch((await link()).url)
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('accept-ranges'), 'bytes')
    assert.equal(r.headers.get('content-length'), String(data.length))
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(data))
    assert.equal(emu.counters.bytesOut, before + data.length)
  })

  it('§6 Range bytes=a-b and bytes=a- → 206 with Content-Range; unsatisfiable → 416', async () => {
    const {url} = await link(smallId())
    const a = await fetch(url, {headers: {range: 'bytes=2-5'}})
    assert.equal(a.status, 206)
    assert.equal(a.headers.get('content-range'), 'bytes 2-5/10')
    assert.equal(await a.text(), '2345')
    const b = await fetch(url, {headers: {range: 'bytes=7-'}})
    assert.deepEqual([b.status, b.headers.get('content-range'), await b.text()], [206, 'bytes 7-9/10', '789'])
    const c = await fetch(url, {headers: {range: 'bytes=-3'}})
    assert.deepEqual([c.status, await c.text()], [206, '789'])
    const d = await fetchRes(url, {headers: {range: 'bytes=10-'}})
    assert.equal(d.status, 416)
    assert.equal(xml(d.text, 'Code'), 'InvalidRange')
  })

  it('§6 an expired URL → 403 XML AccessDenied "Request has expired." with <Expires>/<ServerTime>', async () => {
    const {url} = await link(smallId())
    emu.advanceTime(900 * 1000)
    const r = await fetchRes(url)
    assert.equal(r.status, 403)
    assert.equal(xml(r.text, 'Code'), 'AccessDenied')
    assert.equal(xml(r.text, 'Message'), 'Request has expired.')
    assert.ok(xml(r.text, 'Expires'))
    assert.ok(xml(r.text, 'ServerTime'))
  })

  it('§6 a tampered URL → 403 SignatureDoesNotMatch', async () => {
    const u = new URL((await link(smallId())).url)
    u.searchParams.set('f', fileId)
    const r = await fetchRes(u.toString())
    assert.deepEqual([r.status, xml(r.text, 'Code')], [403, 'SignatureDoesNotMatch'])
  })

  it('§6 per-user concurrency (normal tier: 3 active bodies) → 403 RequestDeniedByCallback / ExceedMaxConcurrency', async () => {
    const {url} = await link()
    const open = await Promise.all([1, 2, 3].map(() => fetch(url)))
    for (const r of open) assert.equal(r.status, 200)
    const denied = await fetchRes(url)
    assert.equal(denied.status, 403)
    assert.equal(xml(denied.text, 'Code'), 'RequestDeniedByCallback')
    assert.equal(xml(denied.text, 'Message'), 'Callback deny this request reason: ExceedMaxConcurrency')
    assert.equal(xml(denied.text, 'EC'), '0007-00000209')
    const other = emu.createUser('carol')
    const theirs = emu.fs(other.default_drive_id).put('/c.txt', 'c')
    const otherApi = new Client(emu, emu.issueTokens({userId: other.user_id}).access_token)
    const otherLink = await otherApi.post('/adrive/v1.0/openFile/getDownloadUrl', {drive_id: other.default_drive_id, file_id: theirs.file_id})
    assert.equal((await fetch(otherLink.body.url)).status, 200, 'the limit is per user')
    await Promise.all(open.map((r) => r.body?.cancel()))
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 20))
      const r = await fetch(url, {headers: {range: 'bytes=0-0'}})
      status = r.status
      await r.arrayBuffer()
    }
    assert.equal(status, 206, 'slots are released when bodies end')
  })

  it('§4.8 live photos: url "" and streamsUrl {jpeg, mov} serving each stream', async () => {
    emu.fs().seedLivePhoto('/IMG_1.livp', {jpeg: 'JPEGDATA', mov: 'MOVDATA'})
    const b = await link(emu.fs().get('/IMG_1.livp')?.file_id as string)
    assert.equal(b.url, '')
    assert.deepEqual(Object.keys(b.streamsUrl).sort(), ['jpeg', 'mov'])
    assert.equal(await (await fetch(b.streamsUrl.jpeg)).text(), 'JPEGDATA')
    assert.equal(await (await fetch(b.streamsUrl.mov)).text(), 'MOVDATA')
  })

  it('getDownloadUrl on a folder → 400; on a missing file → 404 NotFound.File', async () => {
    emu.fs().mkdir('/afolder')
    assert.equal((await api.file('getDownloadUrl', {file_id: emu.fs().get('/afolder')?.file_id})).status, 400)
    assert.equal((await api.file('getDownloadUrl', {file_id: 'e'.repeat(40)})).body.code, 'NotFound.File')
  })

  it('a download connection dropped by a fault ends early', async () => {
    emu.faults.dropConnection({kind: 'download', afterBytes: 1000})
    const r = await fetch((await link()).url)
    assert.equal(r.status, 200)
    await assert.rejects(r.arrayBuffer())
    const ok = await fetch((await link()).url, {headers: {range: 'bytes=0-99'}})
    assert.equal((await ok.arrayBuffer()).byteLength, 100)
  })

  it('the download cap paces each connection on its own; peakDownloads counts bodies in flight at once', async () => {
    // A user of its own: a body an earlier test let go of may still count for the default user.
    const user = emu.createUser('cap')
    const own = new Client(emu, emu.issueTokens({userId: user.user_id}).access_token)
    const capFile = emu.fs(user.default_drive_id).put('/cap.bin', data).file_id as string
    const {url} = (await own.file('getDownloadUrl', {drive_id: user.default_drive_id, file_id: capFile})).body as {url: string}
    emu.setDownloadCap(4 * 1024 * 1024)
    emu.resetCounters()
    try {
      const started = Date.now()
      const range = (a: number, b: number) => fetch(url, {headers: {range: `bytes=${a}-${b}`}}).then((r) => r.arrayBuffer())
      // Two connections of 4 MiB each at 4 MiB/s per connection: ~1 s, not ~2 s (a shared cap).
      const MiB = 1024 * 1024
      const parts = await Promise.all([range(0, 4 * MiB - 1), range(4 * MiB, 8 * MiB - 1)])
      const elapsed = Date.now() - started
      assert.deepEqual(parts.map((p) => p.byteLength), [4 * MiB, 4 * MiB])
      assert.ok(elapsed >= 900 && elapsed < 1700, `took ${elapsed} ms`)
      assert.equal(emu.counters.peakDownloads, 2)
    } finally {
      emu.setDownloadCap(false)
    }
    const started = Date.now()
    await fetch(url).then((r) => r.arrayBuffer())
    assert.ok(Date.now() - started < 1000, 'off again: 8 MiB at loopback speed, not the 2 s the cap would take')
  })
})
