import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, setup} from './kit.js'

describe('§4.3 openFile/search query grammar', () => {
  let emu: Emulator
  let api: Client
  before(async () => {
    ;({emu, api} = await setup())
    const fs = emu.fs()
    fs.put('/docs/report 2019.pdf', 'a'.repeat(10), {createdAt: '2019-01-10T00:00:00.000Z', updatedAt: '2019-01-10T00:00:00.000Z'})
    fs.put('/docs/Notes.txt', 'b'.repeat(20), {createdAt: '2020-06-01T00:00:00.000Z', updatedAt: '2020-06-01T00:00:00.000Z'})
    fs.put('/media/clip.mp4', 'c'.repeat(30), {createdAt: '2021-03-03T00:00:00.000Z', updatedAt: '2021-03-03T00:00:00.000Z'})
    fs.put('/media/app.apk', 'd'.repeat(40), {createdAt: '2022-01-01T00:00:00.000Z', updatedAt: '2022-01-01T00:00:00.000Z'})
    fs.put('/top.txt', 'e', {createdAt: '2023-01-01T00:00:00.000Z', updatedAt: '2023-01-01T00:00:00.000Z'})
    fs.put('/trash/gone.txt', 'g')
    await api.file('recyclebin/trash', {file_id: fs.get('/trash/gone.txt')?.file_id})
  })
  after(() => emu.close())

  const names = async (query: string, extra: Record<string, unknown> = {}) => {
    const r = await api.file('search', {query, limit: 100, ...extra})
    assert.equal(r.status, 200, r.text)
    return (r.body.items as Array<{name: string}>).map((i) => i.name).sort()
  }
  const bad = async (query: string) => {
    const r = await api.file('search', {query})
    assert.deepEqual([r.status, r.body.code], [400, 'InvalidParameter.Query'], query)
  }

  it('empty query returns everything outside the recycle bin', async () => {
    assert.deepEqual(await names(''), ['Notes.txt', 'app.apk', 'clip.mp4', 'docs', 'media', 'report 2019.pdf', 'top.txt', 'trash'])
  })

  it("name = '…' (exact) and name match '…' (substring, case-insensitive); double quotes too", async () => {
    assert.deepEqual(await names("name = 'top.txt'"), ['top.txt'])
    assert.deepEqual(await names('name = "Notes.txt"'), ['Notes.txt'])
    assert.deepEqual(await names("name match 'notes'"), ['Notes.txt'])
    assert.deepEqual(await names("name match '2019'"), ['report 2019.pdf'])
  })

  it('parent_file_id, file_extension, category, type', async () => {
    const docs = emu.fs().get('/docs')?.file_id
    assert.deepEqual(await names(`parent_file_id = '${docs}'`), ['Notes.txt', 'report 2019.pdf'])
    assert.deepEqual(await names("parent_file_id = 'root'"), ['docs', 'media', 'top.txt', 'trash'])
    assert.deepEqual(await names("file_extension = 'apk'"), ['app.apk'])
    assert.deepEqual(await names("category = 'video'"), ['clip.mp4'])
    assert.deepEqual(await names("type = 'folder'"), ['docs', 'media', 'trash'])
  })

  it('time ranges with < <= > >= (zone-less times are UTC)', async () => {
    assert.deepEqual(await names("created_at < '2020-01-01T00:00:00'"), ['report 2019.pdf'])
    assert.deepEqual(await names("created_at >= '2022-01-01T00:00:00' and type = 'file'"), ['app.apk', 'top.txt'])
    assert.deepEqual(await names("updated_at > '2022-01-01T00:00:00'"), ['docs', 'media', 'top.txt', 'trash'])
    assert.deepEqual(await names("updated_at <= '2019-01-10T00:00:00Z'"), ['report 2019.pdf'])
  })

  it('and binds tighter than or; parentheses group', async () => {
    assert.deepEqual(await names("name = 'top.txt' or category = 'video' and file_extension = 'mp4'"), ['clip.mp4', 'top.txt'])
    assert.deepEqual(await names("(name = 'top.txt' or category = 'video') and file_extension = 'txt'"), ['top.txt'])
  })

  it('at most 5 conditions; unquoted values, unknown fields and junk → 400 InvalidParameter.Query', async () => {
    const five = Array.from({length: 5}, () => "type = 'file'").join(' and ')
    assert.equal((await api.file('search', {query: five})).status, 200)
    await bad(five + " and type = 'file'")
    await bad('type = file')
    await bad("size = '1'")
    await bad("name = 'x' and")
    await bad("name ~ 'x'")
  })

  it('order_by "<field> ASC|DESC", pagination and return_total_count', async () => {
    const r = await api.file('search', {query: "type = 'file'", order_by: 'size DESC', limit: 2, return_total_count: true})
    assert.deepEqual(r.body.items.map((i: {name: string}) => i.name), ['app.apk', 'clip.mp4'])
    assert.equal(r.body.total_count, 5)
    const next = await api.file('search', {query: "type = 'file'", order_by: 'size DESC', limit: 2, marker: r.body.next_marker})
    assert.deepEqual(next.body.items.map((i: {name: string}) => i.name), ['Notes.txt', 'report 2019.pdf'])
    const last = await api.file('search', {query: "type = 'file'", order_by: 'size DESC', limit: 2, marker: next.body.next_marker})
    assert.deepEqual([last.body.items.length, last.body.next_marker], [1, ''])
    assert.equal(last.body.total_count, undefined, 'total_count only when asked')
    assert.equal((await api.file('search', {query: '', order_by: 'bogus ASC'})).status, 400)
    assert.equal((await api.file('search', {query: '', limit: 101})).body.code, 'InvalidParameter.Limit')
  })
})
