/**
 * Issue 20, first row: the crypt transforms alone, 1 GiB from disk through encryption (and the
 * encrypted file back through decryption) to /dev/null, each in its own process, against
 * `openssl sha1` of the same file: the work every verified put already does once per byte.
 * The put/get targets (≤ 1.25× a plain put/get) need encryption to cost about what hashing does.
 */
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {encryptedSize} from '../src/lib/crypt/format.js'
import {type BenchContext, BIG, MiB, QUICK, ROOT, RUNS, type Row, type Timed, WORK, cpuNote, median, rate, rows, run, settle, spread} from './kit.js'

const CHILD = join(ROOT, 'bench', 'crypt-child.mjs')
const RSS_HOOK = join(ROOT, 'bench', 'rss-hook.mjs')

async function child(args: string[]): Promise<Timed> {
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
  if (!existsSync(encrypted) || statSync(encrypted).size !== encryptedSize(BIG)) {
    await child(['encrypt', big, encrypted])
  }
  const backends: Array<{backend: 'native' | 'wasm'; runs: number}> = [
    {backend: 'native', runs: RUNS},
    // The fallback of a one-file build; fewer runs, it is slow and only for the record.
    {backend: 'wasm', runs: Math.min(RUNS, 2)},
  ]
  for (const {backend, runs} of backends) {
    for (const direction of ['encrypt', 'decrypt'] as const) {
      const input = direction === 'encrypt' ? big : encrypted
      const ours: Timed[] = []
      const base: Timed[] = []
      let library = ''
      for (let i = 0; i < runs; i++) {
        const timed = await child([direction, input, '/dev/null', backend])
        library = timed.stderr.trim()
        ours.push(timed)
        base.push(await openssl(input))
      }
      rows.push(cryptRow(`crypt ${direction}, ${BIG / MiB} MiB file → /dev/null (${library}), process start and scrypt included, vs openssl sha1 of it`, ours, base))
    }
  }
}

function cryptRow(name: string, ours: Timed[], base: Timed[]): Row {
  const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
  const cpu = (runs: Timed[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN))
  const cell = (runs: Timed[]) => `${spread(runs.map((r) => r.ms))}, ${rate(BIG, ms(runs))}; ${cpuNote(runs, false)}`
  const ratio = ms(ours) / ms(base)
  // What the 1.25× put/get targets leave for encryption: about the CPU a verified transfer
  // already spends hashing, i.e. openssl's, per GiB.
  const cpuRatio = cpu(ours) / cpu(base)
  return {
    name,
    ours: cell(ours),
    baseline: cell(base),
    ratio: `${ratio.toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU`,
    target: '≤ 1.5× CPU (QUICK sizes: n/a)',
    rss: `${Math.max(0, ...ours.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: QUICK ? undefined : cpuRatio <= 1.5,
  }
}
