import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compareFiles} from '../../src/lib/files/compare.js'
import {buildFilter} from '../../src/lib/files/filter.js'
import {type Tree, type TreeNode, emptyTree, markHoldsExcluded} from '../../src/lib/files/tree.js'
import {type PlanRules, filesToHash, plan, plannedBytes} from '../../src/lib/sync/plan.js'
import '../helpers.js'

const T = 1_764_547_200_000 // a whole-millisecond time

/** A tree from `{rel: spec}`; a spec ending in `/` is a folder, else a file `size@mtime[#hash]`. */
function tree(spec: Record<string, string>, side: 'local' | 'remote'): Tree {
  const t = emptyTree()
  for (const rel of Object.keys(spec).sort()) {
    const value = spec[rel]
    let node: TreeNode
    if (value === '/') node = {rel, type: 'folder', size: 0}
    else {
      const [sizeTime, hash] = value.split('#')
      const [size, mtime] = sizeTime.split('@')
      node = {rel, type: 'file', size: Number(size), mtimeMs: mtime === '' || mtime === undefined ? undefined : Number(mtime), hash}
    }
    if (side === 'local') node.path = `/local/${rel}`
    else node.entry = {path: `/dest/${rel}`, name: rel.split('/').pop()!, type: node.type, size: node.size, file_id: `id-${rel}`, parent_file_id: ''}
    t.nodes.set(rel, node)
  }
  return t
}

