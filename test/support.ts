/**
 * Test fixtures: an emulator on an ephemeral loopback port, a private config folder, a work
 * folder for local files, and two ways to run the CLI — in-process (fast, oclif's captureOutput)
 * and as a real child process of bin/run.js (for exit codes, concurrency, signals). Both run the
 * built bundle (dist/alipan.cjs), what users run: `npm run build` first.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {captureOutput} from '@oclif/test'

import {CredentialStore} from '../src/lib/auth/credentials.js'
import {profileDir} from '../src/lib/profiles.js'
import {type Emulator, type EmulatorOptions, startEmulator} from './emulator/index.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const BIN = join(ROOT, 'bin', 'run.js')
/** What users run (`npm run build`): in-process runs use the bundle's own oclif and commands too. */
export const BUNDLE = join(ROOT, 'dist', 'alipan.cjs')
let bundleRun: ((argv: string[], options: {root: string}) => Promise<unknown>) | undefined
function runBundled(argv: string[]): Promise<unknown> {
  bundleRun ??= (createRequire(import.meta.url)(BUNDLE) as {run: typeof bundleRun}).run
  return bundleRun!(argv, {root: ROOT})
}

export interface RunResult {
  status: number | null
  signal?: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliResult<T = unknown> {
  stdout: string
  stderr: string
  exitCode: number
  result?: T
  error?: Error & {exitCode?: number; code?: string; oclif?: {exit?: number}}
}

export interface Fixture {
  emu: Emulator
  /** Where the emulator keeps blobs (`blobs/<sha1>`) and upload sessions. */
  dataDir: string
  configDir: string
  workDir: string
  /** The environment the CLI runs with (ALIPAN_* pointing at the emulator). */
  env: Record<string, string>
  /** Spawn `bin/run.js` (needs `npm run build`). */
  spawn(args: string[], options?: {input?: string | Buffer; env?: Record<string, string | undefined>; timeoutMs?: number}): Promise<RunResult>
  /** Run a command in this process: fast, and the command's return value is available. */
  cli<T = unknown>(args: string[], options?: {env?: Record<string, string | undefined>}): Promise<CliResult<T>>
  /** Store a valid own-app login for the default user, as `alipan login` would (in `profile`, default: default). */
  login(options?: {userId?: string; via?: 'app' | 'online'; profile?: string}): Promise<void>
  close(): Promise<void>
}

export async function setup(options: EmulatorOptions = {}): Promise<Fixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'alipan-emu-'))
  const emu = await startEmulator({...options, dataDir})
  const configDir = mkdtempSync(join(tmpdir(), 'alipan-cfg-'))
  const workDir = mkdtempSync(join(tmpdir(), 'alipan-work-'))
  const env: Record<string, string> = {...emu.env(), ALIPAN_CONFIG_DIR: configDir}

  const fixture: Fixture = {
    emu,
    dataDir,
    configDir,
    workDir,
    env,
    spawn: (args, runOptions = {}) => spawnCli(args, {...env, ...runOptions.env}, runOptions.input, runOptions.timeoutMs),
    cli: (args, runOptions = {}) => runInProcess(args, {...env, ...runOptions.env}),
    async login(loginOptions = {}) {
      const via = loginOptions.via ?? 'app'
      const tokens = emu.issueTokens({userId: loginOptions.userId, via})
      await new CredentialStore(profileDir(configDir, loginOptions.profile ?? 'default')).write({
        refresh_token: tokens.refresh_token,
        access_token: tokens.access_token,
        expires_at: Date.now() + tokens.expires_in * 1000,
        lifetime_sec: tokens.expires_in,
        route: via === 'app' ? {type: 'app', ...emu.app} : {type: 'online'},
        source: 'qr',
        updated_at: new Date().toISOString(),
      })
    },
    async close() {
      await emu.close()
      rmSync(dataDir, {recursive: true, force: true})
      rmSync(configDir, {recursive: true, force: true})
      rmSync(workDir, {recursive: true, force: true})
    },
  }
  return fixture
}

/** Variables that must never leak from the developer's shell into a test. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY'].flatMap((name) => [name, name.toLowerCase()])
const CLEARED = ['ALIPAN_API_URL', 'ALIPAN_ONLINE_API_URL', 'ALIPAN_CONFIG_DIR', 'ALIPAN_CLIENT_ID', 'ALIPAN_CLIENT_SECRET', 'ALIPAN_REFRESH_TOKEN', 'ALIPAN_PROFILE', 'DEBUG', ...PROXY_VARIABLES]

function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {...process.env}
  for (const key of CLEARED) delete out[key]
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete out[key]
    else out[key] = value
  }
  return out
}

/** Always asynchronous: the emulator lives in this process and must keep answering. */
export function spawnCli(args: string[], env: Record<string, string | undefined>, input?: string | Buffer, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolvePromise({status, signal, stdout, stderr})
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(input ?? '')
  })
}

