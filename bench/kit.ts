/**
 * The shared part of `npm run bench`: the process runner (wall, CPU of the command and of the
 * emulator, peak RSS), the emulator, fixtures, and the row every area adds to the one table.
 * Each area lives in its own file (transfers, sync, streams, …) and registers in run.ts.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const WORK = join(ROOT, '.bench')
export const BIN = join(ROOT, 'bin', 'run.js')
const RSS_HOOK = join(ROOT, 'bench', 'rss-hook.mjs')
export const MiB = 1024 ** 2
export const GiB = 1024 ** 3

export const {values: args} = parseArgs({options: {quick: {type: 'boolean'}, only: {type: 'string'}, runs: {type: 'string'}}})
export const QUICK = Boolean(args.quick)
export const RUNS = Number(args.runs ?? (QUICK ? 1 : 5))
/** The file most transfer rows move. */
export const BIG = QUICK ? 100 * MiB : GiB

export interface Row {
  name: string
  ours: string
  baseline: string
  ratio: string
  target: string
  rss: string
  ok: boolean | undefined
}
export const rows: Row[] = []

/** What every benchmark gets: the emulator, the logged-in user's token and drive, and the BIG file. */
export interface BenchContext {
  emu: Emu
  token: string
  drive: string
  big: string
}

export type Benchmark = (context: BenchContext) => Promise<void>

// ---- process helpers ----

export interface Timed {
  ms: number
  code: number | null
  stdout: string
  stderr: string
  rssMb?: number
  /** CPU (user + system) of the command itself, and of the emulator while it ran. */
  cpuMs?: number
  emuCpuMs?: number
}

/**
 * CPU time in ms from a /proc/<pid>/stat line: `fields` are 1-based positions after the command
 * name (utime 14, stime 15; cutime 16, cstime 17 count children already waited for).
 * Linux only: elsewhere the CPU columns read "n/a".
 */
export function procCpuMs(pid: number | 'self', fields: [number, number]): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(rest[fields[0] - 3]) + Number(rest[fields[1] - 3])
    return (ticks * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
const CLOCK_TICKS = 100 // USER_HZ: 100 on every Linux that matters here
let emulatorPid: number | undefined

export function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((done, fail) => {
    const childrenBefore = procCpuMs('self', [16, 17])
    const emuBefore = emulatorPid === undefined ? undefined : procCpuMs(emulatorPid, [14, 15])
    const started = performance.now()
    const child = spawn(cmd, argv, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => {
      const ms = performance.now() - started
      const childrenAfter = procCpuMs('self', [16, 17])
      const emuAfter = emulatorPid === undefined ? undefined : procCpuMs(emulatorPid, [14, 15])
      const cpuMs = childrenBefore === undefined || childrenAfter === undefined ? undefined : childrenAfter - childrenBefore
      const emuCpuMs = emuBefore === undefined || emuAfter === undefined ? undefined : emuAfter - emuBefore
      done({ms, code, stdout, stderr, cpuMs, emuCpuMs})
    })
  })
}

export let cliEnv: NodeJS.ProcessEnv = {}

/**
 * Flush dirty pages before a timed run: otherwise one run pays for the previous run's writeback
 * (seen here: the same curl -o took 0.9 s or 2.1 s depending on what ran before it).
 */
export async function settle(): Promise<void> {
  await run('sync', [])
}

export async function alipan(...argv: string[]): Promise<Timed> {
  await settle()
  const rssFile = join(WORK, `rss-${process.pid}-${Date.now()}`)
  const result = await run(process.execPath, ['--import', RSS_HOOK, BIN, ...argv], {...cliEnv, ALIPAN_BENCH_RSS_FILE: rssFile})
  if (existsSync(rssFile)) {
    result.rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024
    rmSync(rssFile)
  }
  if (result.code !== 0) throw new Error(`alipan ${argv.join(' ')} exited ${result.code}: ${result.stderr.trim()}`)
  return result
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** `median (min–max)` of timings, so the spread between runs is visible. */
export function spread(values: number[]): string {
  return `${fmtS(median(values))} (${(Math.min(...values) / 1000).toFixed(2)}–${(Math.max(...values) / 1000).toFixed(2)})`
}

export const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** `CPU 1.21 s, emulator 3.1–5.6 s`: medians of the command's own CPU and the emulator's range. */
export function cpuNote(runs: Timed[], withEmulator = true): string {
  const own = runs.map((r) => r.cpuMs).filter((v): v is number => v !== undefined)
  const emu = runs.map((r) => r.emuCpuMs).filter((v): v is number => v !== undefined)
  if (own.length === 0) return 'CPU n/a'
  const emuText = withEmulator && emu.length > 0 ? `, emulator ${(Math.min(...emu) / 1000).toFixed(1)}–${(Math.max(...emu) / 1000).toFixed(1)} s` : ''
  return `CPU ${fmtS(median(own))}${emuText}`
}
export const rate = (bytes: number, ms: number) => `${((bytes / MiB) / (ms / 1000)).toFixed(0)} MiB/s`

// ---- emulator ----

export interface Emu {
  url: string
  child: ChildProcess
  control(path: string, body?: unknown): Promise<any>
  api(path: string, token: string, body: unknown): Promise<any>
}

export async function startEmulator(extra: string[]): Promise<Emu> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'emulator', 'cli.ts'), '--data-dir', join(WORK, 'emulator'), '--no-online-limit', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((done, fail) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const match = /ALIPAN_API_URL=(\S+)/.exec(out)
      if (match) done(match[1])
    })
    child.on('close', (code) => fail(new Error(`emulator exited ${code}`)))
  })
  const json = async (response: Response) => {
    const text = await response.text()
    if (!response.ok) throw new Error(`${response.status} ${text}`)
    return text ? JSON.parse(text) : {}
  }
  return {
    url,
    child,
    control: (path, body) =>
      fetch(`${url}/__emulator${path}`, body === undefined ? {} : {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}).then(json),
    api: (path, token, body) =>
      fetch(`${url}${path}`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'bench'}, body: JSON.stringify(body)}).then(json),
  }
}

