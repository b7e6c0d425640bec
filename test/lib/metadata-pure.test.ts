import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {RemoteEntry} from '../../src/lib/drive/drive.js'
import {AlipanError, ExitCode} from '../../src/lib/errors.js'
import {type Tree, type TreeNode, emptyTree} from '../../src/lib/files/tree.js'
import {type CheckLine, compareTrees, localFilesToHash} from '../../src/lib/metadata/check-compare.js'
import {combinedLine, reportTexts} from '../../src/lib/metadata/check-report.js'
import {decisionActions, hashGroups, identicalCopies, keeperIndex, modeDecision, nameGroups, uniqueName} from '../../src/lib/metadata/dedupe-plan.js'
import {folderSizes} from '../../src/lib/metadata/du.js'
import type {RemoteListing} from '../../src/lib/metadata/enumerate.js'
import {sha1sumLine} from '../../src/lib/metadata/sha1sum.js'
import {buildTreeView, renderTree, treeSummary} from '../../src/lib/metadata/tree-view.js'
import '../helpers.js'

/** A tree from `{rel: spec}`: `/` a folder, else `size[#HASH]`. Local nodes get a path, remote ones a SHA-1. */
function tree(spec: Record<string, string>, side: 'local' | 'remote'): Tree {
  const t = emptyTree()
  for (const rel of Object.keys(spec).sort()) {
    const value = spec[rel]
    let node: TreeNode
    if (value === '/') node = {rel, type: 'folder', size: 0}
    else {
      const [size, hash] = value.split('#')
      node = {rel, type: 'file', size: Number(size)}
      if (side === 'remote') node.hash = hash
    }
    if (side === 'local') node.path = `/local/${rel}`
    t.nodes.set(rel, node)
  }
  return t
}

const brief = (lines: CheckLine[]) => lines.map(combinedLine)

describe('check: compareTrees', () => {
  it('finds each of the five kinds, in path order, folders ending in /', () => {
    const src = tree({same: '3', changed: '3', resized: '3', 'new.txt': '1', newdir: '/', 'newdir/x': '1', unreadable: '4'}, 'local')
    const dst = tree({same: '3#AA', changed: '3#BB', resized: '5#CC', 'old.txt': '2#DD', olddir: '/', unreadable: '4#EE'}, 'remote')
    const hashes = new Map([
      ['same', 'aa'],
      ['changed', 'CC'],
    ])
    const failure = {rel: 'unreadable', error: new AlipanError('Reading failed', ExitCode.localFs)}
    assert.deepEqual(brief(compareTrees(src, dst, {}, hashes, [failure])), ['* changed', '+ new.txt', '+ newdir/', '+ newdir/x', '- old.txt', '- olddir/', '* resized', '= same', '! unreadable'])
  })

  it('--one-way leaves out what is only on DEST; --size-only matches equal sizes without any SHA-1', () => {
    const src = tree({a: '3', b: '3'}, 'local')
    const dst = tree({a: '3#AA', b: '4#BB', extra: '1#CC'}, 'remote')
    assert.deepEqual(brief(compareTrees(src, dst, {oneWay: true, sizeOnly: true}, new Map(), [])), ['= a', '* b'])
    assert.deepEqual(localFilesToHash(src, dst, {sizeOnly: true}), [], '--size-only hashes nothing')
  })

  it('hashes only local files whose size matches the other side', () => {
    const src = tree({a: '3', b: '3', c: '3'}, 'local')
    const dst = tree({a: '3#AA', b: '4#BB'}, 'remote')
    assert.deepEqual(localFilesToHash(src, dst, {}).map((n) => n.path), ['/local/a'])
    // Remote against remote: nothing local, nothing read.
    assert.deepEqual(localFilesToHash(tree({a: '3#AA'}, 'remote'), tree({a: '3#AA'}, 'remote'), {}), [])
    assert.deepEqual(brief(compareTrees(tree({a: '3#AA'}, 'remote'), tree({a: '3#aa'}, 'remote'), {}, new Map(), [])), ['= a'])
  })

  it('a file where the other side has a folder differs; nothing under a failure or a skipped entry is compared', () => {
    const src = tree({x: '1', d: '/', 'd/1': '1', fifo: '/', 'fifo/z': '1'}, 'local')
    const dst = tree({x: '/', 'x/in': '1#AA', d: '/', 'd/1': '1#AA', 'd/2': '1#BB'}, 'remote')
    const lines = compareTrees(src, dst, {}, new Map(), [{rel: 'd', error: new AlipanError('unreadable', ExitCode.localFs)}], ['fifo'])
    assert.deepEqual(brief(lines), ['! d', '* x', '- x/in'])
  })

  it('a remote file without a SHA-1 is an error, not a match', () => {
    const lines = compareTrees(tree({a: '3'}, 'local'), tree({a: '3'}, 'remote'), {}, new Map([['a', 'AA']]), [])
    assert.equal(lines[0].kind, 'error')
    assert.equal(lines[0].error?.code, 'NoContentHash')
  })

  it('lists: --combined has signs, the others bare paths', () => {
    const lines: CheckLine[] = [
      {kind: 'match', path: 'a'},
      {kind: 'differ', path: 'b'},
      {kind: 'missing_on_src', path: 'c'},
    ]
    assert.deepEqual(reportTexts(lines, {combined: 'all.txt', differ: '-', match: 'm.txt', error: 'e.txt'}), [
      {target: 'all.txt', text: '= a\n* b\n- c\n'},
      {target: '-', text: 'b\n'},
      {target: 'm.txt', text: 'a\n'},
      {target: 'e.txt', text: ''},
    ])
  })
})

