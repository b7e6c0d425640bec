/**
 * Issue 20. First, the crypt transforms alone: 1 GiB from disk through encryption (and the
 * encrypted file back through decryption) to /dev/null, each in its own process, against
 * `openssl sha1` of the same file: the work every verified put already does once per byte.
 * Then what users run: a 1 GiB put into an encrypted location against the plain put of the same
 * file, a get from it against the plain verified get (each pair alternating in one run, ≤ 1.25×
 * wall), and an encrypted tree of 1,000 files: its unchanged re-sync (0 bytes read, 0 uploaded)
 * and its check (0 bytes downloaded).
 */
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {encryptedSize} from '../src/lib/crypt/format.js'
import {type BenchContext, BIG, MiB, QUICK, ROOT, RUNS, type Row, type Timed, WORK, WRITE_ROUTES, alipan, cliEnv, countCalls, cpuNote, freshen, localReads, makeSmallTree, median, rate, rows, run, settle, spread, transferRow} from './kit.js'

const CHILD_SOURCE = join(ROOT, 'bench', 'crypt-child.mjs')
/** The child with the library bundled in (the build no longer writes the sources one by one to dist/): plain node runs it, no transpiler. */
const CHILD = join(WORK, 'crypt-child.bundle.mjs')
const RSS_HOOK = join(ROOT, 'bench', 'rss-hook.mjs')
let bundled = false

async function child(args: string[]): Promise<Timed> {
  if (!bundled) {
    const {build} = await import('esbuild')
    // The libraries stay outside, found in node_modules from .bench/ (sodium-native is a native addon).
    const banner = "import {createRequire as __benchRequire} from 'node:module'; const require = __benchRequire(import.meta.url);"
    await build({entryPoints: [CHILD_SOURCE], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: CHILD, external: ['sodium-native', 'libsodium-wrappers', 'base32768'], banner: {js: banner}, logLevel: 'error'})
    bundled = true
  }
  await settle()
  const rssFile = join(WORK, `rss-crypt-${process.pid}-${Date.now()}`)
  const result = await run(process.execPath, ['--import', RSS_HOOK, CHILD, ...args], {...process.env, ALIPAN_BENCH_RSS_FILE: rssFile})
  if (existsSync(rssFile)) {
    result.rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024
    rmSync(rssFile)
  }
  if (result.code !== 0) throw new Error(`crypt-child ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`)
  return result
}

async function openssl(file: string): Promise<Timed> {
  await settle()
  const result = await run('openssl', ['sha1', file])
  if (result.code !== 0) throw new Error(`openssl sha1 exited ${result.code}: ${result.stderr.trim()}`)
  return result
}

export async function benchCrypt({big}: BenchContext): Promise<void> {
  const encrypted = join(WORK, `big-${BIG}.crypt`)
  // The encrypted copy the decryption rows read (written once, not timed).
  if (!existsSync(encrypted) || statSync(encrypted).size !== encryptedSize(BIG)) await child(['encrypt', big, encrypted])
  // The fallback of a one-file build is slow and only for the record: fewer runs, no verdict.
  const backends = [
    {backend: 'native', runs: RUNS, judged: true},
    {backend: 'wasm', runs: Math.min(RUNS, 2), judged: false},
  ]
  for (const {backend, runs, judged} of backends) {
    for (const direction of ['encrypt', 'decrypt'] as const) {
      const input = direction === 'encrypt' ? big : encrypted
      const ours: Timed[] = []
      const phases: Phase[] = []
      const base: Timed[] = []
      for (let i = 0; i < runs; i++) {
        const timed = await child([direction, input, '/dev/null', backend])
        ours.push(timed)
        phases.push(JSON.parse(timed.stderr.trim().split('\n').pop()!) as Phase)
        base.push(await openssl(input))
      }
      rows.push(cryptRow(direction, ours, phases, base, judged))
    }
  }
}

