import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {GetResult} from '../../src/lib/files/get.js'
import type {PutResult} from '../../src/lib/files/put.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

/** Issue 10's local side: remote names that become local names, and local entries that are not regular files. */
describe('names and links on the local side', () => {
  let f: Fixture
  let n = 0
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())
  beforeEach(() => {
    n++
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  it('get -r keeps every valid local name; a refused or too-long name fails alone, and nothing lands outside the target', async () => {
    const fs = f.emu.fs()
    const long = `${'n'.repeat(296)}.txt` // 300 bytes: valid remotely (≤ 1024), too long for a local file system (255)
    const valid = ['...', '..foo', '.hidden', 'a:b?.txt', 'plain.txt']
    for (const name of valid) fs.put(`/names${n}/${name}`, `content of ${name}`)
    fs.put(`/names${n}/${long}`, 'long')
    fs.put(`/names${n}/..`, 'escape attempt')
    fs.put(`/names${n}/sub/..`, 'escape attempt')
    fs.put(`/names${n}/sub/ok.txt`, 'ok')
    const target = join(f.workDir, `target${n}`)
    const r = await f.cli(['get', '-r', `/names${n}`, target, '--json'])
    const results = JSON.parse(r.stdout) as GetResult[]
    // TARGET did not exist, so it becomes the copy (cp -r semantics).
    for (const name of valid) assert.equal(readFileSync(join(target, name), 'utf8'), `content of ${name}`, name)
    assert.equal(readFileSync(join(target, 'sub', 'ok.txt'), 'utf8'), 'ok')
    const failures = results.filter((x) => x.error)
    assert.equal(failures.length, 3, JSON.stringify(failures))
    const longFailure = failures.find((x) => x.remote_path.endsWith(long))
    assert.equal(longFailure?.error?.code, 'ENAMETOOLONG')
    assert.ok(failures.filter((x) => x.error?.code === 'UnsafeName').length === 2)
    assert.equal(r.exitCode, 2, 'the first failure sets the exit code: a refused name, found while walking')
    assert.match(r.stderr, new RegExp(long.slice(0, 40)), 'the error names the file')
    assert.deepEqual(readdirSync(target).sort(), [...valid, 'sub'].sort(), 'the valid names, no .part of the failed one')
    assert.deepEqual(readdirSync(join(target, 'sub')), ['ok.txt'])
    // `..` would land on the target's parent (`${workDir}.alipan-part`), `sub/..` on the target itself.
    for (const suffix of ['.part', '.alipan-part']) assert.ok(!existsSync(`${f.workDir}${suffix}`) && !existsSync(`${target}${suffix}`), 'nothing written outside the target')
    assert.deepEqual(readdirSync(f.workDir).filter((x) => x.startsWith('target') && x !== `target${n}`), [])
  })

  it('a name of 251–255 bytes still downloads (its .alipan-part name is shortened)', async () => {
    const name = `${'m'.repeat(250)}.bin` // 254 bytes: fine as a name, but NAME.alipan-part would be 266
    f.emu.fs().put(`/edge${n}/${name}`, 'edge')
    const target = join(f.workDir, `edge${n}`)
    const r = await f.cli(['get', '-r', `/edge${n}`, target])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(readFileSync(join(target, name), 'utf8'), 'edge')
  })

  describe('put -r over special files and links', () => {
    let src: string
    beforeEach(() => {
      src = join(f.workDir, `special${n}`)
      mkdirSync(join(src, 'dir'), {recursive: true})
      writeFileSync(join(src, 'real.txt'), 'real')
      writeFileSync(join(src, 'dir', 'inner.txt'), 'inner')
      execFileSync('mkfifo', [join(src, 'fifo')])
      symlinkSync(join(src, 'nowhere'), join(src, 'dangling'))
      symlinkSync(join(src, 'real.txt'), join(src, 'file-link'))
      symlinkSync(join(src, 'dir'), join(src, 'dir-link'))
      symlinkSync(src, join(src, 'dir', 'loop')) // dir/loop → src: a loop once links are followed
    })

    it('without -L: FIFOs and every link are skipped with a notice, exit 0, within a bounded time', async () => {
      const started = Date.now()
      const r = await f.spawn(['put', '-r', `${src}/`, `/special${n}`, '--json'], {timeoutMs: 30_000})
      assert.equal(r.status, 0, r.stderr)
      assert.ok(Date.now() - started < 25_000, 'a FIFO is never opened')
      const results = JSON.parse(r.stdout) as PutResult[]
      const skipped = Object.fromEntries(results.filter((x) => x.skipped).map((x) => [x.path.slice(src.length + 1), x.reason]))
      assert.deepEqual(Object.keys(skipped).sort(), ['dangling', 'dir-link', 'dir/loop', 'fifo', 'file-link'])
      assert.match(skipped.fifo!, /FIFO/)
      assert.match(skipped.dangling!, /dangling/)
      assert.match(skipped['file-link']!, /symlink.*-L/)
      assert.deepEqual(f.emu.fs().list(`/special${n}`).map((e) => e.name).sort(), ['dir', 'real.txt'])

      const text = await f.spawn(['put', '-r', `${src}/`, `/special${n}-text`], {timeoutMs: 30_000})
      assert.equal(text.status, 0)
      assert.match(text.stderr, /skipped .*fifo: FIFO/)
      assert.match(text.stderr, /skipped .*file-link: symlink to a file/)
    })

    it('with -L: links to files and folders are followed, a loop fails that path alone, dangling links stay skipped', async () => {
      const r = await f.spawn(['put', '-r', '-L', `${src}/`, `/followed${n}`, '--json'], {timeoutMs: 30_000})
      const results = JSON.parse(r.stdout) as PutResult[]
      // dir/loop leads back to the top, and so does dir-link/loop (dir-link is dir): both are loops.
      const failed = results.filter((x) => x.error)
      assert.deepEqual(failed.map((x) => x.path.slice(src.length + 1)).sort(), ['dir-link/loop', 'dir/loop'])
      assert.ok(failed.every((x) => x.error?.code === 'LinkLoop'))
      assert.equal(r.status, 9)
      assert.deepEqual(results.filter((x) => x.skipped).map((x) => x.reason).sort(), ['FIFO (named pipe)', 'dangling symlink'])
      assert.equal(f.emu.fs().read(`/followed${n}/file-link`).toString(), 'real')
      assert.equal(f.emu.fs().read(`/followed${n}/dir-link/inner.txt`).toString(), 'inner')
    })

    it('a file that vanishes between the walk and its upload fails alone', async () => {
      rmSync(join(src, 'fifo'))
      for (let i = 0; i < 20; i++) writeFileSync(join(src, `f${i}.txt`), `file ${i}`)
      // At the real rate limits, one file at a time takes long enough to remove the last one
      // (real.txt comes after f*.txt) once the first is up.
      f.emu.setRateLimit(true)
      try {
        const child = f.spawn(['put', '-r', '--transfers', '1', `${src}/`, `/vanish${n}`, '--json'], {timeoutMs: 60_000})
        await waitFor(() => f.emu.log.some((e) => e.path.endsWith('/complete')))
        rmSync(join(src, 'real.txt'))
        const r = await child
        const results = JSON.parse(r.stdout) as PutResult[]
        const gone = results.find((x) => x.path.endsWith('real.txt'))
        assert.equal(gone?.error?.code, 'LocalFileGone', JSON.stringify(gone))
        assert.match(r.stderr, /real\.txt disappeared/)
        assert.equal(r.status, 3)
        assert.equal(results.filter((x) => !x.error && !x.skipped).length, 21, 'the others went through')
      } finally {
        f.emu.setRateLimit(false)
      }
    })
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 5))
  }
}
