/**
 * `npm run bench`: measures alipan against the emulator on loopback and prints what it measured.
 * Each comparison runs inside this one invocation, alternating ours and the baseline, and reports
 * medians. The emulator runs as its own process so it does not share our event loop.
 *
 *   npm run bench                 # the full set (needs ~12 GiB of free disk, a few minutes)
 *   npm run bench -- --quick      # small sizes, to check the harness
 *   npm run bench -- --only put   # one benchmark (put|get|rapid|rss|many|ls|sync|sync-big|streams|files|bwlimit)
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const WORK = join(ROOT, '.bench')
const BIN = join(ROOT, 'bin', 'run.js')
const RSS_HOOK = join(ROOT, 'bench', 'rss-hook.mjs')
const MiB = 1024 ** 2
const GiB = 1024 ** 3

const {values: args} = parseArgs({options: {quick: {type: 'boolean'}, only: {type: 'string'}, runs: {type: 'string'}}})
const QUICK = Boolean(args.quick)
const RUNS = Number(args.runs ?? (QUICK ? 1 : 5))
const BIG = QUICK ? 100 * MiB : GiB
const HUGE = QUICK ? 200 * MiB : 4 * GiB
const SMALL_FILES = QUICK ? 40 : 300
const LS_ENTRIES = QUICK ? 1000 : 10_000
const SYNC_FOLDERS = QUICK ? 10 : 100
const SYNC_FILES_PER_FOLDER = 100
const SYNC_BIG_FILES = QUICK ? 4 : 16
const SYNC_BIG_SIZE = QUICK ? 25 * MiB : 256 * MiB
/** Issue 9: the emulator's per-connection cap standing in for the unpaid tier, and the sizes under it. */
const CAP = 20 * MiB
const STREAMS_FILE = QUICK ? 64 * MiB : 256 * MiB
const FILES = 8
const FILES_EACH = QUICK ? 8 * MiB : 32 * MiB
const BWLIMIT = 8 * MiB
/** Longer than 10 s at 8 MiB/s, the span over which --bwlimit promises ±10%. */
const BWLIMIT_SIZE = QUICK ? 24 * MiB : 96 * MiB

interface Row {
  name: string
  ours: string
  baseline: string
  ratio: string
  target: string
  rss: string
  ok: boolean | undefined
}
const rows: Row[] = []

// ---- process helpers ----