const rules: PlanRules = {compare: 'default', fixRemoteTimes: true}
const brief = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.action} ${a.type} ${a.rel}${a.reason ? ` (${a.reason})` : ''}`)

describe('change detection (compareFiles)', () => {
  it('same size and |Δt| < 1 ms is unchanged, without truncating either side', () => {
    assert.equal(compareFiles({size: 5, mtimeMs: T + 0.999}, {size: 5, mtimeMs: T}, 'default'), 'same')
    // utimes round-trips through floating point: T set can read back as T - 0.000001.
    assert.equal(compareFiles({size: 5, mtimeMs: T - 0.000001}, {size: 5, mtimeMs: T}, 'default'), 'same')
    assert.equal(compareFiles({size: 5, mtimeMs: T + 1}, {size: 5, mtimeMs: T}, 'default'), 'hash')
    // Truncating both to whole ms would call these two equal; they are 1.5 ms apart.
    assert.equal(compareFiles({size: 5, mtimeMs: T + 1.9}, {size: 5, mtimeMs: T + 0.4}, 'default'), 'hash')
  })

  it('a different size differs at once; a missing time leaves it to the SHA-1', () => {
    assert.equal(compareFiles({size: 5, mtimeMs: T}, {size: 6, mtimeMs: T}, 'default'), 'differ')
    assert.equal(compareFiles({size: 5, mtimeMs: T}, {size: 5}, 'default'), 'hash')
  })

  it('--checksum hashes whatever the times; --size-only never does', () => {
    assert.equal(compareFiles({size: 5, mtimeMs: T}, {size: 5, mtimeMs: T}, 'checksum'), 'hash')
    assert.equal(compareFiles({size: 5, mtimeMs: T}, {size: 6, mtimeMs: T}, 'checksum'), 'differ')
    assert.equal(compareFiles({size: 5, mtimeMs: T}, {size: 5, mtimeMs: T + 9e9}, 'size-only'), 'same')
  })
})

describe('sync plan', () => {
  it('new, changed and dest-only entries: transfers before deletions, folders first', () => {
    const source = tree({a: '/', 'a/new.txt': `3@${T}`, 'keep.txt': `4@${T}`, 'changed.txt': `5@${T}`}, 'local')
    const dest = tree({'keep.txt': `4@${T}`, 'changed.txt': `6@${T}`, 'gone.txt': `7@${T}`}, 'remote')
    const p = plan(source, dest, rules)
    assert.deepEqual(brief(p), ['new folder a', 'new file a/new.txt', 'replace file changed.txt (changed)', 'delete file gone.txt'])
    assert.equal(p.unchanged, 1)
    assert.equal(p.deleteEntries, 1)
    assert.equal(plannedBytes(p.actions), 3 + 5)
  })

  it('a folder only on DEST goes as one entry, counting everything inside it', () => {
    const source = tree({'x.txt': `1@${T}`}, 'local')
    const dest = tree({'x.txt': `1@${T}`, old: '/', 'old/a': `10@${T}`, 'old/sub': '/', 'old/sub/b': `20@${T}`}, 'remote')
    const p = plan(source, dest, rules)
    assert.deepEqual(brief(p), ['delete folder old'])
    assert.equal(p.actions[0].size, 30)
    assert.equal(p.deleteEntries, 4)
  })

  it('a folder holding excluded entries stays; what else it holds is judged one by one', () => {
    const source = tree({}, 'local')
    source.nodes.set('x.txt', {rel: 'x.txt', type: 'file', size: 1, mtimeMs: T, path: '/local/x.txt'})
    const dest = tree({'x.txt': `1@${T}`, logs: '/', 'logs/a.txt': `1@${T}`, 'logs/inner': '/', 'logs/inner/b': `1@${T}`}, 'remote')
    markHoldsExcluded(dest, ['logs']) // e.g. logs/*.tmp excluded on DEST
    const p = plan(source, dest, rules)
    assert.deepEqual(brief(p), ['delete file logs/a.txt', 'delete folder logs/inner'])
  })

  it('same size, other time: the SHA-1 decides; same bytes → a free rapid re-upload fixes the remote time', () => {
    const source = tree({'a.txt': `5@${T + 5000}`, 'b.txt': `5@${T + 5000}`}, 'local')
    const dest = tree({'a.txt': `5@${T}#AAAA`, 'b.txt': `5@${T}#BBBB`}, 'remote')
    assert.deepEqual(filesToHash(source, dest, 'default'), ['a.txt', 'b.txt'])
    const hashes = new Map([['a.txt', 'aaaa'], ['b.txt', 'CCCC']])
    const p = plan(source, dest, rules, hashes)
    assert.deepEqual(brief(p), ['replace file a.txt (time)', 'replace file b.txt (changed)'])
    assert.equal(plannedBytes(p.actions), 5, 'the time fix moves no bytes')
    const noRapid = plan(source, dest, {...rules, fixRemoteTimes: false}, hashes)
    assert.deepEqual(brief(noRapid), ['replace file b.txt (changed)'])
    assert.equal(noRapid.unchanged, 1)
  })

  it('a remote file without local_modified_at and the same bytes is unchanged: nothing written', () => {
    const source = tree({'a.txt': `5@${T}`}, 'local')
    const dest = tree({'a.txt': '5@#AAAA'}, 'remote')
    const p = plan(source, dest, rules, new Map([['a.txt', 'AAAA']]))
    assert.deepEqual(brief(p), [])
    assert.equal(p.unchanged, 1)
  })

  it('a remote file with no hash is never taken for the same', () => {
    const source = tree({'a.txt': `5@${T + 9}`}, 'local')
    const dest = tree({'a.txt': `5@${T}`}, 'remote')
    assert.deepEqual(brief(plan(source, dest, rules, new Map([['a.txt', 'AAAA']]))), ['replace file a.txt (changed)'])
  })

  it('downloads: same bytes under another time only need the local time set', () => {
    const source = tree({'a.txt': `5@${T + 5000}#AAAA`}, 'remote')
    const dest = tree({'a.txt': `5@${T}`}, 'local')
    const p = plan(source, dest, rules, new Map([['a.txt', 'AAAA']]))
    assert.deepEqual(brief(p), [])
    assert.equal(p.retime.length, 1)
  })

  it('a file changed behind the same size and time is left alone by default, caught by --checksum', () => {
    const source = tree({'a.txt': `5@${T}`}, 'local')
    const dest = tree({'a.txt': `5@${T}#AAAA`}, 'remote')
    assert.deepEqual(filesToHash(source, dest, 'default'), [])
    assert.deepEqual(brief(plan(source, dest, rules)), [])
    assert.deepEqual(filesToHash(source, dest, 'checksum'), ['a.txt'])
    assert.deepEqual(brief(plan(source, dest, {...rules, compare: 'checksum'}, new Map([['a.txt', 'BBBB']]))), ['replace file a.txt (changed)'])
  })

  it('a file where a folder was (and the reverse) is a type change that deletes the old entry', () => {
    const source = tree({x: `3@${T}`, y: '/', 'y/in.txt': `1@${T}`}, 'local')
    const dest = tree({x: '/', 'x/old1': `1@${T}`, 'x/old2': `1@${T}`, y: `2@${T}`}, 'remote')
    const p = plan(source, dest, rules)
    assert.deepEqual(brief(p), ['replace file x (type)', 'replace folder y (type)', 'new file y/in.txt'])
    assert.equal(p.deleteEntries, 3 + 1, 'folder x with two files, and file y')
  })

  it('duplicates of a kept name on DEST are deleted', () => {
    const source = tree({'a.txt': `1@${T}`}, 'local')
    const dest = tree({'a.txt': `1@${T}`}, 'remote')
    dest.shadowed.push({rel: 'a.txt', type: 'file', size: 9, entry: {path: '/dest/a.txt', name: 'a.txt', type: 'file', size: 9, file_id: 'dup', parent_file_id: ''}})
    const p = plan(source, dest, rules)
    assert.deepEqual(brief(p), ['delete file a.txt'])
    assert.equal(p.actions[0].dest?.entry?.file_id, 'dup')
  })
})

