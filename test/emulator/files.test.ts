import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, setup} from './kit.js'

const FILE_KEYS = [
  'drive_id', 'file_id', 'parent_file_id', 'name', 'type', 'created_at', 'updated_at', 'status', 'starred', 'hidden',
  'domain_id', 'encrypt_mode', 'punish_flag', 'size', 'file_extension', 'content_hash', 'content_hash_name', 'category',
  'mime_type', 'thumbnail', 'url',
].sort()
const FOLDER_KEYS = FILE_KEYS.filter((k) => !['size', 'file_extension', 'content_hash', 'content_hash_name', 'category', 'mime_type', 'thumbnail', 'url'].includes(k))
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe('§4 file endpoints', () => {
  let emu: Emulator
  let api: Client
  before(async () => ({emu, api} = await setup({asyncTaskMs: 300})))
  after(() => emu.close())

  const mkdir = async (name: string, parent = 'root', mode = 'refuse') => {
    const r = await api.file('create', {parent_file_id: parent, name, type: 'folder', check_name_mode: mode})
    assert.equal(r.status, 200, r.text)
    return r.body
  }
  const idOf = (path: string) => emu.fs().get(path)?.file_id as string

  it('§4.1 file object: exact core field set, ISO ms times, 40-hex ids, uppercase hash, category/mime', async () => {
    emu.fs().put('/obj/song.MP3', 'la la la')
    const file = (await api.file('get_by_path', {file_path: '/obj/song.MP3'})).body
    assert.deepEqual(Object.keys(file).sort(), FILE_KEYS)
    assert.match(file.file_id, /^[0-9a-f]{40}$/)
    assert.match(file.parent_file_id, /^[0-9a-f]{40}$/)
    assert.match(file.created_at, ISO_MS)
    assert.match(file.updated_at, ISO_MS)
    assert.match(file.content_hash, /^[0-9A-F]{40}$/)
    assert.deepEqual(
      [file.type, file.size, file.file_extension, file.category, file.mime_type, file.content_hash_name, file.status, file.domain_id, file.encrypt_mode, file.punish_flag, file.hidden],
      ['file', 8, 'mp3', 'audio', 'audio/mpeg', 'sha1', 'available', 'bj29', 'none', 0, false],
    )
    assert.match(file.url, /\/oss\//, 'files under 5 MB carry a download URL')
    const folder = (await api.file('get', {file_id: file.parent_file_id})).body
    assert.deepEqual(Object.keys(folder).sort(), FOLDER_KEYS)
    assert.equal(folder.type, 'folder')
  })

  it('§4.2 list pages with opaque markers; the last page has next_marker ""; default order name ASC', async () => {
    const parent = (await mkdir('paging')).file_id
    for (const n of ['e', 'c', 'a', 'd', 'b']) emu.fs().put(`/paging/${n}.txt`, n)
    const names: string[] = []
    let marker = ''
    let pages = 0
    do {
      const r = await api.file('list', {parent_file_id: parent, limit: 2, marker})
      assert.equal(r.status, 200)
      assert.ok(r.body.items.length <= 2)
      names.push(...r.body.items.map((i: {name: string}) => i.name))
      marker = r.body.next_marker
      assert.equal(typeof marker, 'string')
      pages++
    } while (marker !== '')
    assert.deepEqual(names, ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'])
    assert.equal(pages, 3)
    const all = await api.file('list', {parent_file_id: parent})
    assert.equal(all.body.items.length, 5)
    assert.equal(all.body.next_marker, '')
    const exact = await api.file('list', {parent_file_id: parent, limit: 5})
    assert.equal(exact.body.next_marker, '', 'a page that ends exactly at the last item is the last page')
  })

  it('§4.2 limit 200 is accepted, 201 → 400 InvalidParameter.Limit; a bad marker → 400', async () => {
    assert.equal((await api.file('list', {parent_file_id: 'root', limit: 200})).status, 200)
    const r = await api.file('list', {parent_file_id: 'root', limit: 201})
    assert.deepEqual([r.status, r.body.code], [400, 'InvalidParameter.Limit'])
    assert.equal((await api.file('list', {parent_file_id: 'root', marker: '%%%'})).status, 400)
  })

  it('§4.2 order_by/order_direction, type and category filters', async () => {
    const parent = (await mkdir('order')).file_id
    emu.fs().put('/order/big.mp4', Buffer.alloc(300))
    emu.fs().put('/order/small.txt', Buffer.alloc(10))
    emu.fs().put('/order/mid.jpg', Buffer.alloc(100))
    emu.fs().mkdir('/order/sub')
    const names = async (body: Record<string, unknown>) =>
      (await api.file('list', {parent_file_id: parent, ...body})).body.items.map((i: {name: string}) => i.name)
    assert.deepEqual(await names({order_by: 'size', order_direction: 'DESC', type: 'file'}), ['big.mp4', 'mid.jpg', 'small.txt'])
    assert.deepEqual(await names({type: 'folder'}), ['sub'])
    assert.deepEqual(await names({category: 'video,image'}), ['big.mp4', 'mid.jpg'])
    assert.deepEqual(await names({order_by: 'name', order_direction: 'DESC'}), ['sub', 'small.txt', 'mid.jpg', 'big.mp4'])
  })

  it('§4.2 name_enhanced sorts numbers numerically', async () => {
    const parent = (await mkdir('numeric')).file_id
    for (const n of ['ep10', 'ep2', 'ep1']) emu.fs().put(`/numeric/${n}`, n)
    const r = await api.file('list', {parent_file_id: parent, order_by: 'name_enhanced'})
    assert.deepEqual(r.body.items.map((i: {name: string}) => i.name), ['ep1', 'ep2', 'ep10'])
  })

  it('§4.5 get: NotFound.File 404 for an unknown id; "root" gives a folder object', async () => {
    const r = await api.file('get', {file_id: 'f'.repeat(40)})
    assert.equal(r.status, 404)
    assert.deepEqual([r.body.code, r.body.message], ['NotFound.File', 'The resource file cannot be found. file not exist'])
    assert.equal(typeof r.body.requestId, 'string')
    const root = await api.file('get', {file_id: 'root'})
    assert.deepEqual([root.status, root.body.file_id, root.body.type], [200, 'root', 'folder'])
  })

  it('§4.6 get_by_path: nested paths; "/" and missing paths → 404 NotFound.File', async () => {
    emu.fs().put('/bb/cc.txt', 'x')
    const r = await api.file('get_by_path', {file_path: '/bb/cc.txt'})
    assert.deepEqual([r.status, r.body.name], [200, 'cc.txt'])
    for (const file_path of ['/', '/bb/none.txt', '/none/cc.txt']) {
      const miss = await api.file('get_by_path', {file_path})
      assert.deepEqual([miss.status, miss.body.code], [404, 'NotFound.File'], file_path)
    }
  })

  it('§4.7 batch/get → {items}', async () => {
    emu.fs().put('/batch/1.txt', '1')
    emu.fs().put('/batch/2.txt', '2')
    const file_list = ['/batch/1.txt', '/batch/2.txt'].map((p) => ({drive_id: emu.user.default_drive_id, file_id: idOf(p)}))
    const r = await api.file('batch/get', {file_list})
    assert.deepEqual(Object.keys(r.body), ['items'])
    assert.deepEqual(r.body.items.map((i: {name: string}) => i.name), ['1.txt', '2.txt'])
  })

  it('§4.9 folder create: response uses file_name; refuse on an existing folder → 200 exist:true with its id', async () => {
    const a = await mkdir('dup')
    assert.equal(a.exist, false)
    assert.equal(a.file_name, 'dup')
    assert.equal(a.name, undefined)
    assert.equal(a.type, 'folder')
    const b = await mkdir('dup')
    assert.equal(b.exist, true)
    assert.equal(b.file_id, a.file_id)
    const c = await mkdir('dup', 'root', 'auto_rename')
    assert.equal(c.file_name, 'dup(1)')
    const d = await mkdir('dup', 'root', 'ignore')
    assert.notEqual(d.file_id, a.file_id)
    assert.equal(d.file_name, 'dup')
  })

  it('§1.3 names: "/" inside, ending "/", empty, or over 1024 bytes → 400 InvalidParameter.Name', async () => {
    for (const name of ['a/b', 'a/', '', 'é'.repeat(513)]) {
      const r = await api.file('create', {parent_file_id: 'root', name, type: 'folder'})
      assert.deepEqual([r.status, r.body.code], [400, 'InvalidParameter.Name'], name)
    }
    assert.equal((await api.file('create', {parent_file_id: 'root', name: 'é'.repeat(512), type: 'folder'})).status, 200)
  })

  it('§4.10 update: rename, refuse clash → 409 AlreadyExist.File; starred shows in starredList', async () => {
    emu.fs().put('/ren/a.txt', 'a')
    emu.fs().put('/ren/b.txt', 'b')
    const id = idOf('/ren/a.txt')
    const clash = await api.file('update', {file_id: id, name: 'b.txt', check_name_mode: 'refuse'})
    assert.deepEqual([clash.status, clash.body.code], [409, 'AlreadyExist.File'])
    const ok = await api.file('update', {file_id: id, name: 'c.txt', check_name_mode: 'refuse'})
    assert.deepEqual([ok.status, ok.body.name, ok.body.file_id], [200, 'c.txt', id])
    const star = await api.file('update', {file_id: id, starred: true})
    assert.equal(star.body.starred, true)
    const starred = await api.file('starredList', {})
    assert.deepEqual(starred.body.items.map((i: {file_id: string}) => i.file_id), [id])
    assert.equal(starred.body.next_marker, '')
  })

  it('§4.11 move: files synchronous (async_task_id ""), folders async; refuse clash → exist:true; new_name', async () => {
    emu.fs().put('/mv/src/f.txt', 'f')
    emu.fs().put('/mv/dst/f.txt', 'other')
    emu.fs().mkdir('/mv/dir')
    const dst = idOf('/mv/dst')
    const refused = await api.file('move', {file_id: idOf('/mv/src/f.txt'), to_parent_file_id: dst})
    assert.deepEqual([refused.status, refused.body.exist], [200, true])
    assert.ok(emu.fs().get('/mv/src/f.txt'), 'refused move leaves the file in place')
    const renamed = await api.file('move', {file_id: idOf('/mv/src/f.txt'), to_parent_file_id: dst, new_name: 'g.txt'})
    assert.deepEqual([renamed.body.exist, renamed.body.async_task_id], [false, ''])
    assert.equal(emu.fs().read('/mv/dst/g.txt').toString(), 'f')
    const folder = await api.file('move', {file_id: idOf('/mv/dir'), to_parent_file_id: dst})
    assert.deepEqual(Object.keys(folder.body).sort(), ['async_task_id', 'drive_id', 'exist', 'file_id'])
    assert.ok(folder.body.async_task_id)
    assert.ok(emu.fs().get('/mv/dst/dir'))
    const loop = await api.file('move', {file_id: idOf('/mv/dst'), to_parent_file_id: idOf('/mv/dst/dir')})
    assert.equal(loop.status, 400)
  })

  it('§4.12 copy: same parent without auto_rename → 403 ForbiddenNoPermission.File; folder copy is async', async () => {
    emu.fs().put('/cp/tree/x.txt', 'xx')
    const fileId = idOf('/cp/tree/x.txt')
    const same = await api.file('copy', {file_id: fileId, to_parent_file_id: idOf('/cp/tree')})
    assert.deepEqual([same.status, same.body.code], [403, 'ForbiddenNoPermission.File'])
    const renamed = await api.file('copy', {file_id: fileId, to_parent_file_id: idOf('/cp/tree'), auto_rename: true})
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.async_task_id, undefined, 'file copies are synchronous')
    assert.equal(emu.fs().read('/cp/tree/x(1).txt').toString(), 'xx')
    const used = emu.spaceUsed()
    const folder = await api.file('copy', {file_id: idOf('/cp/tree'), to_parent_file_id: idOf('/cp')})
    assert.equal(folder.status, 403)
    const out = await api.file('copy', {file_id: idOf('/cp/tree'), to_parent_file_id: 'root'})
    assert.ok(out.body.async_task_id)
    assert.equal(emu.fs().read('/tree/x.txt').toString(), 'xx')
    assert.equal(emu.spaceUsed(), used + 4, 'copies count against quota')
    assert.equal((await api.file('get', {file_id: out.body.file_id})).body.name, 'tree')
  })

  it('§4.13/§4.14 trash: folder → async task Running then Succeed; trashed items count; delete frees quota', async () => {
    emu.fs().put('/bin/in.bin', Buffer.alloc(1000))
    const folderId = idOf('/bin')
    const fileId = idOf('/bin/in.bin')
    const used = emu.spaceUsed()
    const t = await api.file('recyclebin/trash', {file_id: folderId})
    assert.equal(t.status, 200)
    const task = t.body.async_task_id
    assert.ok(task)
    assert.deepEqual((await api.file('async_task/get', {async_task_id: task})).body, {async_task_id: task, state: 'Running'})
    emu.advanceTime(300)
    assert.equal((await api.file('async_task/get', {async_task_id: task})).body.state, 'Succeed')
    assert.equal(emu.spaceUsed(), used, 'the recycle bin still counts')
    assert.deepEqual(emu.fs().trashed().map((o) => o.name), ['bin'])
    assert.equal((await api.file('get_by_path', {file_path: '/bin/in.bin'})).status, 404)
    for (const [op, body] of [
      ['get', {file_id: fileId}],
      ['recyclebin/trash', {file_id: folderId}],
      ['getDownloadUrl', {file_id: fileId}],
      ['update', {file_id: fileId, name: 'z'}],
      ['list', {parent_file_id: folderId}],
    ] as const) {
      const r = await api.file(op, body)
      assert.deepEqual([r.status, r.body.code], [400, 'ForbiddenFileInTheRecycleBin'], op)
    }
    const del = await api.file('delete', {file_id: folderId})
    assert.equal(del.status, 200)
    assert.equal(emu.spaceUsed(), used - 1000)
    assert.equal((await api.file('get', {file_id: fileId})).status, 404)
  })

  it('§4.13 delete of a file: synchronous, 404 afterwards', async () => {
    emu.fs().put('/del.txt', 'd')
    const id = idOf('/del.txt')
    const r = await api.file('delete', {file_id: id})
    assert.deepEqual(r.body, {drive_id: emu.user.default_drive_id, file_id: id})
    assert.equal((await api.file('delete', {file_id: id})).status, 404)
  })

  it('§4.14 a failing async task reads Failed and changes nothing', async () => {
    emu.fs().put('/keep/k.txt', 'k')
    emu.faults.failAsyncTasks(1)
    const r = await api.file('recyclebin/trash', {file_id: idOf('/keep')})
    emu.advanceTime(300)
    assert.equal((await api.file('async_task/get', {async_task_id: r.body.async_task_id})).body.state, 'Failed')
    assert.ok(emu.fs().get('/keep/k.txt'))
    const unknown = await api.file('async_task/get', {async_task_id: 'nope'})
    assert.equal(unknown.status, 404)
  })

  it('§7.2 openFile routes need a token: 401 AccessTokenInvalid', async () => {
    const r = await new Client(emu).file('list', {parent_file_id: 'root'})
    assert.deepEqual([r.status, r.body.code], [401, 'AccessTokenInvalid'])
  })
})
