import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {CheckResult} from '../../src/lib/metadata/check.js'
import {type Fixture, OLD_ATIME, WRITE_CALLS, ageAtimes, pattern, setup, writeUnder} from '../support.js'
import '../helpers.js'

describe('check', () => {
  let f: Fixture
  let n = 0
  let src: string
  let remote: string
  const write = (rel: string, data: Buffer | string, root = src) => writeUnder(root, rel, data)
  const check = async (...args: string[]) => {
    const r = await f.cli(['check', ...args, '--json'])
    const result = r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as CheckResult) : undefined
    return {...r, result}
  }
  const calls = (path: RegExp) => f.emu.log.filter((e) => path.test(e.path)).length
  /** Upload `src` with sync (a backup), then forget what that cost. */
  const backup = async () => {
    const r = await f.cli(['sync', src, `alipan:${remote}`, '--quiet'])
    assert.equal(r.exitCode, 0, r.stderr)
    f.emu.resetCounters()
  }

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    n++
    src = join(f.workDir, `check${n}`)
    remote = `/checked${n}`
    mkdirSync(src, {recursive: true})
    f.emu.resetCounters()
  })

  it('a backup just made matches: exit 0, downloads nothing, one listing per folder, each local file read once', async (t) => {
    write('a.txt', 'alpha')
    write('deep/er/b.bin', pattern(300 * 1024, 1))
    mkdirSync(join(src, 'empty'))
    await backup()
    const atimes = ageAtimes([join(src, 'a.txt'), join(src, 'deep/er/b.bin')], f.workDir)
    const r = await f.cli(['check', src, `alipan:${remote}`])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, '', 'no differences to print')
    assert.match(r.stderr, /^0 differences found \(0 missing on DEST, 0 missing on SOURCE, 0 differing\); 2 identical$/m)
    assert.equal(calls(/openFile\/getDownloadUrl$/), 0)
    assert.equal(f.emu.counters.bytesOut, 0, 'nothing from the data plane')
    assert.equal(calls(/openFile\/list$/), 4, 'root, deep, deep/er, empty')
    assert.equal(calls(WRITE_CALLS), 0)
    if (!atimes) t.diagnostic('atimes do not move here: the read check is skipped')
    else assert.ok(statSync(join(src, 'a.txt')).atimeMs > OLD_ATIME.getTime(), 'a same-sized file is hashed')
  })

  it('finds each of the five kinds: = - + * ! (--combined and each list), exit of the error', async () => {
    write('same.txt', 'same')
    write('changed.txt', 'version 1')
    write('gone.txt', 'only remote soon')
    write('dir/inner.txt', 'inner')
    mkdirSync(join(src, 'loop'))
    await backup()
    write('changed.txt', 'version 2') // same size, other bytes: the SHA-1 tells
    write('new.txt', 'only local')
    rmSync(join(src, 'gone.txt'))
    symlinkSync('..', join(src, 'loop', 'back')) // with -L: a loop, which cannot be read
    const out = (name: string) => join(f.workDir, `check${n}-${name}.txt`)
    const r = await check(src, `alipan:${remote}`, '-L', '--combined', out('combined'), '--match', out('match'), '--differ', out('differ'), '--missing-on-src', out('src'), '--missing-on-dst', out('dst'), '--error', out('error'))
    assert.equal(r.exitCode, 9, 'the unreadable path sets the exit code')
    assert.deepEqual(readFileSync(out('combined'), 'utf8').split('\n'), ['* changed.txt', '= dir/inner.txt', '- gone.txt', '! loop/back', '+ new.txt', '= same.txt', ''])
    assert.equal(readFileSync(out('match'), 'utf8'), 'dir/inner.txt\nsame.txt\n')
    assert.equal(readFileSync(out('differ'), 'utf8'), 'changed.txt\n')
    assert.equal(readFileSync(out('src'), 'utf8'), 'gone.txt\n')
    assert.equal(readFileSync(out('dst'), 'utf8'), 'new.txt\n')
    assert.equal(readFileSync(out('error'), 'utf8'), 'loop/back\n')
    assert.deepEqual(r.result?.summary, {differences: 3, match: 2, differ: 1, missing_on_src: 1, missing_on_dst: 1, errors: 1})
    assert.equal(r.result?.errors[0].error.code, 'LinkLoop')
    assert.equal(calls(WRITE_CALLS), 0, 'check changes nothing')

    // Without the loop: differences alone exit 1, and the lines other than `=` go to stdout.
    rmSync(join(src, 'loop', 'back'))
    const plain = await f.cli(['check', src, `alipan:${remote}`])
    assert.equal(plain.exitCode, 1)
    assert.equal(plain.stdout, '* changed.txt\n- gone.txt\n+ new.txt\n')
    assert.match(plain.stderr, /3 differences found \(1 missing on DEST, 1 missing on SOURCE, 1 differing\); 2 identical/)
    const dash = await f.cli(['check', src, `alipan:${remote}`, '--combined', '-'])
    assert.equal(dash.stdout, '* changed.txt\n= dir/inner.txt\n- gone.txt\n+ new.txt\n= same.txt\n')
  })

  it('--one-way ignores what only DEST has; --size-only reads no local file', async (t) => {
    write('a.txt', 'aaaa')
    write('b.txt', 'bbbb')
    write('extra.txt', 'x')
    await backup()
    rmSync(join(src, 'extra.txt'))
    write('b.txt', 'BBBB') // same size
    const oneWay = await check(src, `alipan:${remote}`, '--one-way')
    assert.equal(oneWay.exitCode, 1)
    assert.deepEqual([oneWay.result?.differ, oneWay.result?.missing_on_src], [['b.txt'], []])
    const atimes = ageAtimes([join(src, 'a.txt'), join(src, 'b.txt')], f.workDir)
    const sizes = await check(src, `alipan:${remote}`, '--size-only', '--one-way')
    assert.equal(sizes.exitCode, 0, sizes.stderr)
    assert.deepEqual(sizes.result?.match, ['a.txt', 'b.txt'])
    if (!atimes) t.diagnostic('atimes do not move here: the no-read check is skipped')
    else for (const name of ['a.txt', 'b.txt']) assert.equal(statSync(join(src, name)).atimeMs, OLD_ATIME.getTime(), `${name} was not read`)
  })

  it('remote against remote (one drive) reads no content at all; a remote SOURCE against a local DEST works too', async () => {
    write('x/1.txt', 'one')
    write('x/2.txt', 'two')
    await backup()
    assert.equal((await f.cli(['cp', remote, `${remote}-copy`])).exitCode, 0)
    f.emu.fs().put(`${remote}-copy/x/2.txt`, 'TWO')
    f.emu.resetCounters()
    const both = await check(`alipan:${remote}`, `alipan:${remote}-copy`)
    assert.equal(both.exitCode, 1)
    assert.deepEqual(both.result?.differ, ['x/2.txt'])
    assert.equal(f.emu.counters.bytesOut, 0)
    assert.equal(calls(/openFile\/getDownloadUrl$/), 0)
    const down = await check(`alipan:${remote}`, src)
    assert.equal(down.exitCode, 0, down.stderr)
    assert.deepEqual(down.result?.match, ['x/1.txt', 'x/2.txt'])
    // DEST's name rules are probed with a scratch file there: before the walk, which never sees it.
    assert.deepEqual(down.result?.skipped, [], down.stderr)
  })

  it('two files compare as files; a live photo stored as its stream cannot be verified (!)', async () => {
    const local = write('one.txt', 'file one')
    await backup()
    const r = await check(local, `alipan:${remote}/one.txt`)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.result?.match, ['one.txt'])
    f.emu.fs().seedLivePhoto(`${remote}/IMG_1.livp`, {jpeg: 'jpeg bytes', mov: 'mov bytes'})
    write('IMG_1.jpg', 'jpeg bytes')
    const live = await check(`alipan:${remote}`, src)
    assert.equal(live.exitCode, 1)
    assert.deepEqual(live.result?.errors.map((e) => [e.path, e.error.code]), [['IMG_1.jpg', 'LivePhoto']])
  })

  it('filters as sync: an excluded path is not compared', async () => {
    write('keep.txt', 'k')
    write('cache/tmp.bin', 'c')
    await backup()
    write('cache/tmp.bin', 'changed and longer')
    write('junk.tmp', 'j')
    const r = await check(src, `alipan:${remote}`, '--exclude', 'cache/', '--exclude', '*.tmp')
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.result?.match, ['keep.txt'])
  })

  it('bad input: missing paths exit 3, a file against a folder 2, no remote side 2, - with --json 2', async () => {
    write('f.txt', 'f')
    await backup()
    assert.equal((await f.cli(['check', src, 'alipan:/no/such/folder'])).exitCode, 3)
    assert.equal((await f.cli(['check', join(src, 'missing'), `alipan:${remote}`])).exitCode, 3)
    const mixed = await f.cli(['check', join(src, 'f.txt'), `alipan:${remote}`])
    assert.equal(mixed.exitCode, 2)
    assert.match(mixed.stderr, /is a file and .* a folder/)
    assert.equal((await f.cli(['check', src, src])).exitCode, 2)
    assert.equal((await f.cli(['check', src, `alipan:${remote}`, '--combined', '-', '--json'])).exitCode, 2)
    const unwritable = await f.cli(['check', src, `alipan:${remote}`, '--combined', join(src, 'no', 'such', 'dir', 'x.txt')])
    assert.equal(unwritable.exitCode, 9)
  })
})
