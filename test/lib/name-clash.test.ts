import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import type {RemoteEntry} from '../../src/lib/drive/drive.js'
import {UsageError} from '../../src/lib/errors.js'
import {landingName, landingRules, probeNameRules} from '../../src/lib/files/landing.js'
import {EXACT_NAMES, type NameRules, foldName, numberedName, placeEntries} from '../../src/lib/files/name-clash.js'
import {type Tree, type TreeNode, emptyTree} from '../../src/lib/files/tree.js'
import {dropLegacyParts, keyLikeSource} from '../../src/lib/sync/local-dest.js'
import {legacyPartPathFor, partPathFor} from '../../src/lib/transfer/download.js'
import {isOwnTempName} from '../../src/lib/transfer/local-names.js'
import '../helpers.js'

const CASE: NameRules = {caseInsensitive: true, normalizationInsensitive: false}
const entry = (name: string, id: string, created: number, type: 'file' | 'folder' = 'file'): RemoteEntry => ({path: `/d/${name}`, name, type, size: 1, file_id: id, parent_file_id: 'p', created_at: new Date(Date.UTC(2026, 0, 1, 0, created)).toISOString()})
const place = (entries: RemoteEntry[], rules: NameRules = EXACT_NAMES) => placeEntries(entries.map((e) => ({entry: e, name: e.name})), rules)
const names = (placed: ReturnType<typeof place>) => Object.fromEntries(placed.map((p) => [p.entry.file_id, p.name]))

describe('name clashes (pure)', () => {
  it('the newest keeps the name; the others are numbered oldest first, whatever order the listing gives', () => {
    const entries = [entry('one.txt', 'b', 2), entry('one.txt', 'c', 3), entry('one.txt', 'a', 1), entry('two.txt', 'd', 0)]
    const expected = {a: 'one (2).txt', b: 'one (3).txt', c: 'one.txt', d: 'two.txt'}
    assert.deepEqual(names(place(entries)), expected)
    assert.deepEqual(names(place([...entries].reverse())), expected, 'the same names in any listing order')
    const [b] = place(entries)
    assert.deepEqual({kind: b.clash?.kind, keeper: b.clash?.keeper.file_id, keeperName: b.clash?.keeperName}, {kind: 'duplicate', keeper: 'c', keeperName: 'one.txt'})
  })

  it('the same creation time: the file id decides, so the answer never depends on the listing', () => {
    const placed = place([entry('x.txt', 'id-9', 5), entry('x.txt', 'id-1', 5)])
    assert.deepEqual(names(placed), {'id-9': 'x.txt', 'id-1': 'x (2).txt'})
  })

  it('a numbered name skips every name the folder already uses, under the file system\'s rules', () => {
    const entries = [entry('a.txt', '1', 1), entry('A.txt', '2', 2), entry('a (2).TXT', '3', 0)]
    assert.deepEqual(names(place(entries, CASE)), {'1': 'a (3).txt', '2': 'A.txt', '3': 'a (2).TXT'})
    assert.deepEqual(names(place(entries, EXACT_NAMES)), {'1': 'a.txt', '2': 'A.txt', '3': 'a (2).TXT'}, 'case-sensitive: no clash at all')
    assert.equal(place(entries, CASE)[0].clash?.kind, 'case')
  })

  it('names equal once mapped are a `mapped` clash; the loser keeps its own mapped spelling', () => {
    const placed = placeEntries([{entry: entry('a:b.txt', '1', 1), name: 'a_b.txt'}, {entry: entry('a_b.txt', '2', 2), name: 'a_b.txt'}], EXACT_NAMES)
    assert.deepEqual(placed.map((p) => [p.name, p.clash?.kind]), [['a_b (2).txt', 'mapped'], ['a_b.txt', undefined]])
  })

  it('numbered names: before the extension, folders and dotfiles at the end, never over 255 bytes', () => {
    assert.equal(numberedName('report.pdf', 2, 'file'), 'report (2).pdf')
    assert.equal(numberedName('archive.tar.gz', 3, 'file'), 'archive.tar (3).gz')
    assert.equal(numberedName('.bashrc', 2, 'file'), '.bashrc (2)')
    assert.equal(numberedName('v1.2', 2, 'folder'), 'v1.2 (2)')
    assert.equal(numberedName('trailing.', 2, 'file'), 'trailing. (2)')
    const long = numberedName(`${'é'.repeat(127)}.txt`, 12, 'file')
    assert.ok(Buffer.byteLength(long) <= 255 && long.endsWith(' (12).txt'), long)
  })

  it('case folding meets final sigma and sharp s; Unicode forms meet only where the rules say', () => {
    assert.equal(foldName('ΟΔΟΣ.txt', CASE), foldName('οδος.txt', CASE))
    assert.equal(foldName('ὀδός', CASE), foldName('ὈΔΌΣ', CASE))
    const nfc = 'caf\u00e9'
    const nfd = 'cafe\u0301'
    assert.notEqual(foldName(nfc, EXACT_NAMES), foldName(nfd, EXACT_NAMES))
    assert.equal(foldName(nfc, {caseInsensitive: false, normalizationInsensitive: true}), foldName(nfd, {caseInsensitive: false, normalizationInsensitive: true}))
  })

  it('alipan\'s temporary names are its own, and only those', () => {
    for (const name of ['big.bin.alipan-part', 'big.bin.alipan-part.json', 'big.bin.alipan-part.json.4242.tmp', 'x.0123456789ab.alipan-part']) assert.ok(isOwnTempName(name), name)
    for (const name of ['notes.part', 'big.bin.part', 'big.bin.part.json', 'x.alipan-part.bak', 'alipan-part']) assert.ok(!isOwnTempName(name), name)
    assert.equal(partPathFor('/r/big.bin'), '/r/big.bin.alipan-part')
    assert.equal(legacyPartPathFor('/r/big.bin'), '/r/big.bin.part')
    const long = `/r/${'m'.repeat(250)}.bin`
    assert.ok(isOwnTempName(partPathFor(long)) && Buffer.byteLength(partPathFor(long).slice(3)) + 5 <= 255)
    assert.throws(() => landingName('x.alipan-part', 'file', 'jpeg', {windows: false}), /reserved for alipan/)
    assert.equal(landingName('a:b.txt', 'file', 'jpeg', {windows: true}), 'a_b.txt')
    assert.equal(landingName('IMG.livp', 'file', 'mov', {windows: false}), 'IMG.mov')
  })

  it('where the target ignores case, a remote name is alipan\'s in any case; where it does not, only in lower case', () => {
    const insensitive = {caseInsensitive: true, normalizationInsensitive: false, windows: false}
    const sensitive = {caseInsensitive: false, normalizationInsensitive: false, windows: false}
    for (const name of ['X.ALIPAN-PART', 'x.Alipan-Part.JSON', 'x.ALIPAN-PART.json.77.TMP']) {
      assert.throws(() => landingName(name, 'file', 'jpeg', insensitive), /reserved for alipan/, name)
      assert.equal(landingName(name, 'file', 'jpeg', sensitive), name)
    }
    assert.throws(() => landingName('X.ALIPAN-PART', 'file', 'jpeg', {...sensitive, windows: true, caseInsensitive: true}), /reserved for alipan/)
  })
})

