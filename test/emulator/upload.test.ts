import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, bytes, fetchRes, putPart, setup, sha1, upload} from './kit.js'
import {preHash, proofCode} from './proof.js'

const MiB = 1024 * 1024

describe('§5 upload API', () => {
  let emu: Emulator
  let api: Client
  before(async () => ({emu, api} = await setup()))
  after(() => emu.close())

  const create = (body: Record<string, unknown>) => api.file('create', {parent_file_id: 'root', type: 'file', check_name_mode: 'ignore', ...body})

  it('§5.1/§5.8 multi-part upload of a few MiB reads back identical; size and SHA-1 computed from the bytes', async () => {
    const data = bytes(5 * MiB + 12345, 7)
    const done = await upload(api, 'big.bin', data, MiB)
    assert.equal(done.status, 200, done.text)
    assert.equal(done.body.size, data.length)
    assert.equal(done.body.content_hash, sha1(data))
    assert.equal(done.body.name, 'big.bin')
    assert.ok(emu.fs().read('/big.bin').equals(data))
    const link = await api.file('getDownloadUrl', {file_id: done.body.file_id})
    const got = Buffer.from(await (await fetch(link.body.url)).arrayBuffer())
    assert.ok(got.equals(data))
  })

  it('§5.2 normal session answer: file_name, upload_id, part_info_list with upload URLs; invisible until complete', async () => {
    const r = await create({name: 'pending.txt', size: 5, part_info_list: [{part_number: 1, part_size: 5}]})
    assert.equal(r.status, 200)
    const b = r.body
    assert.deepEqual([b.file_name, b.type, b.exist, b.rapid_upload, b.status, b.available], ['pending.txt', 'file', false, false, 'available', true])
    assert.match(b.upload_id, /^[0-9A-F]{32}$/)
    assert.match(b.file_id, /^[0-9a-f]{40}$/)
    assert.deepEqual(b.part_info_list.map((p: {part_number: number; part_size: number}) => [p.part_number, p.part_size]), [[1, 5]])
    assert.equal((await api.file('get_by_path', {file_path: '/pending.txt'})).status, 404)
    assert.equal((await api.file('get', {file_id: b.file_id})).status, 404)
    assert.equal((await putPart(b.part_info_list[0].upload_url, Buffer.from('hello'))).status, 200)
    assert.equal((await api.file('get_by_path', {file_path: '/pending.txt'})).status, 404)
    const done = await api.file('complete', {file_id: b.file_id, upload_id: b.upload_id})
    assert.deepEqual([done.body.file_id, done.body.size, done.body.content_hash], [b.file_id, 5, sha1(Buffer.from('hello'))])
    assert.equal((await api.file('get_by_path', {file_path: '/pending.txt'})).status, 200)
    const again = await api.file('complete', {file_id: b.file_id, upload_id: b.upload_id})
    assert.equal(again.body.file_id, b.file_id, 'complete is idempotent')
  })

  it('§5.2 size and part_info_list are optional: part 1 is handed out, more via getUploadUrl (OpenDAL streaming)', async () => {
    const r = await create({name: 'stream.bin'})
    assert.deepEqual(r.body.part_info_list.map((p: {part_number: number}) => p.part_number), [1])
    const data = bytes(300 * 1024, 3)
    await putPart(r.body.part_info_list[0].upload_url, data.subarray(0, 200 * 1024))
    const more = await api.file('getUploadUrl', {file_id: r.body.file_id, upload_id: r.body.upload_id, part_info_list: [{part_number: 2}]})
    assert.equal(more.status, 200)
    assert.deepEqual(Object.keys(more.body).sort(), ['created_at', 'domain_id', 'drive_id', 'file_id', 'part_info_list', 'upload_id'])
    assert.equal((await putPart(more.body.part_info_list[0].upload_url, data.subarray(200 * 1024))).status, 200)
    const done = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.equal(done.body.content_hash, sha1(data))
  })

  it('§5.8 listUploadedParts: camelCase parallelUpload, {etag, part_number, part_size}, next_part_number_marker', async () => {
    const r = await create({name: 'parts.bin', part_info_list: [{part_number: 1}, {part_number: 2}]})
    const [p1, p2] = r.body.part_info_list
    const put1 = await putPart(p1.upload_url, bytes(100 * 1024))
    await putPart(p2.upload_url, Buffer.from('tail'))
    const l = await api.file('listUploadedParts', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.equal(l.status, 200)
    assert.equal(l.body.parallelUpload, false)
    assert.equal(l.body.next_part_number_marker, '')
    assert.deepEqual(l.body.uploaded_parts, [
      {etag: put1.headers.get('etag'), part_number: 1, part_size: 100 * 1024},
      {etag: l.body.uploaded_parts[1].etag, part_number: 2, part_size: 4},
    ])
    const page = await api.file('listUploadedParts', {file_id: r.body.file_id, upload_id: r.body.upload_id, max_parts: 1})
    assert.equal(page.body.next_part_number_marker, '1')
    const rest = await api.file('listUploadedParts', {file_id: r.body.file_id, upload_id: r.body.upload_id, part_number_marker: 1})
    assert.deepEqual(rest.body.uploaded_parts.map((p: {part_number: number}) => p.part_number), [2])
  })

  it('§5.3 pre_hash probe: same size + first-KiB SHA-1 as stored content → 409 PreHashMatched; else a normal session', async () => {
    const data = bytes(4000, 11)
    emu.fs().put('/seed.bin', data)
    const hit = await create({name: 'probe.bin', size: data.length, pre_hash: preHash(data).toLowerCase()})
    assert.deepEqual([hit.status, hit.body.code], [409, 'PreHashMatched'])
    assert.equal(typeof hit.body.requestId, 'string')
    const otherSize = await create({name: 'probe.bin', size: data.length + 1, pre_hash: preHash(data)})
    assert.deepEqual([otherSize.status, otherSize.body.rapid_upload], [200, false])
    assert.ok(otherSize.body.upload_id)
  })

  it('§5.4 rapid upload: known content + proof from the caller\'s own token → rapid_upload, visible at once, no part URLs', async () => {
    const data = bytes(3000, 5)
    emu.fs().put('/rapid-src.bin', data)
    const r = await create({name: 'rapid.bin', size: data.length, content_hash: sha1(data).toLowerCase(), content_hash_name: 'sha1', proof_version: 'v1', proof_code: proofCode(api.token as string, data)})
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.rapid_upload, true)
    assert.deepEqual(r.body.part_info_list ?? [], [])
    assert.ok(r.body.upload_id)
    const seen = await api.file('get_by_path', {file_path: '/rapid.bin'})
    assert.deepEqual([seen.status, seen.body.content_hash, seen.body.size], [200, sha1(data), data.length])
    const done = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.deepEqual([done.status, done.body.file_id], [200, r.body.file_id])
  })

  it('§5.4 a proof computed with another token → 400 InvalidRapidProof', async () => {
    const data = bytes(3000, 6)
    emu.fs().put('/proof-src.bin', data)
    const r = await create({name: 'x.bin', size: data.length, content_hash: sha1(data), content_hash_name: 'sha1', proof_version: 'v1', proof_code: proofCode(emu.issueTokens().access_token, data)})
    assert.deepEqual([r.status, r.body.code], [400, 'InvalidRapidProof'])
  })

  it('§5.4 rapid upload works across users (content-addressed store); the empty file always rapid-uploads', async () => {
    const data = bytes(2000, 9)
    emu.fs().put('/shared.bin', data)
    const bob = emu.createUser('bob')
    const bobApi = new Client(emu, emu.issueTokens({userId: bob.user_id}).access_token)
    const r = await bobApi.post('/adrive/v1.0/openFile/create', {drive_id: bob.default_drive_id, parent_file_id: 'root', name: 'mine.bin', type: 'file', size: data.length, content_hash: sha1(data), content_hash_name: 'sha1', proof_version: 'v1', proof_code: proofCode(bobApi.token as string, data)})
    assert.equal(r.body.rapid_upload, true)
    assert.ok(emu.fs(bob.default_drive_id).read('/mine.bin').equals(data))
    const empty = await create({name: 'empty.txt', size: 0, content_hash: 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709', content_hash_name: 'sha1', proof_version: 'v1', proof_code: ''})
    assert.equal(empty.body.rapid_upload, true)
  })

  it('§5.4 rapid upload into another drive of the same user (default → resource); faults.missRapid answers the no-match session once', async () => {
    const data = bytes(3000, 21)
    emu.fs().put('/to-resource.bin', data)
    const resource = emu.user.resource_drive_id
    const offer = (name: string) =>
      api.file('create', {drive_id: resource, parent_file_id: 'root', type: 'file', check_name_mode: 'refuse', name, size: data.length, part_info_list: [{part_number: 1}], content_hash: sha1(data), content_hash_name: 'sha1', proof_version: 'v1', proof_code: proofCode(api.token as string, data)})
    const hit = await offer('hit.bin')
    assert.deepEqual([hit.status, hit.body.rapid_upload, hit.body.drive_id], [200, true, resource])
    assert.ok(emu.fs(resource).read('/hit.bin').equals(data))
    assert.equal(emu.fs().get('/hit.bin'), undefined, 'nothing appeared in the default drive')

    emu.faults.missRapid()
    const miss = await offer('miss.bin')
    assert.deepEqual([miss.status, miss.body.rapid_upload, miss.body.part_info_list.length], [200, false, 1])
    assert.equal(emu.fs(resource).get('/miss.bin'), undefined, 'a normal session stays invisible until complete')
    assert.equal((await putPart(miss.body.part_info_list[0].upload_url, data)).status, 200)
    const done = await api.file('complete', {drive_id: resource, file_id: miss.body.file_id, upload_id: miss.body.upload_id})
    assert.deepEqual([done.status, done.body.content_hash], [200, sha1(data)])
    assert.equal((await offer('again.bin')).body.rapid_upload, true, 'the miss was used up')
  })

  it('§5.4 unknown content_hash → a normal session; content_hash_name "none" is accepted', async () => {
    const data = bytes(500, 77)
    const r = await create({name: 'new.bin', size: data.length, content_hash: sha1(data), content_hash_name: 'sha1', proof_version: 'v1', proof_code: proofCode(api.token as string, data)})
    assert.deepEqual([r.status, r.body.rapid_upload], [200, false])
    assert.equal(r.body.part_info_list.length, 1)
    const none = await create({name: 'none.bin', size: 3, content_hash: '', content_hash_name: 'none', proof_code: '', proof_version: 'v1'})
    assert.deepEqual([none.status, none.body.rapid_upload], [200, false])
  })

  it('§5.2 check_name_mode: refuse → exist:true with the existing id and no upload; auto_rename renames', async () => {
    const existing = emu.fs().put('/same.txt', 'old')
    const refused = await create({name: 'same.txt', size: 3, check_name_mode: 'refuse'})
    assert.deepEqual([refused.status, refused.body.exist, refused.body.file_id], [200, true, existing.file_id])
    assert.equal(refused.body.upload_id, undefined)
    assert.equal(refused.body.part_info_list, undefined)
    const renamed = await create({name: 'same.txt', size: 3, check_name_mode: 'auto_rename'})
    assert.equal(renamed.body.file_name, 'same(1).txt')
  })

  it('§5.2 above fileSizeCap → 413 plain text "Payload Too Large"; over quota → QuotaExhausted.Drive', async () => {
    const small = await setup({fileSizeCap: 1000, totalSpace: 500})
    try {
      const c = (body: Record<string, unknown>) => small.api.file('create', {parent_file_id: 'root', type: 'file', name: 'f', ...body})
      const big = await c({size: 1001})
      assert.equal(big.status, 413)
      assert.equal(big.text, 'Payload Too Large')
      assert.match(big.headers.get('content-type') ?? '', /^text\/plain/)
      const full = await c({size: 501})
      assert.deepEqual([full.status, full.body.code], [400, 'QuotaExhausted.Drive'])
      assert.equal((await c({size: 500})).status, 200)
    } finally {
      await small.emu.close()
    }
  })

  it('§5.2 more than 10000 parts → 400 with the documented message', async () => {
    const r = await create({name: 'many.bin', part_info_list: Array.from({length: 10001}, (_, i) => ({part_number: i + 1}))})
    assert.equal(r.status, 400)
    assert.equal(r.body.message, 'The input parameter part_info_list is not valid. part count can not over 10000')
  })

  it('§5.8 unknown session → 400 NotFound.UploadId on getUploadUrl, listUploadedParts and complete', async () => {
    for (const op of ['getUploadUrl', 'listUploadedParts', 'complete']) {
      const r = await api.file(op, {file_id: 'a'.repeat(40), upload_id: 'B'.repeat(32)})
      assert.deepEqual([r.status, r.body.code], [400, 'NotFound.UploadId'], op)
    }
  })

  it('[U] complete: bytes differing from the declared content_hash → 400 InvalidParameter.ContentHash; size mismatch → 400', async () => {
    const r = await create({name: 'liar.bin', size: 4, content_hash: sha1(Buffer.from('abcd')), content_hash_name: 'sha1'})
    await putPart(r.body.part_info_list[0].upload_url, Buffer.from('wxyz'))
    const done = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.deepEqual([done.status, done.body.code], [400, 'InvalidParameter.ContentHash'])
    const short = await create({name: 'short.bin', size: 10})
    await putPart(short.body.part_info_list[0].upload_url, Buffer.from('abc'))
    const s = await api.file('complete', {file_id: short.body.file_id, upload_id: short.body.upload_id})
    assert.deepEqual([s.status, s.body.code], [400, 'InvalidParameter.Size'])
  })

  it('§5.5 parts other than the last must be ≥ 100 KiB → complete answers 400 EntityTooSmall', async () => {
    const r = await create({name: 'tiny.bin', part_info_list: [{part_number: 1}, {part_number: 2}]})
    await putPart(r.body.part_info_list[0].upload_url, Buffer.alloc(1000))
    await putPart(r.body.part_info_list[1].upload_url, Buffer.alloc(1000))
    const done = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.deepEqual([done.status, done.body.code], [400, 'EntityTooSmall'])
  })

  it('§5.8 deleting an unfinished upload\'s file_id aborts the session (PUT → 404 NoSuchUpload)', async () => {
    const r = await create({name: 'abort.bin'})
    assert.equal((await api.file('delete', {file_id: r.body.file_id})).status, 200)
    const put = await putPart(r.body.part_info_list[0].upload_url, Buffer.from('x'))
    assert.equal(put.status, 404)
    assert.match(put.text, /<Code>NoSuchUpload<\/Code>/)
    const c = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.equal(c.body.code, 'NotFound.UploadId')
  })

  it('§5.8 complete with refuse re-checks the name: a file that appeared meanwhile → 409 AlreadyExist.File', async () => {
    const r = await create({name: 'race.txt', check_name_mode: 'refuse', size: 1})
    await putPart(r.body.part_info_list[0].upload_url, Buffer.from('1'))
    emu.fs().put('/race.txt', 'first')
    const done = await api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    assert.deepEqual([done.status, done.body.code], [409, 'AlreadyExist.File'])
  })

  it('complete waits for a part still being written', async () => {
    const r = await create({name: 'slow.bin', size: 200_000})
    const url = r.body.part_info_list[0].upload_url
    const data = bytes(200_000, 2)
    let release = () => {}
    const gate = new Promise<void>((res) => (release = res))
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(data.subarray(0, 100_000))
        await gate
        controller.enqueue(data.subarray(100_000))
        controller.close()
      },
    })
    const put = fetchRes(url, {method: 'PUT', body, headers: {'content-length': String(data.length)}, duplex: 'half'} as RequestInit)
    await new Promise((res) => setTimeout(res, 50))
    const done = api.file('complete', {file_id: r.body.file_id, upload_id: r.body.upload_id})
    await new Promise((res) => setTimeout(res, 50))
    release()
    assert.equal((await put).status, 200)
    const c = await done
    assert.deepEqual([c.status, c.body.size], [200, 200_000])
  })
})