// ---- fixtures ----

export function makeFile(path: string, size: number): void {
  if (existsSync(path) && statSync(path).size === size) return
  const fd = openSync(path, 'w')
  const chunk = randomBytes(8 * MiB)
  for (let written = 0; written < size; written += chunk.length) {
    // Vary each chunk so the content is not trivially compressible or deduplicable.
    chunk.writeUInt32LE(written / chunk.length, 0)
    writeSync(fd, chunk, 0, Math.min(chunk.length, size - written))
  }
  closeSync(fd)
}

/** Make the file's content new (fresh SHA-1 and pre-hash) without rewriting it. */
export function freshen(path: string): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, randomBytes(16), 0, 16, 0)
  closeSync(fd)
}

export async function login(emu: Emu, configDir: string): Promise<string> {
  const app = await emu.control('/')
  const tokens = await emu.control('/tokens')
  cliEnv = {
    ...process.env,
    ALIPAN_API_URL: emu.url,
    ALIPAN_ONLINE_API_URL: emu.url,
    ALIPAN_CONFIG_DIR: configDir,
    ALIPAN_CLIENT_ID: app.app.client_id,
    ALIPAN_CLIENT_SECRET: app.app.client_secret,
  }
  delete cliEnv.ALIPAN_REFRESH_TOKEN
  rmSync(configDir, {recursive: true, force: true})
  const child = spawn(process.execPath, [BIN, 'login', '--with-token'], {env: cliEnv, stdio: ['pipe', 'ignore', 'inherit']})
  child.stdin!.end(tokens.refresh_token)
  await new Promise((done) => child.on('close', done))
  return JSON.parse(readFileSync(join(configDir, 'credentials.json'), 'utf8')).access_token
}


/** The emulator's pid, so each timed run can report the emulator's CPU beside its own. */
export function watchEmulator(pid: number | undefined): void {
  emulatorPid = pid
}


export function transferRow(name: string, ours: Timed[], base: Timed[], target: number): Row {
  const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
  const cell = (runs: Timed[]) => `${spread(runs.map((r) => r.ms))}, ${rate(BIG, ms(runs))}; ${cpuNote(runs)}`
  const ratio = ms(ours) / ms(base)
  return {name, ours: cell(ours), baseline: cell(base), ratio: `${ratio.toFixed(2)}×`, target: `≤ ${target}×`, rss: `${Math.max(0, ...ours.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`, ok: ratio <= target}
}

// ---- counting what a command did ----

/**
 * Bytes a command reads from files under `root`, and how many of them it opens: one extra run
 * under strace, whose `-y` names the file behind every descriptor. Not timed.
 */
export async function localReads(root: string, argv: string[]): Promise<{bytes: number; opened: number}> {
  const log = join(WORK, `strace-${Date.now()}.log`)
  const r = await run('strace', ['-f', '-qq', '-e', 'trace=openat,read,pread64', '-y', '-o', log, process.execPath, BIN, ...argv], cliEnv)
  if (r.code !== 0) throw new Error(`strace run of alipan ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-500)}`)
  let bytes = 0
  let opened = 0
  // With -f, a call another thread interrupts is split in two lines (`<unfinished ...>`, then
  // `<... read resumed>`): join them, or the reads of the thread pool go uncounted.
  const unfinished = new Map<string, string>()
  for (let line of readFileSync(log, 'utf8').split('\n')) {
    const pid = /^(\d+) /.exec(line)?.[1] ?? ''
    if (line.endsWith('<unfinished ...>')) {
      unfinished.set(pid, line.slice(0, -'<unfinished ...>'.length))
      continue
    }
    const resumed = /^\d+ <\.\.\. \w+ resumed>(.*)$/.exec(line)
    if (resumed) {
      line = `${unfinished.get(pid) ?? ''}${resumed[1]}`
      unfinished.delete(pid)
    }
    const read = /(?:read|pread64)\((\d+)<([^>]*)>.*= (\d+)$/.exec(line)
    if (read && read[2].startsWith(root)) bytes += Number(read[3])
    const open = /openat\([^"]*"([^"]*)", ([A-Z_|]+).*= (\d+)<[^>]*>$/.exec(line)
    if (open && open[1].startsWith(root) && !open[2].includes('O_DIRECTORY')) opened++
  }
  rmSync(log, {force: true})
  return {bytes, opened}
}

export const WRITE_ROUTES = ['create', 'complete', 'update', 'move', 'copy', 'recyclebin/trash', 'delete'].map((r) => `/adrive/v1.0/openFile/${r}`)

export function countCalls(counters: {requests: Record<string, number>}, routes: string[]): number {
  return routes.reduce((n, route) => n + (counters.requests[route] ?? 0), 0)
}

/** A tree of `folders` × `files` small files, each with its own content. */
export function makeSmallTree(root: string, folders: number, files: number): void {
  rmSync(root, {recursive: true, force: true})
  for (let d = 0; d < folders; d++) {
    const dir = join(root, `folder-${String(d).padStart(3, '0')}`)
    mkdirSync(dir, {recursive: true})
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `file-${String(i).padStart(3, '0')}.txt`), `${d}/${i} ${randomBytes(24).toString('hex')}\n`)
  }
}