/** A listing from `{path: size | '/'}` (paths under /t), folders created from the paths. */
function listing(spec: Record<string, number | '/'>, duplicates: Array<[string, number]> = []): RemoteListing {
  const root: RemoteEntry = {path: '/t', name: 't', type: 'folder', size: 0, file_id: 'id:/t', parent_file_id: 'root'}
  const children = new Map<string, RemoteEntry[]>([[root.file_id, []]])
  const add = (path: string, type: 'file' | 'folder', size: number, id = `id:${path}`) => {
    const parent = path.slice(0, path.lastIndexOf('/'))
    const entry: RemoteEntry = {path, name: path.slice(parent.length + 1), type, size, file_id: id, parent_file_id: `id:${parent}`}
    children.get(`id:${parent}`)!.push(entry)
    if (type === 'folder') children.set(id, [])
  }
  for (const path of Object.keys(spec).sort()) add(path, spec[path] === '/' ? 'folder' : 'file', spec[path] === '/' ? 0 : (spec[path] as number))
  for (const [path, size] of duplicates) add(path, 'file', size, `dup:${path}`)
  return {root, children}
}

describe('du: folderSizes', () => {
  const l = listing({'/t/a': '/', '/t/a/x': 10, '/t/a/b': '/', '/t/a/b/y': 5, '/t/c': '/', '/t/z': 1}, [['/t/z', 2]])
  it('adds up every file beneath each folder (duplicates too), a folder after its subfolders, the total apart', () => {
    const result = folderSizes(l)
    assert.deepEqual(result.total, {path: '/t', size: 18, files: 4, folders: 3, depth: 0})
    assert.deepEqual(result.folders.map((r) => [r.path, r.size, r.files, r.folders]), [
      ['/t/a/b', 5, 1, 0],
      ['/t/a', 15, 2, 1],
      ['/t/c', 0, 0, 0],
    ])
  })
  it('--max-depth limits the rows, not the totals', () => {
    assert.deepEqual(folderSizes(l, 1).folders.map((r) => r.path), ['/t/a', '/t/c'])
    assert.deepEqual(folderSizes(l, 0).folders, [])
    assert.equal(folderSizes(l, 0).total.size, 18)
  })
  it('a file PATH is its own total', () => {
    const file: RemoteEntry = {path: '/f', name: 'f', type: 'file', size: 7, file_id: 'f', parent_file_id: 'root'}
    assert.deepEqual(folderSizes({root: file, children: new Map()}).total, {path: '/f', size: 7, files: 1, folders: 0, depth: 0})
  })
})

describe('tree: buildTreeView and renderTree', () => {
  const l = listing({'/t/a': '/', '/t/a/x': 10, '/t/a/b': '/', '/t/a/b/y': 5, '/t/c': '/', '/t/z': 1}, [['/t/z', 2]])
  it('draws every entry under its folder, duplicates included, with a count', () => {
    const view = buildTreeView(l)
    assert.deepEqual(renderTree(view), ['/t', '├── a/', '│   ├── b/', '│   │   └── y', '│   └── x', '├── c/', '├── z', '└── z'])
    assert.equal(treeSummary(view), '3 folders, 4 files')
  })
  it('--dirs-only, --max-depth and --size', () => {
    assert.deepEqual(renderTree(buildTreeView(l, {dirsOnly: true})), ['/t', '├── a/', '│   └── b/', '└── c/'])
    assert.equal(treeSummary(buildTreeView(l, {dirsOnly: true}), {dirsOnly: true}), '3 folders')
    assert.deepEqual(renderTree(buildTreeView(l, {maxDepth: 1})), ['/t', '├── a/', '├── c/', '├── z', '└── z'])
    const sized = buildTreeView(l, {size: true, maxDepth: 1})
    assert.deepEqual(renderTree(sized, {size: true}), ['[18 B]  /t', '├── [15 B]  a/', '├── [0 B]  c/', '├── [1 B]  z', '└── [2 B]  z'])
  })
  it('a name with a newline cannot break the drawing', () => {
    assert.deepEqual(renderTree(buildTreeView(listing({'/t/a\nb': 1}))), ['/t', '└── a\\nb'])
  })
})