describe('the target file system', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alipan-probe-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('is probed by creating a file and looking it up in another case and form; nothing is left behind', async () => {
    const rules = await probeNameRules(dir, 'linux')
    // The tests' temp folder is on a Linux file system without casefolding.
    assert.deepEqual(rules, {caseInsensitive: false, normalizationInsensitive: false})
    assert.deepEqual(readdirSync(dir), [])
  })

  it('a folder that cannot be written answers with the platform\'s usual rules', async () => {
    const missing = join(dir, 'no', 'such')
    assert.deepEqual(await probeNameRules(missing, 'darwin'), {caseInsensitive: true, normalizationInsensitive: true})
    assert.deepEqual(await probeNameRules(missing, 'win32'), {caseInsensitive: true, normalizationInsensitive: false})
  })

  it('ALIPAN_LOCAL_NAMES overrides the probe; a target that does not exist yet is probed at its nearest folder', async () => {
    assert.deepEqual(await landingRules(join(dir, 'new', 'tree'), {}, 'linux'), {caseInsensitive: false, normalizationInsensitive: false, windows: false})
    assert.deepEqual(await landingRules(dir, {ALIPAN_LOCAL_NAMES: 'case-insensitive'}, 'linux'), {caseInsensitive: true, normalizationInsensitive: false, windows: false})
    assert.deepEqual(await landingRules(dir, {ALIPAN_LOCAL_NAMES: 'windows'}, 'linux'), {caseInsensitive: true, normalizationInsensitive: false, windows: true})
    assert.deepEqual(await landingRules(dir, {ALIPAN_LOCAL_NAMES: 'case-sensitive'}, 'win32'), {caseInsensitive: false, normalizationInsensitive: false, windows: true})
    await assert.rejects(landingRules(dir, {ALIPAN_LOCAL_NAMES: 'nope'}), UsageError)
  })
})

describe('a local DEST as a download plan sees it', () => {
  const tree = (rels: string[], local: boolean): Tree => {
    const t = emptyTree()
    for (const rel of rels) {
      const type = rel.endsWith('/') ? 'folder' : 'file'
      const key = rel.replace(/\/$/, '')
      const node: TreeNode = {rel: key, type, size: 1, ...(local ? {path: `/dest/${key}`} : {})}
      t.nodes.set(key, node)
    }
    return t
  }

  it('on a case-insensitive disk, DEST entries are keyed as SOURCE spells them; an exact match wins', () => {
    const source = tree(['Docs/', 'Docs/Notes.txt', 'a.txt', 'A (2).txt'], false)
    const dest = tree(['docs/', 'docs/notes.txt', 'a.txt', 'A.TXT', 'other.txt'], true)
    keyLikeSource(source, dest, CASE)
    assert.deepEqual([...dest.nodes.keys()], ['Docs', 'Docs/Notes.txt', 'a.txt', 'A.TXT', 'other.txt'])
    assert.equal(dest.nodes.get('Docs/Notes.txt')?.path, '/dest/docs/notes.txt', 'the node keeps its real path')
    const sensitive = tree(['docs/'], true)
    keyLikeSource(source, sensitive, EXACT_NAMES)
    assert.deepEqual([...sensitive.nodes.keys()], ['docs'])
  })

  it('an earlier alipan\'s NAME.part beside a SOURCE file is not a DEST entry, unless SOURCE has that name too', () => {
    const source = tree(['big.bin', 'sub/', 'sub/x.bin', 'sub/x.bin.part', 'gone.part'], false)
    source.nodes.delete('gone.part')
    const dest = tree(['big.bin.part', 'big.bin.part.json', 'sub/x.bin.part', 'notes.part', 'gone.part'], true)
    dropLegacyParts(source, dest)
    assert.deepEqual([...dest.nodes.keys()], ['sub/x.bin.part', 'notes.part', 'gone.part'])
  })
})