describe('filters (gitignore-style, the ignore package)', () => {
  it('a pattern without a slash matches at any depth; a trailing / matches folders only; ** spans folders', async () => {
    const f = await buildFilter({exclude: ['*.tmp', 'cache/', 'docs/**/*.md', '/top.txt']})
    assert.equal(f.excludes('a.tmp', false), true)
    assert.equal(f.excludes('deep/er/a.tmp', false), true)
    assert.equal(f.excludes('cache', true), true)
    assert.equal(f.excludes('x/cache', true), true)
    assert.equal(f.excludes('cache', false), false, 'a file named cache is not a folder')
    assert.equal(f.excludes('docs/a/b/c.md', false), true)
    assert.equal(f.excludes('docs/c.md', false), true)
    assert.equal(f.excludes('top.txt', false), true)
    assert.equal(f.excludes('sub/top.txt', false), false, 'a leading / anchors to the root')
    assert.equal(f.excludes('...', false), false)
  })

  it('--include takes only matching files but walks every folder; excludes win', async () => {
    const f = await buildFilter({include: ['*.jpg', 'keep/'], exclude: ['bad.jpg']})
    assert.equal(f.excludes('a.jpg', false), false)
    assert.equal(f.excludes('x/y/a.jpg', false), false)
    assert.equal(f.excludes('a.txt', false), true)
    assert.equal(f.excludes('x', true), false, 'folders are walked to find included files')
    assert.equal(f.excludes('keep/notes.txt', false), false, 'inside an included folder')
    assert.equal(f.excludes('bad.jpg', false), true)
  })

  it('--exclude-from reads one pattern a line and skips comments', async () => {
    const {mkdtempSync, writeFileSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {tmpdir} = await import('node:os')
    const file = join(mkdtempSync(join(tmpdir(), 'alipan-filter-')), 'rules')
    writeFileSync(file, '# build output\nbuild/\n\n*.o\n')
    const f = await buildFilter({excludeFrom: [file]})
    assert.equal(f.excludes('build', true), true)
    assert.equal(f.excludes('src/x.o', false), true)
    assert.equal(f.excludes('# build output', false), false)
    await assert.rejects(buildFilter({excludeFrom: [`${file}.missing`]}), /Cannot read --exclude-from/)
  })

  it('--exclude-from as Windows tools write it: UTF-16 with a byte-order mark (PowerShell 5.1), UTF-8 with one (Notepad), CRLF', async () => {
    const {mkdtempSync, writeFileSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {tmpdir} = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'alipan-filter-'))
    const text = 'build/\r\n*.o\r\n'
    const encodings: Record<string, Buffer> = {
      'utf16le': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      'utf16be': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
      'utf8-bom': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    }
    for (const [name, bytes] of Object.entries(encodings)) {
      const file = join(dir, name)
      writeFileSync(file, bytes)
      const f = await buildFilter({excludeFrom: [file]})
      assert.equal(f.excludes('build', true), true, name)
      assert.equal(f.excludes('src/x.o', false), true, name)
      assert.equal(f.excludes('src/x.c', false), false, name)
    }
  })
})