/** What the child reports about its transform phase alone (start-up and scrypt excluded). */
interface Phase {
  library: string
  phaseMs: number
  phaseCpuMs: number
}

function cryptRow(direction: string, ours: Timed[], phases: Phase[], base: Timed[], judged: boolean): Row {
  const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
  const cpu = (runs: Timed[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN))
  const ratio = ms(ours) / ms(base)
  const cpuRatio = cpu(ours) / cpu(base)
  const phase = `transform alone ${(median(phases.map((p) => p.phaseMs)) / 1000).toFixed(2)} s, CPU ${(median(phases.map((p) => p.phaseCpuMs)) / 1000).toFixed(2)} s`
  return {
    name: `crypt ${direction}, ${BIG / MiB} MiB file → /dev/null, ${phases[0].library}, reused buffers as the engines read (process start and scrypt included) vs openssl sha1 of the same file`,
    ours: `${spread(ours.map((r) => r.ms))}, ${rate(BIG, ms(ours))}; ${cpuNote(ours, false)}; ${phase}`,
    baseline: `${spread(base.map((r) => r.ms))}, ${rate(BIG, ms(base))}; ${cpuNote(base, false)}`,
    ratio: `${ratio.toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU`,
    // The put/get targets (≤ 1.25× a plain transfer) leave encryption about the CPU a verified
    // transfer already spends on SHA-1.
    target: judged ? '≤ 1.5× CPU' : 'for the record',
    rss: `${Math.max(0, ...ours.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: judged && !QUICK ? cpuRatio <= 1.5 : undefined,
  }
}

/** The encrypted location every row below uses (its files under /bench/vault). */
async function vault(): Promise<string> {
  cliEnv.ALIPAN_CRYPT_PASSWORD = 'bench password'
  cliEnv.ALIPAN_CRYPT_PASSWORD2 = 'bench salt'
  const listed = JSON.parse((await alipan('crypt', 'list', '--json')).stdout) as Array<{name: string}>
  if (!listed.some((l) => l.name === 'benchvault')) await alipan('crypt', 'add', 'benchvault', '--remote', 'alipan:/bench/vault')
  return 'benchvault'
}

export async function benchCryptPut({big: file}: BenchContext): Promise<void> {
  const name = await vault()
  const ours: Timed[] = []
  const plain: Timed[] = []
  for (let i = 0; i < RUNS; i++) {
    // New content each time: the plain put then misses rapid upload and sends every byte too.
    freshen(file)
    ours.push(await alipan('put', file, `${name}:/put-${i}.bin`, '--quiet', '--on-conflict', 'overwrite'))
    freshen(file)
    plain.push(await alipan('put', file, `/bench/plain-put-${i}.bin`, '--quiet', '--on-conflict', 'overwrite'))
  }
  rows.push(withCpu(transferRow(`put of a new ${BIG / MiB} MiB file into an encrypted location (ciphertext made as it goes, SHA-1 verified) vs the plain put of the same file`, ours, plain, 1.25), ours, plain))
}

export async function benchCryptGet({big: file}: BenchContext): Promise<void> {
  const name = await vault()
  freshen(file)
  await alipan('put', file, `${name}:/get-source.bin`, '--quiet', '--on-conflict', 'overwrite')
  await alipan('put', file, '/bench/plain-get-source.bin', '--quiet', '--on-conflict', 'overwrite')
  const out = join(WORK, 'crypt-got.bin')
  const ours: Timed[] = []
  const plain: Timed[] = []
  for (let i = 0; i < RUNS; i++) {
    rmSync(out, {force: true})
    ours.push(await alipan('get', `${name}:/get-source.bin`, out, '--quiet', '--on-conflict', 'overwrite'))
    rmSync(out, {force: true})
    await new Promise((r) => setTimeout(r, 1100)) // stay inside getDownloadUrl's 1/s
    plain.push(await alipan('get', '/bench/plain-get-source.bin', out, '--quiet', '--on-conflict', 'overwrite'))
    await new Promise((r) => setTimeout(r, 1100))
  }
  rmSync(out, {force: true})
  rows.push(withCpu(transferRow(`get of a ${BIG / MiB} MiB file from an encrypted location (3 streams, ciphertext SHA-1 and every block's tag verified, decrypted in place) vs the plain verified get of the same file`, ours, plain, 1.25), ours, plain))
}

function withCpu(row: Row, ours: Timed[], base: Timed[]): Row {
  const cpu = (runs: Timed[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN))
  return {...row, ratio: `${row.ratio} wall, ${(cpu(ours) / cpu(base)).toFixed(2)}× CPU`}
}

const TREE_FOLDERS = QUICK ? 2 : 10
const TREE_FILES = 100

export async function benchCryptSync({emu}: BenchContext): Promise<void> {
  const name = await vault()
  const tree = join(WORK, 'crypt-tree')
  const total = TREE_FOLDERS * TREE_FILES
  makeSmallTree(tree, TREE_FOLDERS, TREE_FILES)
  const remote = `${name}:/tree-${Date.now()}`
  // The first sync uploads every file (the emulator's rate limits off: 1,000 creates take 2 min at the real 15/s).
  await alipan('sync', tree, remote, '--quiet')
  await emu.control('/rate-limit', {value: true})
  try {
    const counted = async (argv: string[]) => {
      await emu.control('/counters/reset', {})
      const timed = await alipan(...argv)
      const counters = await emu.control('/counters')
      return {timed, counters, writes: countCalls(counters, WRITE_ROUTES), lists: counters.requests['/adrive/v1.0/openFile/list'] ?? 0, links: counters.requests['/adrive/v1.0/openFile/getDownloadUrl'] ?? 0}
    }
    const resyncs: Timed[] = []
    let last!: Awaited<ReturnType<typeof counted>>
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      last = await counted(['sync', tree, remote, '--quiet'])
      resyncs.push(last.timed)
    }
    const reads = await localReads(tree, ['sync', tree, remote, '--quiet'])
    const floorMs = (last.lists / 4) * 1000
    rows.push({
      name: `sync re-run, unchanged encrypted tree of ${total} files in ${TREE_FOLDERS} folders, real rate limits`,
      ours: `${spread(resyncs.map((r) => r.ms))}; ${reads.bytes} B read from ${reads.opened} local files, ${last.counters.bytesIn} B uploaded, ${last.counters.bytesOut} B downloaded, ${last.writes} write calls, ${last.lists} list calls; ${cpuNote(resyncs)}`,
      baseline: `${last.lists} list calls at 4/s = ${(floorMs / 1000).toFixed(2)} s`,
      ratio: `${(median(resyncs.map((r) => r.ms)) / floorMs).toFixed(2)}×`,
      target: '0 B read, 0 B uploaded, 0 writes',
      rss: `${Math.max(0, ...resyncs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
      ok: reads.bytes === 0 && last.counters.bytesIn === 0 && last.writes === 0,
    })

    const checks: Timed[] = []
    let check!: Awaited<ReturnType<typeof counted>>
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      check = await counted(['check', tree, remote])
      checks.push(check.timed)
    }
    rows.push({
      name: `check of that encrypted tree against the local one (each local file encrypted under its upload's recorded nonce)`,
      ours: `${spread(checks.map((r) => r.ms))}; ${check.counters.bytesOut} B downloaded, ${check.links} link calls, ${check.lists} list calls; ${cpuNote(checks)}`,
      baseline: `${check.lists} list calls at 4/s = ${((check.lists / 4)).toFixed(2)} s`,
      ratio: `${(median(checks.map((r) => r.ms)) / ((check.lists / 4) * 1000)).toFixed(2)}×`,
      target: '0 B downloaded',
      rss: `${Math.max(0, ...checks.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
      ok: check.counters.bytesOut === 0 && check.links === 0,
    })
  } finally {
    await emu.control('/rate-limit', {value: false})
  }
}
