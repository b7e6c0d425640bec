/**
 * Issue 16: one file to install. `npm run build:standalone` makes a Node single executable of the
 * bundle; here its Linux build runs alone in an empty folder (no node_modules, no package.json,
 * no node on PATH): --version, login, ls, against the emulator. Building it copies this machine's
 * node (~96 MiB) and takes ~20 s, so it is built once, and only on linux-x64.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type Fixture, ROOT, setup} from '../support.js'
import '../helpers.js'

const supported = process.platform === 'linux' && process.arch === 'x64'

describe('standalone executable (linux-x64)', {skip: supported ? false : 'the single executable is built from this machine\'s node: linux-x64 only'}, () => {
  let f: Fixture
  let dir: string
  let exe: string
  before(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-standalone.mjs'), '--linux-only'], {stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000})
    f = await setup({rateLimit: false})
    dir = mkdtempSync(join(tmpdir(), 'alipan-standalone-'))
    exe = join(dir, 'alipan')
    copyFileSync(join(ROOT, 'standalone', 'alipan-linux-x64'), exe)
  })
  after(async () => {
    await f?.close()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  /** The executable alone: its folder as cwd, a bare environment (no PATH, so no node to fall back on). */
  const run = (args: string[], input = '', extra: Record<string, string> = {}): Promise<{status: number | null; stdout: string; stderr: string}> =>
    new Promise((resolve, reject) => {
      const env = {HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), ALIPAN_CONFIG_DIR: join(dir, 'config'), ALIPAN_API_URL: f.env.ALIPAN_API_URL, ALIPAN_ONLINE_API_URL: f.env.ALIPAN_ONLINE_API_URL, ALIPAN_CLIENT_ID: f.emu.app.client_id, ALIPAN_CLIENT_SECRET: f.emu.app.client_secret, ...extra}
      const child = spawn(exe, args, {cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      child.on('error', reject)
      child.on('close', (status) => resolve({status, stdout, stderr}))
      child.stdin.end(input)
    })

  it('runs --version, logs in and lists with nothing beside it', async () => {
    assert.deepEqual(readdirSync(dir), ['alipan'], 'the executable alone')
    const version = await run(['--version'])
    assert.equal(version.status, 0, version.stderr)
    assert.match(version.stdout, /^alipan\/\d+\.\d+\.\d+ linux-x64 node-v\d+/)
    const login = await run(['login', '--with-token'], f.emu.issueTokens({via: 'app'}).refresh_token)
    assert.equal(login.status, 0, login.stderr)
    f.emu.fs().put('/from-standalone/hello.txt', Buffer.from('hello'))
    const ls = await run(['ls', '/from-standalone', '--json'])
    assert.equal(ls.status, 0, ls.stderr)
    assert.deepEqual((JSON.parse(ls.stdout) as Array<{name: string}>).map((e) => e.name), ['hello.txt'])
    assert.equal(ls.stderr, '', 'no warning from the executable')
    // Usage errors keep their exit code; --help renders from the embedded manifest-less config.
    const bad = await run(['ls', '--no-such-flag'])
    assert.equal(bad.status, 2)
    const help = await run(['get', '--help'])
    assert.equal(help.status, 0)
    assert.match(help.stdout, /--on-conflict/)
  })

  it('encrypts and decrypts with the wasm build of libsodium (the native addon cannot load from inside it)', async () => {
    const added = await run(['crypt', 'add', 'vault', '--remote', 'alipan:/sea-vault'], '', {ALIPAN_CRYPT_PASSWORD: 'standalone'})
    assert.equal(added.status, 0, added.stderr)
    const data = Buffer.alloc(6 * 1024 * 1024 + 17, 'standalone ')
    writeFileSync(join(dir, 'data.bin'), data)
    const put = await run(['put', 'data.bin', 'vault:/'], '', {DEBUG: 'alipan:crypt'})
    assert.equal(put.status, 0, put.stderr)
    assert.match(put.stderr, /sodium-native unavailable .*using libsodium-wrappers/)
    assert.equal(f.emu.fs().list('/sea-vault').length, 1)
    assert.ok(!f.emu.fs().list('/sea-vault').some((e) => String(e.name).includes('data')), 'the name is encrypted')
    const get = await run(['get', 'vault:/data.bin', 'back.bin'])
    assert.equal(get.status, 0, get.stderr)
    assert.ok(readFileSync(join(dir, 'back.bin')).equals(data))
  })
})