interface Timed {
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
function procCpuMs(pid: number | 'self', fields: [number, number]): number | undefined {
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

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
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

let cliEnv: NodeJS.ProcessEnv = {}

/**
 * Flush dirty pages before a timed run: otherwise one run pays for the previous run's writeback
 * (seen here: the same curl -o took 0.9 s or 2.1 s depending on what ran before it).
 */
async function settle(): Promise<void> {
  await run('sync', [])
}

async function alipan(...argv: string[]): Promise<Timed> {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** `median (min–max)` of timings, so the spread between runs is visible. */
function spread(values: number[]): string {
  return `${fmtS(median(values))} (${(Math.min(...values) / 1000).toFixed(2)}–${(Math.max(...values) / 1000).toFixed(2)})`
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** `CPU 1.21 s, emulator 3.1–5.6 s`: medians of the command's own CPU and the emulator's range. */
function cpuNote(runs: Timed[], withEmulator = true): string {
  const own = runs.map((r) => r.cpuMs).filter((v): v is number => v !== undefined)
  const emu = runs.map((r) => r.emuCpuMs).filter((v): v is number => v !== undefined)
  if (own.length === 0) return 'CPU n/a'
  const emuText = withEmulator && emu.length > 0 ? `, emulator ${(Math.min(...emu) / 1000).toFixed(1)}–${(Math.max(...emu) / 1000).toFixed(1)} s` : ''
  return `CPU ${fmtS(median(own))}${emuText}`
}
const rate = (bytes: number, ms: number) => `${((bytes / MiB) / (ms / 1000)).toFixed(0)} MiB/s`

// ---- emulator ----

interface Emu {
  url: string
  child: ChildProcess
  control(path: string, body?: unknown): Promise<any>
  api(path: string, token: string, body: unknown): Promise<any>
}

async function startEmulator(extra: string[]): Promise<Emu> {
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

function makeFile(path: string, size: number): void {
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
function freshen(path: string): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, randomBytes(16), 0, 16, 0)
  closeSync(fd)
}

async function login(emu: Emu, configDir: string): Promise<string> {
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

// ---- benchmarks ----

/** A data-plane row: `ours` against `base`, timed by their medians, with throughput and CPU. */
function transferRow(name: string, ours: Timed[], base: Timed[], target: number): Row {
  const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
  const cell = (runs: Timed[]) => `${spread(runs.map((r) => r.ms))}, ${rate(BIG, ms(runs))}; ${cpuNote(runs)}`
  const ratio = ms(ours) / ms(base)
  return {name, ours: cell(ours), baseline: cell(base), ratio: `${ratio.toFixed(2)}×`, target: `≤ ${target}×`, rss: `${Math.max(0, ...ours.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`, ok: ratio <= target}
}

async function benchPut(emu: Emu, token: string, drive: string, file: string): Promise<void> {
  const ours: Timed[] = []
  const curl: Timed[] = []
  for (let i = 0; i < RUNS; i++) {
    freshen(file)
    ours.push(await alipan('put', file, `/bench/put-${i}.bin`, '--quiet'))
    freshen(file)
    const created = await emu.api('/adrive/v1.0/openFile/create', token, {
      drive_id: drive,
      parent_file_id: 'root',
      name: `curl-${i}.bin`,
      type: 'file',
      check_name_mode: 'ignore',
      size: BIG,
      part_info_list: [{part_number: 1}],
    })
    await settle()
    const c = await run('curl', ['-sS', '-f', '-T', file, '-o', '/dev/null', created.part_info_list[0].upload_url])
    if (c.code !== 0) throw new Error(`curl -T failed: ${c.stderr}`)
    curl.push(c)
    await emu.api('/adrive/v1.0/openFile/complete', token, {drive_id: drive, file_id: created.file_id, upload_id: created.upload_id})
  }
  rows.push(transferRow(`put, new ${BIG / MiB} MiB file (16 MiB parts, SHA-1 verified) vs curl -T`, ours, curl, 1.15))
}

async function benchGet(emu: Emu, token: string, drive: string, file: string): Promise<void> {
  freshen(file)
  await alipan('put', file, '/bench/get-source.bin', '--quiet', '--on-conflict', 'overwrite')
  const entry = await emu.api('/adrive/v1.0/openFile/get_by_path', token, {drive_id: drive, file_path: '/bench/get-source.bin'})
  const ours: Timed[] = []
  const curl: Timed[] = []
  const pipeline: Timed[] = []
  const out = join(WORK, 'got.bin')
  for (let i = 0; i < RUNS; i++) {
    rmSync(out, {force: true})
    ours.push(await alipan('get', '/bench/get-source.bin', out, '--quiet', '--on-conflict', 'overwrite'))
    const link = await emu.api('/adrive/v1.0/openFile/getDownloadUrl', token, {drive_id: drive, file_id: entry.file_id})
    rmSync(out, {force: true})
    await settle()
    const c = await run('curl', ['-sS', '-f', '-o', out, link.url])
    if (c.code !== 0) throw new Error(`curl -o failed: ${c.stderr}`)
    curl.push(c)
    // The download a user would verify by hand: same bytes written, same hash, two processes.
    rmSync(out, {force: true})
    await settle()
    const p = await run('sh', ['-c', 'curl -sS -f "$1" | tee "$2" | openssl sha1 >/dev/null', 'sh', link.url, out])
    if (p.code !== 0) throw new Error(`curl | tee | openssl sha1 failed: ${p.stderr}`)
    pipeline.push(p)
    await new Promise((r) => setTimeout(r, 1100)) // stay inside getDownloadUrl's 1/s
  }
  rows.push(transferRow(`get, ${BIG / MiB} MiB file with SHA-1 check vs curl -o`, ours, curl, 1.15))
  const row = transferRow(`get, ${BIG / MiB} MiB, uncapped, 3 streams, SHA-1 verified vs curl \\| tee FILE \\| openssl sha1`, ours, pipeline, 1.1)
  const cpu = (runs: Timed[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN))
  const cpuRatio = cpu(ours) / cpu(pipeline)
  rows.push({...row, ratio: `${row.ratio} wall, ${cpuRatio.toFixed(2)}× CPU`, target: '≤ 1.10× wall, ≤ 1.5× CPU', ok: row.ok && cpuRatio <= 1.5})
}

/** Issue 9: one file under the per-connection cap, default streams (3) against --streams 1. */
async function benchStreams(emu: Emu, file: string): Promise<void> {
  makeFile(file, STREAMS_FILE)
  freshen(file)
  await alipan('put', file, '/bench/streams-source.bin', '--quiet', '--on-conflict', 'overwrite')
  await emu.control('/download-cap', {value: CAP})
  const multi: Timed[] = []
  const single: Timed[] = []
  const peaks: number[] = []
  const out = join(WORK, 'got.bin')
  try {
    for (let i = 0; i < RUNS; i++) {
      rmSync(out, {force: true})
      await emu.control('/counters/reset', {})
      multi.push(await alipan('get', '/bench/streams-source.bin', out, '--quiet', '--on-conflict', 'overwrite'))
      peaks.push((await emu.control('/counters')).peakDownloads)
      rmSync(out, {force: true})
      single.push(await alipan('get', '/bench/streams-source.bin', out, '--quiet', '--on-conflict', 'overwrite', '--streams', '1'))
    }
  } finally {
    await emu.control('/download-cap', {value: false})
  }
  const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
  const speedup = ms(single) / ms(multi)
  const peak = Math.max(...peaks)
  rows.push({
    name: `get, ${STREAMS_FILE / MiB} MiB file, each connection capped at ${CAP / MiB} MiB/s: default (3 streams) vs --streams 1`,
    ours: `${spread(multi.map((r) => r.ms))}, ${rate(STREAMS_FILE, ms(multi))}; at most ${peak} connections at once; ${cpuNote(multi)}`,
    baseline: `${spread(single.map((r) => r.ms))}, ${rate(STREAMS_FILE, ms(single))}; ${cpuNote(single)}`,
    ratio: `${speedup.toFixed(2)}× faster`,
    target: '≥ 2.7×, ≤ 3 connections',
    rss: `${Math.max(0, ...multi.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: speedup >= 2.7 && peak <= 3,
  })
}

/**
 * Issue 9: get -r of eight files under the same cap against the bandwidth floor, total / (3 × cap).
 * getDownloadUrl is limited to 1/s per user (§7.3) and each file needs one, so the eighth file
 * cannot start before ~7.4 s: the second floor printed beside it.
 */
async function benchFiles(emu: Emu): Promise<void> {
  const dir = join(WORK, 'files')
  mkdirSync(dir, {recursive: true})
  for (let i = 0; i < FILES; i++) {
    const path = join(dir, `f${i}.bin`)
    makeFile(path, FILES_EACH)
    freshen(path)
  }
  await alipan('put', '-r', `${dir}/`, '/bench/files', '--quiet', '--on-conflict', 'overwrite')
  await emu.control('/download-cap', {value: CAP})
  const runs: Timed[] = []
  const peaks: number[] = []
  const out = join(WORK, 'files-out')
  try {
    for (let i = 0; i < RUNS; i++) {
      rmSync(out, {recursive: true, force: true})
      await emu.control('/counters/reset', {})
      runs.push(await alipan('get', '-r', '/bench/files', out, '--quiet', '--on-conflict', 'overwrite'))
      peaks.push((await emu.control('/counters')).peakDownloads)
      await new Promise((r) => setTimeout(r, 1100))
    }
  } finally {
    await emu.control('/download-cap', {value: false})
    rmSync(out, {recursive: true, force: true})
  }
  const total = FILES * FILES_EACH
  const floorMs = (total / (3 * CAP)) * 1000
  const urlFloorMs = (FILES - 1) * (1000 / 0.95) + (FILES_EACH / (3 * CAP)) * 1000
  const ms = median(runs.map((r) => r.ms))
  const ratio = ms / floorMs
  rows.push({
    name: `get -r of ${FILES} × ${FILES_EACH / MiB} MiB, each connection capped at ${CAP / MiB} MiB/s`,
    ours: `${spread(runs.map((r) => r.ms))}, at most ${Math.max(...peaks)} connections; ${cpuNote(runs)}`,
    baseline: `${fmtS(floorMs)} = ${total / MiB} MiB / (3 × ${CAP / MiB} MiB/s); getDownloadUrl at 1/s alone needs ${fmtS(urlFloorMs)} (${(ms / urlFloorMs).toFixed(2)}× of that)`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '≤ 1.15×',
    rss: `${Math.max(0, ...runs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: ratio <= 1.15,
  })
}

/** Issue 9: put and get with --bwlimit 8M, each longer than 10 s; the average rate from wall time. */
async function benchBwlimit(): Promise<void> {
  const file = join(WORK, `bwlimit-${BWLIMIT_SIZE}.bin`)
  makeFile(file, BWLIMIT_SIZE)
  freshen(file)
  const put = await alipan('put', file, '/bench/bwlimit.bin', '--quiet', '--on-conflict', 'overwrite', '--no-rapid', '--bwlimit', `${BWLIMIT / MiB}M`)
  const out = join(WORK, 'got.bin')
  rmSync(out, {force: true})
  const get = await alipan('get', '/bench/bwlimit.bin', out, '--quiet', '--on-conflict', 'overwrite', '--bwlimit', `${BWLIMIT / MiB}M`)
  const rateOf = (r: Timed) => BWLIMIT_SIZE / MiB / (r.ms / 1000)
  const deviation = (r: Timed) => rateOf(r) / (BWLIMIT / MiB) - 1
  const pct = (r: Timed) => `${deviation(r) >= 0 ? '+' : ''}${(deviation(r) * 100).toFixed(1)}%`
  rows.push({
    name: `--bwlimit ${BWLIMIT / MiB}M, ${BWLIMIT_SIZE / MiB} MiB (average over the whole command, start-up included)`,
    ours: `put ${rateOf(put).toFixed(2)} MiB/s (${fmtS(put.ms)}), get ${rateOf(get).toFixed(2)} MiB/s (${fmtS(get.ms)}); CPU put ${fmtS(put.cpuMs ?? 0)}, get ${fmtS(get.cpuMs ?? 0)}`,
    baseline: `${BWLIMIT / MiB} MiB/s`,
    ratio: `put ${pct(put)}, get ${pct(get)}`,
    target: '±10%',
    rss: '',
    ok: Math.abs(deviation(put)) <= 0.1 && Math.abs(deviation(get)) <= 0.1,
  })
}

async function benchRapid(emu: Emu, file: string): Promise<void> {
  freshen(file)
  await alipan('put', file, '/bench/rapid-source.bin', '--quiet', '--on-conflict', 'overwrite')
  const ours: Timed[] = []
  const sha: Timed[] = []
  let bytesIn = 0
  let rapid = true
  for (let i = 0; i < RUNS; i++) {
    const before = (await emu.control('/counters')).bytesIn
    const r = await alipan('put', file, `/bench/rapid-${i}-${Date.now()}.bin`, '--json')
    ours.push(r)
    rapid &&= JSON.parse(r.stdout)[0].rapid === true
    bytesIn += (await emu.control('/counters')).bytesIn - before
    await settle()
    sha.push(await run('openssl', ['sha1', file]))
  }
  const ms = (runs: Timed[]) => runs.map((r) => r.ms)
  const ratio = median(ms(ours)) / median(ms(sha))
  rows.push({
    name: `rapid-upload hit, ${BIG / MiB} MiB file vs openssl sha1`,
    ours: `${spread(ms(ours))}, ${bytesIn} B on the data plane${rapid ? '' : ' (NOT rapid)'}; ${cpuNote(ours, false)}`,
    baseline: `${spread(ms(sha))}; ${cpuNote(sha, false)}`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '≤ 1.2×, 0 bytes',
    rss: '',
    ok: ratio <= 1.2 && bytesIn === 0 && rapid,
  })
}

async function benchRss(): Promise<void> {
  const sizes = [100 * MiB, HUGE]
  const measured: Array<{size: number; put: number; get: number}> = []
  for (const size of sizes) {
    const file = join(WORK, `rss-${size}.bin`)
    makeFile(file, size)
    freshen(file)
    const put = await alipan('put', file, `/bench/rss-${size}.bin`, '--quiet', '--on-conflict', 'overwrite')
    const out = join(WORK, 'rss-out.bin')
    rmSync(out, {force: true})
    const get = await alipan('get', `/bench/rss-${size}.bin`, out, '--quiet', '--on-conflict', 'overwrite')
    rmSync(out, {force: true})
    if (size === HUGE) rmSync(file, {force: true})
    measured.push({size, put: put.rssMb ?? 0, get: get.rssMb ?? 0})
  }
  const [small, large] = measured
  const worst = Math.max(large.put, large.get)
  rows.push({
    name: `peak RSS, put and get of ${HUGE / GiB >= 1 ? `${HUGE / GiB} GiB` : `${HUGE / MiB} MiB`} vs 100 MiB`,
    ours: `put ${large.put.toFixed(0)} MB, get ${large.get.toFixed(0)} MB`,
    baseline: `put ${small.put.toFixed(0)} MB, get ${small.get.toFixed(0)} MB`,
    ratio: '',
    target: '≤ 150 MB, flat',
    rss: `${worst.toFixed(0)} MB`,
    ok: worst <= 150 && large.put - small.put < 30 && large.get - small.get < 30,
  })
}

async function benchMany(emu: Emu): Promise<void> {
  const dir = join(WORK, 'many')
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  for (let i = 0; i < SMALL_FILES; i++) writeFileSync(join(dir, `file-${String(i).padStart(4, '0')}.txt`), `${randomBytes(8).toString('hex')} ${i}\n`.repeat(50))
  await emu.control('/rate-limit', {value: true})
  await emu.control('/counters/reset', {})
  const r = await alipan('put', '-r', dir, `/bench/many-${Date.now()}`, '--quiet')
  const counters = await emu.control('/counters')
  const log: Array<{status: number}> = await emu.control('/log')
  await emu.control('/rate-limit', {value: false})
  const throttled = log.filter((e) => e.status === 429).length
  // Each new small file needs create + complete in the 15/s class: the ceiling is 7.5 files/s.
  const ceiling = 15 / 2
  const achieved = SMALL_FILES / (r.ms / 1000)
  const share = achieved / ceiling
  const calls = (counters.requests['/adrive/v1.0/openFile/create'] ?? 0) + (counters.requests['/adrive/v1.0/openFile/complete'] ?? 0)
  rows.push({
    name: `put -r of ${SMALL_FILES} small files, real rate limits`,
    ours: `${fmtS(r.ms)}, ${achieved.toFixed(2)} files/s, ${calls} create+complete calls, ${throttled} × 429`,
    baseline: `ceiling ${ceiling} files/s`,
    ratio: `${(share * 100).toFixed(0)}%`,
    target: '≥ 85%',
    rss: `${(r.rssMb ?? 0).toFixed(0)} MB`,
    ok: share >= 0.85,
  })
}

async function benchLs(emu: Emu): Promise<void> {
  const folder = `/bench/ls-${Date.now()}`
  await emu.control('/fs/mkdir', {path: folder})
  const seeded = await fetch(`${emu.url}/__emulator/fs/seed`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({path: folder, count: LS_ENTRIES})})
  if (!seeded.ok) {
    for (let i = 0; i < LS_ENTRIES; i++) await emu.control('/fs/put', {path: `${folder}/entry-${String(i).padStart(5, '0')}.txt`, data: 'x'})
  }
  await emu.control('/counters/reset', {})
  const r = await alipan('ls', folder, '--json')
  const counters = await emu.control('/counters')
  const entries = JSON.parse(r.stdout).length
  const calls = counters.requests['/adrive/v1.0/openFile/list'] ?? 0
  const lookups = counters.requests['/adrive/v1.0/openFile/get_by_path'] ?? 0
  const pageSize = 200
  const bound = Math.ceil(LS_ENTRIES / pageSize) + 2
  rows.push({
    name: `ls of a folder of ${LS_ENTRIES} entries`,
    ours: `${entries} entries, ${calls} list + ${lookups} get_by_path calls, ${fmtS(r.ms)}`,
    baseline: `ceil(${LS_ENTRIES}/${pageSize}) + 2 = ${bound}`,
    ratio: '',
    target: `≤ ${bound} calls`,
    rss: `${(r.rssMb ?? 0).toFixed(0)} MB`,
    ok: entries === LS_ENTRIES && calls + lookups <= bound,
  })
}

// ---- sync: change detection that reads nothing ----

/**
 * Bytes a command reads from files under `root`, and how many of them it opens: one extra run
 * under strace, whose `-y` names the file behind every descriptor. Not timed.
 */
async function localReads(root: string, argv: string[]): Promise<{bytes: number; opened: number}> {
  const log = join(WORK, `strace-${Date.now()}.log`)
  const r = await run('strace', ['-f', '-qq', '-e', 'trace=openat,read,pread64', '-y', '-o', log, process.execPath, BIN, ...argv], cliEnv)
  if (r.code !== 0) throw new Error(`strace run of alipan ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-500)}`)
  let bytes = 0
  let opened = 0
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const read = /(?:read|pread64)\((\d+)<([^>]*)>.*= (\d+)$/.exec(line)
    if (read && read[2].startsWith(root)) bytes += Number(read[3])
    const open = /openat\([^"]*"([^"]*)", ([A-Z_|]+).*= (\d+)<[^>]*>$/.exec(line)
    if (open && open[1].startsWith(root) && !open[2].includes('O_DIRECTORY')) opened++
  }
  rmSync(log, {force: true})
  return {bytes, opened}
}

const WRITE_ROUTES = ['create', 'complete', 'update', 'move', 'copy', 'recyclebin/trash', 'delete'].map((r) => `/adrive/v1.0/openFile/${r}`)

function countCalls(counters: {requests: Record<string, number>}, routes: string[]): number {
  return routes.reduce((n, route) => n + (counters.requests[route] ?? 0), 0)
}

/** A tree of `folders` × `files` small files, each with its own content. */
function makeSmallTree(root: string, folders: number, files: number): void {
  rmSync(root, {recursive: true, force: true})
  for (let d = 0; d < folders; d++) {
    const dir = join(root, `folder-${String(d).padStart(3, '0')}`)
    mkdirSync(dir, {recursive: true})
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `file-${String(i).padStart(3, '0')}.txt`), `${d}/${i} ${randomBytes(24).toString('hex')}\n`)
  }
}

async function benchSync(emu: Emu): Promise<void> {
  const tree = join(WORK, 'sync-small')
  const remote = `/bench/sync-${Date.now()}`
  const total = SYNC_FOLDERS * SYNC_FILES_PER_FOLDER
  makeSmallTree(tree, SYNC_FOLDERS, SYNC_FILES_PER_FOLDER)
  // A first sync of 10,000 new files takes 20 minutes at the real 15 calls/s (create + complete
  // each), so the drive is seeded the way that sync leaves it: same bytes, same local_modified_at.
  // A seeded tree that sync did not take as its own would show up below as writes.
  const seeded = performance.now()
  for (const folder of readdirSync(tree)) {
    for (const file of readdirSync(join(tree, folder))) {
      const path = join(tree, folder, file)
      await emu.control('/fs/put', {path: `${remote}/${folder}/${file}`, base64: readFileSync(path).toString('base64'), local_modified_at: new Date(statSync(path).mtimeMs).toISOString()})
    }
  }
  const seedMs = performance.now() - seeded
  await emu.control('/rate-limit', {value: true})
  try {
    const runs: Timed[] = []
    let lists = 0
    let writes = 0
    let throttled = 0
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      await emu.control('/counters/reset', {})
      runs.push(await alipan('sync', tree, `alipan:${remote}`, '--quiet'))
      const counters = await emu.control('/counters')
      const log: Array<{status: number}> = await emu.control('/log')
      lists = counters.requests['/adrive/v1.0/openFile/list'] ?? 0
      writes = countCalls(counters, WRITE_ROUTES)
      throttled += log.filter((e) => e.status === 429).length
    }
    const reads = await localReads(tree, ['sync', tree, `alipan:${remote}`, '--quiet'])
    // Σ ceil(n/200) over the folders: the root holds SYNC_FOLDERS folders, each folder its files.
    const bound = Math.ceil(SYNC_FOLDERS / 200) + SYNC_FOLDERS * Math.ceil(SYNC_FILES_PER_FOLDER / 200)
    const floorMs = (lists / 4) * 1000
    const wall = median(runs.map((r) => r.ms))
    rows.push({
      name: `sync re-run, unchanged tree of ${total} files in ${SYNC_FOLDERS} folders, real rate limits`,
      ours: `${spread(runs.map((r) => r.ms))}; ${lists} list calls, ${writes} write calls, ${reads.bytes} B read from ${reads.opened} local files, ${throttled} × 429; ${cpuNote(runs)} (seeding the drive: ${fmtS(seedMs)})`,
      baseline: `${lists} list calls at 4/s = ${fmtS(floorMs)}; bound Σ ceil(n/200) + 3 = ${bound + 3}`,
      ratio: `${(wall / floorMs).toFixed(2)}×`,
      target: `0 B, 0 writes, ≤ ${bound + 3} lists`,
      rss: `${Math.max(0, ...runs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
      ok: reads.bytes === 0 && writes === 0 && lists <= bound + 3,
    })

    // One changed file: exactly one upload (its old version to the recycle bin).
    const changed = join(tree, 'folder-000', 'file-000.txt')
    writeFileSync(changed, `changed ${randomBytes(8).toString('hex')}\n`)
    await emu.control('/counters/reset', {})
    const one = await alipan('sync', tree, `alipan:${remote}`, '--json')
    const counters = await emu.control('/counters')
    const summary = JSON.parse(one.stdout).summary
    const creates = counters.requests['/adrive/v1.0/openFile/create'] ?? 0
    const completes = counters.requests['/adrive/v1.0/openFile/complete'] ?? 0
    const puts = Object.entries(counters.requests as Record<string, number>).filter(([path]) => path.startsWith('/oss/')).reduce((n, [, c]) => n + c, 0)
    rows.push({
      name: `sync after one file changed in the ${total}-file tree`,
      ours: `${fmtS(one.ms)}; replaced ${summary.replaced}, new ${summary.new}, deleted ${summary.deleted}; ${creates} create, ${puts} part PUT, ${completes} complete, ${counters.requests['/adrive/v1.0/openFile/recyclebin/trash'] ?? 0} trash`,
      baseline: 'exactly 1 upload',
      ratio: '',
      target: '1 upload',
      rss: `${(one.rssMb ?? 0).toFixed(0)} MB`,
      ok: summary.replaced === 1 && summary.new === 0 && completes === 1 && puts <= 1,
    })
  } finally {
    await emu.control('/rate-limit', {value: false})
  }
}

async function benchSyncBig(): Promise<void> {
  const tree = join(WORK, 'sync-big')
  for (let i = 0; i < SYNC_BIG_FILES; i++) {
    const dir = join(tree, `part-${i % 4}`)
    mkdirSync(dir, {recursive: true})
    makeFile(join(dir, `large-${i}.bin`), SYNC_BIG_SIZE)
  }
  const remote = `/bench/sync-big-${Date.now()}`
  await alipan('sync', tree, `alipan:${remote}`, '--quiet')
  const ours: Timed[] = []
  const listing: Timed[] = []
  for (let i = 0; i < RUNS; i++) {
    ours.push(await alipan('sync', tree, `alipan:${remote}`, '--quiet'))
    listing.push(await alipan('ls', '-R', remote))
  }
  const reads = await localReads(tree, ['sync', tree, `alipan:${remote}`, '--quiet'])
  const ratio = median(ours.map((r) => r.ms)) / median(listing.map((r) => r.ms))
  const size = SYNC_BIG_FILES * SYNC_BIG_SIZE
  rows.push({
    name: `sync re-run, unchanged tree of ${SYNC_BIG_FILES} files, ${size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`} vs ls -R of it`,
    ours: `${spread(ours.map((r) => r.ms))}, ${reads.bytes} B read; ${cpuNote(ours, false)}`,
    baseline: `${spread(listing.map((r) => r.ms))}; ${cpuNote(listing, false)}`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '0 B read, no hashing',
    rss: `${Math.max(0, ...ours.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: reads.bytes === 0,
  })
}

// ---- main ----

async function main(): Promise<void> {
  mkdirSync(WORK, {recursive: true})
  rmSync(join(WORK, 'emulator'), {recursive: true, force: true})
  const emu = await startEmulator(['--no-rate-limit'])
  emulatorPid = emu.child.pid
  try {
    const token = await login(emu, join(WORK, 'config'))
    const drive = (await emu.control('/')).user.default_drive_id
    const big = join(WORK, `big-${BIG}.bin`)
    makeFile(big, BIG)
    const only = args.only
    if (!only || only === 'put') await benchPut(emu, token, drive, big)
    if (!only || only === 'get') await benchGet(emu, token, drive, big)
    if (!only || only === 'rapid') await benchRapid(emu, big)
    if (!only || only === 'rss') await benchRss()
    if (!only || only === 'many') await benchMany(emu)
    if (!only || only === 'ls') await benchLs(emu)
    if (!only || only === 'sync') await benchSync(emu)
    if (!only || only === 'sync-big') await benchSyncBig()
    if (!only || only === 'streams') await benchStreams(emu, join(WORK, `streams-${STREAMS_FILE}.bin`))
    if (!only || only === 'files') await benchFiles(emu)
    if (!only || only === 'bwlimit') await benchBwlimit()
  } finally {
    emu.child.kill('SIGTERM')
    await new Promise((done) => emu.child.once('close', done))
    // The emulator's blobs and the downloaded copies run to many GiB: keep only the inputs.
    for (const name of ['emulator', 'got.bin', 'rss-out.bin', 'many', 'files-out', 'sync-small', 'sync-big']) rmSync(join(WORK, name), {recursive: true, force: true})
  }
  const table = [
    '| benchmark | alipan | baseline | ratio | target | peak RSS | |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.rss} | ${r.ok === undefined ? '' : r.ok ? '✅' : '❌'} |`),
  ].join('\n')
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform}/${process.arch}, Node ${process.version}, ${RUNS} run(s) per comparison (medians)${QUICK ? ', --quick sizes' : ''}.`
  process.stdout.write(`\n${header}\n\n${table}\n`)
  writeFileSync(join(ROOT, 'bench', QUICK ? 'results-quick.md' : 'results.md'), `${header}\n\n${table}\n`)
}

await main()
