/**
 * Real WebDAV clients against `alipan serve webdav` over the emulator: litmus, the compliance
 * suite, and rclone as a client (webdav remote, vendor owncloud). Both are Debian packages;
 * where one is not installed its test is skipped with a note saying so (.ci/run installs them
 * when it can).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {delimiter, join, relative} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type Fixture, pattern, setup, startCli} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name)
    if (existsSync(path)) return path
  }
  return undefined
}

const LITMUS = which('litmus')
const RCLONE = which('rclone')

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<{code: number | null; out: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, out}))
  })
}

async function serve(f: Fixture, args: string[]) {
  const s = startCli(['serve', 'webdav', '--addr', '127.0.0.1:0', '--quiet', ...args], f.env)
  const until = Date.now() + 30_000
  for (;;) {
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(s.output().stdout)?.[1]
    if (url) return {...s, url}
    if (Date.now() > until) throw new Error(`serve did not start: ${JSON.stringify(s.output())}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('real WebDAV clients (spawned server)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())

  it('litmus: every group runs; basic, copymove and http clean; more than rclone serve webdav’s 72 passes', {skip: !LITMUS && 'litmus is not installed (apt-get install litmus)', timeout: 300_000}, async () => {
    f.emu.fs().mkdir('/litmus-root')
    // litmus does not follow redirects: it needs the bytes from the server itself.
    const s = await serve(f, ['/litmus-root', '--proxy'])
    try {
      const r = await run(LITMUS!, ['-k', s.url], process.env, f.workDir)
      const summaries = new Map([...r.out.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)].map((m) => [m[1], {run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4])}]))
      assert.deepEqual([...summaries.keys()], ['basic', 'copymove', 'props', 'locks', 'http'], r.out)
      for (const group of ['basic', 'copymove', 'http']) assert.equal(summaries.get(group)!.failed, 0, `${group}: ${r.out}`)
      const passes = [...summaries.values()].reduce((n, g) => n + g.passed, 0)
      assert.ok(passes > 72, `${passes} passes: ${r.out}`)
      process.stderr.write(`# litmus: ${[...summaries].map(([g, v]) => `${g} ${v.passed}/${v.run}`).join(', ')}; ${passes} passes\n`)
    } finally {
      s.child.kill('SIGTERM')
      await s.done
    }
  })

  it('rclone (owncloud vendor): copy a tree up, check --download clean, a second sync sends nothing, copy back identical', {skip: !RCLONE && 'rclone is not installed (apt-get install rclone)', timeout: 300_000}, async () => {
    f.emu.fs().mkdir('/rclone-root')
    const s = await serve(f, ['/rclone-root'])
    const tree = join(f.workDir, 'tree')
    const files: Record<string, Buffer> = {
      'a/one.bin': pattern(300_000, 1),
      'a/b/two.txt': Buffer.from('two\n'),
      'a/b/c/deep.bin': pattern(1_200_000, 2),
      'big/movie.mkv': pattern(7 * MiB, 3),
      'names/ü 名字 #1 & more.txt': Buffer.from('unicode\n'),
      'names/empty': Buffer.alloc(0),
    }
    for (const [rel, data] of Object.entries(files)) {
      mkdirSync(join(tree, rel, '..'), {recursive: true})
      writeFileSync(join(tree, rel), data)
    }
    const config = join(f.workDir, 'rclone.conf')
    writeFileSync(config, '')
    const env = {...process.env, RCLONE_CONFIG: config, RCLONE_CONFIG_DAV_TYPE: 'webdav', RCLONE_CONFIG_DAV_URL: s.url, RCLONE_CONFIG_DAV_VENDOR: 'owncloud'}
    // 302s send rclone to Alipan itself, which allows 3 downloads per user at once.
    const limits = ['--transfers', '3', '--checkers', '3']
    try {
      const copy = await run(RCLONE!, ['copy', tree, 'dav:up', ...limits], env)
      assert.equal(copy.code, 0, copy.out)
      const check = await run(RCLONE!, ['check', '--download', tree, 'dav:up', ...limits], env)
      assert.equal(check.code, 0, check.out)
      assert.match(check.out, /0 differences found/)
      const sync = await run(RCLONE!, ['sync', tree, 'dav:up', '-v', ...limits], env)
      assert.equal(sync.code, 0, sync.out)
      assert.doesNotMatch(sync.out, /: Copied \(/, `a second sync transfers nothing: ${sync.out}`)
      const back = join(f.workDir, 'back')
      const down = await run(RCLONE!, ['copy', 'dav:up', back, ...limits], env)
      assert.equal(down.code, 0, down.out)
      assert.deepEqual(listTree(back).sort(), Object.keys(files).sort())
      for (const [rel, data] of Object.entries(files)) assert.deepEqual(readFileSync(join(back, rel)), data, rel)
      // X-OC-Mtime: the times came back as they went up (whole seconds).
      const upTime = Math.floor(statSync(join(tree, 'a/one.bin')).mtimeMs / 1000)
      assert.equal(Math.floor(statSync(join(back, 'a/one.bin')).mtimeMs / 1000), upTime)
    } finally {
      s.child.kill('SIGTERM')
      await s.done
    }
  })
})

function listTree(root: string, dir = root): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((d) => (d.isDirectory() ? listTree(root, join(dir, d.name)) : [relative(root, join(dir, d.name)).split('\\').join('/')]))
}
