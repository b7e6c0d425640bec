/**
 * Issue 16: what a one-call command loads. The built CLI is one bundle plus one file per library
 * that the sources only `import()` lazily (dist/vendor/); a command must not load the libraries
 * its path never uses — checked by what the process actually loaded (require's module cache at
 * exit, which the bundle loader fills the same way on every Node version).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {BIN, BUNDLE, type Fixture, RECORD_CHILD_PROCESSES, ROOT, setup} from '../support.js'
import '../helpers.js'

describe('start-up: what a command loads', () => {
  let f: Fixture
  let dir: string
  let hook: string
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    f.emu.fs().put('/pic.txt', Buffer.from('hello'))
    dir = mkdtempSync(join(tmpdir(), 'alipan-loaded-'))
    hook = join(dir, 'record-loaded.cjs')
    // Preloaded with --require: at exit, every module file the process loaded.
    writeFileSync(hook, `process.once('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, JSON.stringify(Object.keys(require('node:module')._cache))))\n`)
  })
  after(async () => {
    await f.close()
    rmSync(dir, {recursive: true, force: true})
  })

  /** Run the built CLI as users do, and return the vendored libraries it loaded. */
  const loaded = async (args: string[]): Promise<{status: number | null; stderr: string; vendor: string[]; files: string[]}> => {
    const out = join(dir, `loaded-${Date.now()}-${Math.random()}.json`)
    const env: NodeJS.ProcessEnv = {...process.env, ...f.env, LOADED_OUT: out, HOME: dir, XDG_CACHE_HOME: join(dir, 'cache')}
    delete env.ALIPAN_REFRESH_TOKEN
    const child = spawn(process.execPath, ['--require', hook, BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.stdout.resume()
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const files = JSON.parse(readFileSync(out, 'utf8')) as string[]
    const vendor = files.filter((file) => file.includes(join('dist', 'vendor'))).map((file) => basename(file, '.cjs'))
    return {status, stderr, vendor, files}
  }

  /** The lazy libraries, by package and by the vendor file that carries each. */
  const LAZY: Record<string, string> = {
    '@inquirer/prompts': 'inquirer-prompts',
    ora: 'ora',
    'qrcode-terminal': 'qrcode-terminal',
    'proper-lockfile': 'proper-lockfile',
    hpagent: 'hpagent',
    'proxy-from-env': 'proxy-from-env',
    conf: 'conf',
    ignore: 'ignore',
    'libsodium-wrappers': 'libsodium-wrappers',
    base32768: 'base32768',
  }

  it('each lazy library lives only in its own file of dist/vendor/, never in the bundle that always loads', () => {
    const contents = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-contents.json'), 'utf8')) as Record<string, string[]>
    // A package or its family: importing one prompt statically would bundle @inquirer/confirm alone.
    const family = (pkg: string) => (name: string) => name === pkg || (pkg.startsWith('@') && name.startsWith(pkg.split('/')[0] + '/'))
    for (const [pkg, file] of Object.entries(LAZY)) {
      const inMain = contents['alipan.cjs'].filter(family(pkg))
      assert.deepEqual(inMain, [], `${pkg} is in dist/alipan.cjs: something imports it statically`)
      assert.ok(contents[`vendor/${file}.cjs`]?.some(family(pkg)), `${pkg} in vendor/${file}.cjs`)
    }
  })

  it('quota, link, ls and whoami load neither prompts, spinners, QR, the lock library nor proxy agents', async () => {
    // As after a real `alipan login`: the drive ids are known (learning them writes the credentials, under the lock).
    assert.equal((await f.spawn(['whoami'])).status, 0)
    for (const args of [['quota', '--json'], ['link', '/pic.txt'], ['ls', '/'], ['whoami']]) {
      // Twice: the first run writes the code cache, the second reads it.
      for (let round = 0; round < 2; round++) {
        const run = await loaded(args)
        assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`)
        assert.ok(run.files.includes(BUNDLE), 'the bundle is what ran')
        for (const library of Object.values(LAZY)) {
          assert.ok(!run.vendor.includes(library), `${args.join(' ')} loaded ${library} (${run.vendor.join(', ')})`)
        }
        assert.ok(!run.files.some((file) => file.includes('node_modules')), 'nothing from node_modules')
      }
    }
  })

  it('the crypt libraries load only for an encrypted location: ls of the drive does not touch them, ls of the location does', async () => {
    const added = await f.spawn(['crypt', 'add', 'vault', '--remote', 'alipan:/vault', '--filename-encoding', 'base32768'], {env: {ALIPAN_CRYPT_PASSWORD: 'pw'}})
    assert.equal(added.status, 0, added.stderr)
    const plain = await loaded(['ls', '/'])
    assert.equal(plain.status, 0, plain.stderr)
    assert.ok(!plain.vendor.includes('libsodium-wrappers') && !plain.vendor.includes('base32768'), plain.vendor.join(', '))
    assert.ok(!plain.files.some((file) => file.includes('sodium-native')))
    const put = await f.spawn(['mkdir', 'vault:/x'])
    assert.equal(put.status, 0, put.stderr)
    const encrypted = await loaded(['ls', 'vault:/'])
    assert.equal(encrypted.status, 0, encrypted.stderr)
    assert.ok(encrypted.vendor.includes('base32768'), 'this location writes its names in base32768')
    // Data blocks: the native addon where it loads (an optional dependency), else the wasm build.
    assert.ok(encrypted.files.some((file) => file.includes('sodium-native')) || encrypted.vendor.includes('libsodium-wrappers'), encrypted.files.filter((x) => /sodium/.test(x)).join(', '))
  })

  it('a path that needs a library loads it: link --qr draws with qrcode-terminal, config set writes with conf', async () => {
    const qr = await loaded(['link', '/pic.txt', '--qr'])
    assert.equal(qr.status, 0, qr.stderr)
    assert.ok(qr.vendor.includes('qrcode-terminal'), qr.vendor.join(', '))
    assert.ok(!qr.vendor.includes('inquirer-prompts'))
    const set = await loaded(['config', 'set', 'livp-format', 'mov'])
    assert.equal(set.status, 0, set.stderr)
    assert.ok(set.vendor.includes('conf'), set.vendor.join(', '))
    assert.ok(!set.vendor.includes('inquirer-prompts') && !set.vendor.includes('ora'))
  })

  it('Windows without SHELL: no call starts PowerShell to guess the shell (oclif does, unless bin/run.js sets it)', async () => {
    // Windows as oclif sees it: the platform, no SHELL, no login shell; child processes recorded.
    const fake = join(dir, 'fake-windows.cjs')
    writeFileSync(
      fake,
      [
        "Object.defineProperty(process, 'platform', {value: 'win32'})",
        'delete process.env.SHELL',
        "const os = require('node:os'); const userInfo = os.userInfo; os.userInfo = (...a) => ({...userInfo(...a), shell: null})",
        ...RECORD_CHILD_PROCESSES,
        '',
      ].join('\n'),
    )
    const spawned = async (argv: string[]): Promise<string[]> => {
      const out = join(dir, `spawns-${Date.now()}-${Math.random()}.json`)
      const env: NodeJS.ProcessEnv = {...process.env, ...f.env, SPAWNS_OUT: out, HOME: dir, XDG_CACHE_HOME: join(dir, 'cache')}
      const child = spawn(process.execPath, ['--require', fake, ...argv], {env, cwd: ROOT, stdio: 'ignore'})
      await new Promise((resolve) => child.on('close', resolve))
      return JSON.parse(readFileSync(out, 'utf8')) as string[]
    }
    // The control: oclif's own start-up, without bin/run.js, asks PowerShell.
    const bare = await spawned(['-e', `require(${JSON.stringify(BUNDLE)}).Config.load(${JSON.stringify(ROOT)})`])
    assert.ok(bare.some((call) => /powershell/i.test(call)), `oclif alone: ${JSON.stringify(bare)}`)
    for (const args of [['quota', '--json'], ['--help'], ['ls', '--no-such-flag']]) {
      assert.deepEqual(await spawned([BIN, ...args]), [], `alipan ${args.join(' ')} started a process`)
    }
  })

  it('--version is answered before oclif loads, exactly as oclif would answer it', async () => {
    const run = await loaded(['--version'])
    assert.equal(run.status, 0)
    assert.ok(!run.files.includes(BUNDLE), 'the bundle was not loaded')
    const {Config} = createRequire(import.meta.url)(BUNDLE) as {Config: {load(root: string): Promise<{userAgent: string}>}}
    const oclif = await Config.load(ROOT)
    const r = await f.spawn(['--version'])
    assert.equal(r.stdout, `${oclif.userAgent}\n`)
  })
})