describe('sha1sum lines', () => {
  it('as GNU sha1sum writes them, escaping backslashes and newlines', () => {
    assert.equal(sha1sumLine('ab', 'dir/a b.txt'), 'ab  dir/a b.txt')
    assert.equal(sha1sumLine('ab', 'a\nb\\c'), '\\ab  a\\nb\\\\c')
  })
})

describe('dedupe rules', () => {
  const entry = (id: string, name: string, extra: Partial<RemoteEntry> = {}): RemoteEntry => ({path: `/d/${name}`, name, type: 'file', size: 1, file_id: id, parent_file_id: 'd', ...extra})
  const folder: RemoteEntry = {path: '/d', name: 'd', type: 'folder', size: 0, file_id: 'd', parent_file_id: 'root'}
  const at = (iso: string) => ({item: {local_modified_at: iso} as never, updated_at: iso})

  it('name groups are one name and one type in one folder; hash groups need a SHA-1 and one size', () => {
    const children = [entry('1', 'a'), entry('2', 'a'), entry('3', 'b'), {...entry('4', 'a'), type: 'folder' as const}]
    assert.deepEqual(nameGroups(folder, children).map((g) => g.entries.map((e) => e.file_id)), [['1', '2']])
    const files = [entry('1', 'x', {content_hash: 'AA'}), entry('2', 'y', {content_hash: 'aa'}), entry('3', 'z', {content_hash: 'AA', size: 2}), entry('4', 'w')]
    assert.deepEqual(hashGroups(files).map((g) => g.entries.map((e) => e.file_id)), [['1', '2']])
  })

  it('identical copies go first (keeping the one the mode would keep); what differs stays for the mode', () => {
    const group = nameGroups(folder, [entry('1', 'a', {content_hash: 'AA', ...at('2026-01-01T00:00:00Z')}), entry('2', 'a', {content_hash: 'BB'}), entry('3', 'a', {content_hash: 'AA', ...at('2026-02-01T00:00:00Z')})])[0]
    const first = identicalCopies(group, () => 0)
    assert.deepEqual(first.removals.map((a) => [a.action, a.entry.file_id]), [['remove', '3']])
    assert.deepEqual(first.remaining.map((e) => e.file_id), ['1', '2'])
    const newest = identicalCopies(group, (same) => keeperIndex(same, 'newest'))
    assert.deepEqual(newest.removals.map((a) => a.entry.file_id), ['1'])
  })

  it('each keeping mode keeps exactly one; skip keeps all; rename finds free names', () => {
    const remaining = [entry('1', 'a.jpg', {size: 5, ...at('2026-03-01T00:00:00Z')}), entry('2', 'a.jpg', {size: 9, ...at('2026-01-01T00:00:00Z')}), entry('3', 'a.jpg', {size: 1, ...at('2026-05-01T00:00:00Z')})]
    const group = nameGroups(folder, remaining)[0]
    const kept = (mode: 'first' | 'newest' | 'oldest' | 'largest' | 'smallest') => {
      const actions = decisionActions(remaining, modeDecision(group, remaining, mode), new Set())
      assert.equal(actions.length, 2)
      return remaining.find((e) => !actions.some((a) => a.entry === e))!.file_id
    }
    assert.deepEqual([kept('first'), kept('newest'), kept('oldest'), kept('largest'), kept('smallest')], ['1', '3', '2', '2', '3'])
    assert.deepEqual(decisionActions(remaining, modeDecision(group, remaining, 'skip'), new Set()), [])
    const renames = decisionActions(remaining, modeDecision(group, remaining, 'rename'), new Set(['a.jpg', 'a-1.jpg']))
    assert.deepEqual(renames.map((a) => (a.action === 'rename' ? a.to : '')), ['a-2.jpg', 'a-3.jpg'])
  })

  it('folders of one name merge into the first; rename does not apply to hash groups', () => {
    const dirs = [{...entry('1', 'x'), type: 'folder' as const}, {...entry('2', 'x'), type: 'folder' as const}]
    const group = nameGroups(folder, dirs)[0]
    assert.deepEqual(modeDecision(group, dirs, 'newest'), {kind: 'merge'})
    assert.deepEqual(decisionActions(dirs, {kind: 'merge'}, new Set()).map((a) => (a.action === 'merge' ? [a.entry.file_id, a.into.file_id] : [])), [['2', '1']])
    const hash = hashGroups([entry('1', 'p', {content_hash: 'AA'}), entry('2', 'q', {content_hash: 'AA'})])[0]
    assert.deepEqual(modeDecision(hash, hash.entries, 'rename'), {kind: 'skip'})
  })

  it('unique names keep the extension (not of folders or dotfiles)', () => {
    assert.equal(uniqueName('photo.jpg', 'file', new Set()), 'photo-1.jpg')
    assert.equal(uniqueName('.bashrc', 'file', new Set()), '.bashrc-1')
    assert.equal(uniqueName('v1.2', 'folder', new Set(['v1.2-1'])), 'v1.2-2')
  })
})