/** Start a CLI child and hand it back (for SIGINT tests). */
export function startCli(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [BIN, ...args], {env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<RunResult>((resolvePromise) => child.on('close', (status, signal) => resolvePromise({status, signal, stdout, stderr})))
  return {child, done, output: () => ({stdout, stderr})}
}

async function runInProcess<T>(args: string[], env: Record<string, string | undefined>): Promise<CliResult<T>> {
  const saved = new Map(CLEARED.map((key) => [key, process.env[key]]))
  for (const key of CLEARED) delete process.env[key]
  for (const [key, value] of Object.entries(env)) {
    if (!saved.has(key)) saved.set(key, process.env[key])
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  // node:test sets process.exitCode = 1 once any test fails; start clean so the command's own
  // code is what we read afterwards (and one failure does not cascade into the next tests).
  const savedExitCode = process.exitCode
  process.exitCode = undefined
  try {
    const captured = await captureOutput<T>(() => runBundled(args) as Promise<T>)
    const error = captured.error as CliResult['error']
    const exitCode = error ? (error.oclif?.exit ?? error.exitCode ?? 1) : Number(process.exitCode ?? 0)
    return {stdout: captured.stdout, stderr: captured.stderr, exitCode, result: captured.result, error}
  } finally {
    process.exitCode = savedExitCode
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

/** A deterministic, incompressible-enough buffer for transfer tests (the emulator kit's generator). */
export {bytes as pattern} from './emulator/kit.js'

export interface PtyStep {
  /** Regex to wait for in the terminal output (ANSI codes stripped). */
  expect: string
  /** Keys to type once it appears… */
  send?: string
  /** …or a signal to send instead, e.g. 'SIGINT'. */
  signal?: 'SIGINT' | 'SIGTERM'
}

export const KEY = {enter: '\r', down: '\u001B[B', up: '\u001B[A'}

/** Run the CLI in a real pseudo-terminal (test/pty-driver.py), answering prompts step by step. */
export function runInPty(args: string[], env: Record<string, string | undefined>, steps: PtyStep[], timeoutMs = 30_000): Promise<{status: number | null; output: string; missing?: string}> {
  const spec = {argv: [process.execPath, BIN, ...args], env: {...childEnv(env), TERM: 'xterm-256color'}, steps, timeout: timeoutMs / 1000}
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [join(ROOT, 'test', 'pty-driver.py'), JSON.stringify(spec)], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('error', reject)
    child.on('close', () => {
      try {
        resolvePromise(JSON.parse(out))
      } catch {
        reject(new Error(`pty driver printed: ${out}`))
      }
    })
  })
}

/** Issue 11's two kinds of trouble for a write endpoint (`openFile/<endpoint>`). */
export type FaultKind = 'fails twice' | 'loses its answer'

/**
 * `fails twice`: the next two calls answer 500, then 502 (plain text), doing nothing;
 * `loses its answer`: the next call is carried out and its connection dropped instead of answered.
 */
export function injectWriteFault(emu: Emulator, kind: FaultKind, endpoint: string): void {
  const path = `/adrive/v1.0/openFile/${endpoint}`
  if (kind === 'loses its answer') return emu.faults.loseAnswer({path})
  emu.faults.inject({path, status: 500, code: 'InternalError'})
  emu.faults.inject({path, status: 502, body: 'Bad Gateway'})
}

/** Did a call to `openFile/<endpoint>` meet its injected fault? (So a test cannot pass without it.) */
export function metWriteFault(emu: Emulator, endpoint: string): boolean {
  return emu.log.some((e) => e.path === `/adrive/v1.0/openFile/${endpoint}` && (e.status >= 500 || e.code === 'AnswerLost'))
}

/**
 * A new entry at `path` even when the name is taken, as the service allows (`check_name_mode:
 * ignore`, or an interrupted replace): seeded under a scratch name, then given the real one.
 */
export function putEntry(emu: Emulator, path: string, data: Buffer | string, options: {createdAt?: string | number; updatedAt?: string | number; localModifiedAt?: string} = {}): Record<string, unknown> {
  const fs = emu.fs()
  const slash = path.lastIndexOf('/')
  const scratch = `${path.slice(0, slash)}/.seed-${Math.random().toString(36).slice(2)}`
  fs.put(scratch, data, options)
  const node = fs.drive.resolve(scratch)!
  fs.drive.move(node, node.parent_file_id, path.slice(slash + 1))
  return {file_id: node.file_id, name: node.name}
}

/** API calls that change the drive: a run that must change nothing makes none of them. */
export const WRITE_CALLS = /openFile\/(create|complete|update|move|copy|recyclebin\/trash|delete)$/

/** The atime `ageAtimes` gives: a file read later has a newer one. */
export const OLD_ATIME = new Date('2001-01-01T00:00:00Z')

/**
 * Age the atimes of `paths`, so that a later read of one moves its atime (relatime updates atimes
 * older than a day). False when this file system does not keep atimes at all (checked on a
 * control file in `scratch`).
 */
export function ageAtimes(paths: string[], scratch: string): boolean {
  // The mtime as seconds, not as a Date: Node rounds a Stats date to the nearest ms, which
  // would move the file's time and make it look changed.
  for (const path of paths) utimesSync(path, OLD_ATIME, statSync(path).mtimeMs / 1000)
  const control = join(scratch, 'atime-control.txt')
  writeFileSync(control, 'x')
  utimesSync(control, OLD_ATIME, statSync(control).mtime)
  readFileSync(control)
  return statSync(control).atimeMs > OLD_ATIME.getTime()
}

/** Write `data` at `rel` under `root`, making the folders on the way; the file's path. */
export function writeUnder(root: string, rel: string, data: Buffer | string): string {
  const path = join(root, rel)
  mkdirSync(join(path, '..'), {recursive: true})
  writeFileSync(path, data)
  return path
}

/**
 * Lines of a `--require` script recording every child process the run starts (node:child_process
 * patched, ESM exports synced), written as a JSON list to the file $SPAWNS_OUT at exit.
 */
export const RECORD_CHILD_PROCESSES = [
  "const cp = require('node:child_process'); const calls = []",
  "for (const name of ['exec', 'execSync', 'execFile', 'execFileSync', 'spawn', 'spawnSync']) { const real = cp[name]; cp[name] = function (...a) { calls.push(name + ' ' + String(a[0])); return real.apply(this, a) } }",
  "require('node:module').syncBuiltinESMExports()",
  "process.once('exit', () => require('node:fs').writeFileSync(process.env.SPAWNS_OUT, JSON.stringify(calls)))",
]
