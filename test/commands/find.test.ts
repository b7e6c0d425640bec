import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {LsEntry} from '../../src/lib/files/ls.js'
import {buildQuery, globToRegExp, longestLiteral} from '../../src/lib/manage/find.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

const SEARCH = '/adrive/v1.0/openFile/search'
const BATCH = '/adrive/v1.0/openFile/batch/get'

describe('find', () => {
  let f: Fixture
  before(async () => {
    f = await setup()
    await f.login()
    const fs = f.emu.fs()
    fs.put('/photos/2024/IMG_001.JPG', 'a')
    fs.put('/photos/2024/img_002.jpg', 'b')
    fs.put('/photos/2024/trip/IMG_005.jpg', 'e')
    fs.put('/photos/notes.txt', 'notes')
    fs.put('/photos/sub/deeper/IMG_004.jpeg', 'd')
    fs.put('/other/IMG_003.jpg', 'c')
    fs.put('/other/photos-backup/IMG_006.jpg', 'f')
  })
  after(() => f.close())
  beforeEach(() => f.emu.resetCounters())

  it('--name: a case-insensitive glob, restricted to PATH, one path per line', async () => {
    const r = await f.cli(['find', '/photos', '--name', '*.jpg'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), ['/photos/2024/IMG_001.JPG', '/photos/2024/img_002.jpg', '/photos/2024/trip/IMG_005.jpg'])
    const search = f.emu.log.filter((e) => e.path === SEARCH && e.status === 200)
    assert.equal(search.length, 1, 'one search page')
  })

  it('from the root: the whole drive; ?, […] and {a,b} work', async () => {
    const r = await f.cli(['find', '--name', 'img_00[1-4].{jpg,jpeg}'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), ['/other/IMG_003.jpg', '/photos/2024/IMG_001.JPG', '/photos/2024/img_002.jpg', '/photos/sub/deeper/IMG_004.jpeg'])
  })

  it('--json: the same objects as ls --json', async () => {
    const r = await f.cli(['find', '/photos/sub', '--name', 'IMG_*', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    const found = JSON.parse(r.stdout) as LsEntry[]
    const listed = JSON.parse((await f.cli(['ls', '/photos/sub/deeper', '--json'])).stdout) as LsEntry[]
    assert.deepEqual(found, listed)
    assert.deepEqual(Object.keys(found[0]).sort(), ['content_hash', 'file_id', 'name', 'path', 'size', 'type', 'updated_at'])
  })

  it('--query passes a raw expression; --type narrows; folders are found too', async () => {
    const r = await f.cli(['find', '/photos', '--query', "name match 'trip' or name match 'deeper'", '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual((JSON.parse(r.stdout) as LsEntry[]).map((e) => [e.path, e.type]), [
      ['/photos/2024/trip', 'folder'],
      ['/photos/sub/deeper', 'folder'],
    ])
    const folders = await f.cli(['find', '/', '--name', '*photos*', '--type', 'folder'])
    assert.deepEqual(folders.stdout.trim().split('\n'), ['/other/photos-backup', '/photos'])
  })

  it('ancestors are resolved in batches and each folder once (bounded calls)', async () => {
    const all = await f.cli(['find', '/', '--name', '*'])
    assert.equal(all.stdout.trim().split('\n').length, 14, 'every entry of the drive')
    assert.equal(f.emu.log.filter((e) => e.path === BATCH).length, 0, 'every folder was itself a hit: nothing to look up')
    f.emu.resetCounters()
    const r = await f.cli(['find', '/', '--name', '*.jp*g'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout.trim().split('\n').length, 6)
    // Parents of 6 hits in 4 folders, 3 levels deep: one batch/get per level still unknown.
    const batches = f.emu.log.filter((e) => e.path === BATCH && e.status === 200).length
    assert.equal(batches, 2)
    assert.equal(f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/get').length, 0, 'no per-item get')
  })

  it('pages through next_marker', async () => {
    for (let i = 0; i < 130; i++) f.emu.fs().put(`/many/file-${String(i).padStart(3, '0')}.log`, String(i))
    const r = await f.cli(['find', '/many', '--name', '*.log'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout.trim().split('\n').length, 130)
    assert.equal(f.emu.log.filter((e) => e.path === SEARCH && e.status === 200).length, 2)
  })

  it('no match exits 0 with nothing on stdout; a bad query is a usage error', async () => {
    const none = await f.cli(['find', '--name', 'nothing-like-this-*'])
    assert.equal(none.exitCode, 0)
    assert.equal(none.stdout, '')
    assert.match(none.stderr, /No matches/)
    const bad = await f.cli(['find', '--query', 'name ~ nope'])
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /did not accept the search/)
    const neither = await f.cli(['find', '/photos'])
    assert.equal(neither.exitCode, 2)
    const file = await f.cli(['find', '/photos/notes.txt', '--name', '*'])
    assert.equal(file.exitCode, 2)
  })

  it('honours --root-folder-id: paths under it, nothing outside', async () => {
    const photos = f.emu.fs().get('/photos') as {file_id: string}
    const r = await f.cli(['find', '--name', 'IMG_00?.jpg', '--root-folder-id', photos.file_id])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), ['/2024/IMG_001.JPG', '/2024/img_002.jpg', '/2024/trip/IMG_005.jpg'])
  })

  it('glob helpers: literal part, anchored case-insensitive match, query building', () => {
    assert.equal(longestLiteral('IMG_*.jpg'), 'IMG_', 'the first of equally long runs')
    assert.equal(longestLiteral('IMG_*.jpeg'), '.jpeg')
    assert.equal(longestLiteral('*.{jpg,png}'), '.')
    assert.equal(longestLiteral('report-202?.pdf'), 'report-202')
    assert.equal(longestLiteral('*'), '')
    assert.ok(globToRegExp('*.JPG').test('a.jpg'))
    assert.ok(!globToRegExp('*.jpg').test('a.jpg.txt'))
    assert.ok(globToRegExp('[!a]?.{txt,md}').test('bc.md'))
    assert.ok(!globToRegExp('[!a]?.{txt,md}').test('ac.md'))
    assert.ok(globToRegExp('a+b(1).txt').test('A+B(1).TXT'))
    assert.equal(buildQuery({name: "it's*"}), `name match "it's"`)
    assert.equal(buildQuery({name: '*', type: 'file'}), "type = 'file'")
    assert.equal(buildQuery({query: "category = 'video'", type: 'folder'}), "(category = 'video') and type = 'folder'")
  })
})
