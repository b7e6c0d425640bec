import assert from 'node:assert/strict'
import {request} from 'node:http'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, bytes, fetchRes, putPart, setup, sha1, xml} from './kit.js'

describe('§5.6/§5.7 upload data plane (PUT to part URLs)', () => {
  let emu: Emulator
  let api: Client
  before(async () => ({emu, api} = await setup()))
  after(() => emu.close())

  const session = async (parts = 2) => {
    const r = await api.file('create', {
      parent_file_id: 'root',
      name: `s-${Math.random()}.bin`,
      type: 'file',
      part_info_list: Array.from({length: parts}, (_, i) => ({part_number: i + 1})),
    })
    assert.equal(r.status, 200, r.text)
    return r.body as {file_id: string; upload_id: string; part_info_list: Array<{upload_url: string}>}
  }
  const assertOssError = (r: {status: number; text: string; headers: Headers}, status: number, code: string) => {
    assert.equal(r.status, status, r.text)
    assert.match(r.headers.get('content-type') ?? '', /xml/)
    assert.equal(xml(r.text, 'Code'), code)
    // element order as observed: Code, Message, RequestId, HostId, …, EC, RecommendDoc
    const order = [...r.text.matchAll(/<(\w+)>/g)].map((m) => m[1]).filter((e) => e !== 'Error')
    assert.deepEqual(order.slice(0, 4), ['Code', 'Message', 'RequestId', 'HostId'])
    assert.deepEqual(order.slice(-2), ['EC', 'RecommendDoc'])
    assert.match(r.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/)
  }

  it('§5.7 part URLs: /oss/ path, partNumber, uploadId, absolute x-oss-expires (+3600 s), OSS2 signature, STS params', async () => {
    const s = await session(1)
    const u = new URL(s.part_info_list[0].upload_url)
    assert.equal(u.origin, emu.url)
    assert.match(u.pathname, /^\/oss\/[^/]+%2F\d+%2F[0-9a-f]{40}%2F/)
    const q = u.searchParams
    assert.deepEqual([...q.keys()], ['partNumber', 'security-token', 'uploadId', 'x-oss-access-key-id', 'x-oss-expires', 'x-oss-signature', 'x-oss-signature-version'])
    assert.equal(q.get('partNumber'), '1')
    assert.equal(q.get('uploadId'), s.upload_id)
    assert.equal(q.get('x-oss-signature-version'), 'OSS2')
    assert.match(q.get('x-oss-access-key-id') ?? '', /^STS\./)
    const expires = Number(q.get('x-oss-expires'))
    assert.ok(Math.abs(expires - (Math.floor(emu.now() / 1000) + 3600)) <= 2)
  })

  it('success → 200 with the part ETag header; bytesIn counts accepted bytes', async () => {
    const s = await session(1)
    const before = emu.counters.bytesIn
    const r = await putPart(s.part_info_list[0].upload_url, Buffer.from('abc'))
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('etag'), '"900150983CD24FB0D6963F7D28E17F72"')
    assert.equal(emu.counters.bytesIn, before + 3)
  })

  it('a non-empty Content-Type → 403 XML SignatureDoesNotMatch', async () => {
    const s = await session(1)
    const r = await fetchRes(s.part_info_list[0].upload_url, {method: 'PUT', body: 'text body'})
    assertOssError(r, 403, 'SignatureDoesNotMatch')
    const again = await putPart(s.part_info_list[0].upload_url, Buffer.from('x'), {'content-type': 'application/octet-stream'})
    assertOssError(again, 403, 'SignatureDoesNotMatch')
    assert.equal((await putPart(s.part_info_list[0].upload_url, Buffer.from('x'))).status, 200, 'nothing was stored by the refused PUTs')
  })

  it('[U] a chunked body without Content-Length → 411 XML MissingContentLength', async () => {
    const s = await session(1)
    const status = await new Promise<[number, string]>((resolve, reject) => {
      const req = request(s.part_info_list[0].upload_url, {method: 'PUT'}, (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve([res.statusCode ?? 0, text]))
      })
      req.on('error', reject)
      req.write('chunk one')
      req.end('chunk two')
    })
    assert.equal(status[0], 411)
    assert.equal(xml(status[1], 'Code'), 'MissingContentLength')
  })

  it('part 2 before part 1 → 400 PartNotSequential with <PartNumber>; re-upload of a stored part → 409 PartAlreadyExist', async () => {
    const s = await session(3)
    const early = await putPart(s.part_info_list[1].upload_url, Buffer.from('two'))
    assertOssError(early, 400, 'PartNotSequential')
    assert.equal(xml(early.text, 'PartNumber'), '2')
    assert.equal(xml(early.text, 'EC'), '0042-00000105')
    assert.equal(xml(early.text, 'Message'), 'For sequential multipart upload, you must upload or complete parts with sequential part number.')
    assert.equal((await putPart(s.part_info_list[0].upload_url, bytes(100 * 1024))).status, 200)
    const dup = await putPart(s.part_info_list[0].upload_url, bytes(100 * 1024))
    assertOssError(dup, 409, 'PartAlreadyExist')
    assert.equal(xml(dup.text, 'EC'), '0042-00000108')
    const skip = await putPart(s.part_info_list[2].upload_url, Buffer.from('three'))
    assertOssError(skip, 400, 'PartNotSequential')
    assert.equal((await putPart(s.part_info_list[1].upload_url, Buffer.from('two'))).status, 200)
  })

  it('a tampered URL → 403 SignatureDoesNotMatch', async () => {
    const s = await session(1)
    const u = new URL(s.part_info_list[0].upload_url)
    u.searchParams.set('partNumber', '2')
    assertOssError(await putPart(u.toString(), Buffer.from('x')), 403, 'SignatureDoesNotMatch')
    const v = new URL(s.part_info_list[0].upload_url)
    v.searchParams.set('x-oss-expires', String(Number(v.searchParams.get('x-oss-expires')) + 10))
    assertOssError(await putPart(v.toString(), Buffer.from('x')), 403, 'SignatureDoesNotMatch')
  })

  it('an expired URL → 403 AccessDenied "Request has expired." with <Expires> and <ServerTime>; getUploadUrl renews', async () => {
    const s = await session(1)
    emu.advanceTime(3600 * 1000)
    const r = await putPart(s.part_info_list[0].upload_url, Buffer.from('x'))
    assertOssError(r, 403, 'AccessDenied')
    assert.equal(xml(r.text, 'Message'), 'Request has expired.')
    assert.match(xml(r.text, 'Expires') ?? '', /^\d{4}-\d\d-\d\dT/)
    assert.match(xml(r.text, 'ServerTime') ?? '', /^\d{4}-\d\d-\d\dT/)
    const fresh = await api.file('getUploadUrl', {file_id: s.file_id, upload_id: s.upload_id, part_info_list: [{part_number: 1}]})
    assert.equal((await putPart(fresh.body.part_info_list[0].upload_url, Buffer.from('x'))).status, 200)
  })

  it('a completed upload → 404 NoSuchUpload', async () => {
    const s = await session(1)
    await putPart(s.part_info_list[0].upload_url, Buffer.from('x'))
    assert.equal((await api.file('complete', {file_id: s.file_id, upload_id: s.upload_id})).status, 200)
    assertOssError(await putPart(s.part_info_list[0].upload_url, Buffer.from('y')), 404, 'NoSuchUpload')
  })

  it('a connection dropped mid-body leaves no trace; the retried part completes the file correctly', async () => {
    const s = await session(2)
    const p1 = bytes(200 * 1024, 4)
    const p2 = bytes(150 * 1024, 5)
    assert.equal((await putPart(s.part_info_list[0].upload_url, p1)).status, 200)
    emu.faults.dropConnection({kind: 'upload', afterBytes: 64 * 1024})
    await assert.rejects(putPart(s.part_info_list[1].upload_url, p2))
    const listed = await api.file('listUploadedParts', {file_id: s.file_id, upload_id: s.upload_id})
    assert.deepEqual(listed.body.uploaded_parts.map((p: {part_number: number}) => p.part_number), [1])
    assert.equal((await putPart(s.part_info_list[1].upload_url, p2)).status, 200)
    const done = await api.file('complete', {file_id: s.file_id, upload_id: s.upload_id})
    const all = Buffer.concat([p1, p2])
    assert.deepEqual([done.body.size, done.body.content_hash], [all.length, sha1(all)])
  })

  it('a retry of a part whose PUT is still in flight supersedes it (the stale connection is cut)', async () => {
    const s = await session(1)
    const url = s.part_info_list[0].upload_url
    const data = bytes(200_000, 8)
    let release = () => {}
    const gate = new Promise<void>((res) => (release = res))
    const stalled = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(data.subarray(0, 50_000))
        await gate
        controller.close()
      },
    })
    const first = fetchRes(url, {method: 'PUT', body: stalled, headers: {'content-length': String(data.length)}, duplex: 'half'} as RequestInit).then(
      () => 'answered',
      () => 'cut',
    )
    await new Promise((res) => setTimeout(res, 50))
    const second = await putPart(url, data)
    assert.equal(second.status, 200, second.text)
    assert.equal(await first, 'cut')
    release()
    const done = await api.file('complete', {file_id: s.file_id, upload_id: s.upload_id})
    assert.deepEqual([done.body.size, done.body.content_hash], [data.length, sha1(data)])
  })

  it('the data plane needs no Authorization header and ignores a Referer', async () => {
    const s = await session(1)
    const r = await putPart(s.part_info_list[0].upload_url, Buffer.from('ok'), {referer: 'https://www.aliyundrive.com/'})
    assert.equal(r.status, 200)
  })
})
