/**
 * Issue 19: copies between drives by rapid upload. A 1 GiB file and 100 small files go from the
 * default drive to the resource drive with the real rate limits on: bytes read from the data
 * plane (≤ 8 per file), bytes uploaded (0), and the wall time against the floors the limits set,
 * next to what a user would run otherwise (download, then upload to the other drive).
 */
import {randomBytes} from 'node:crypto'
import {rmSync} from 'node:fs'
import {join} from 'node:path'

import {BIG, type BenchContext, MiB, QUICK, RUNS, type Timed, WORK, alipan, cpuNote, fmtS, freshen, median, rows, spread} from './kit.js'

const SMALL_FILES = 100
const LINK = '/adrive/v1.0/openFile/getDownloadUrl'
const WRITES = ['create', 'complete'].map((r) => `/adrive/v1.0/openFile/${r}`)

interface Measured {
  run: Timed
  read: number
  uploaded: number
  links: number
  writes: number
  throttled: number
  rapid: boolean
}

export async function benchLocations({emu, big}: BenchContext): Promise<void> {
  // Seeding, limits off and not timed: the big file, and 100 small files each with its own content.
  freshen(big)
  await alipan('put', big, '/bench/loc-big.bin', '--quiet', '--on-conflict', 'overwrite')
  const small = `/bench/loc-small-${Date.now()}`
  for (let i = 0; i < SMALL_FILES; i++) await emu.control('/fs/put', {path: `${small}/file-${String(i).padStart(3, '0')}.txt`, content: `${i} ${randomBytes(24).toString('hex')}\n`})
  const stamp = Date.now()
  const runs = QUICK ? 1 : Math.min(RUNS, 3)

  const measure = async (argv: string[]): Promise<Measured> => {
    await emu.control('/counters/reset', {})
    const run = await alipan(...argv)
    const counters = await emu.control('/counters')
    const log: Array<{status: number}> = await emu.control('/log')
    const files = (JSON.parse(run.stdout) as Array<{files?: Array<{via: string}>}>).flatMap((r) => r.files ?? [])
    return {
      run,
      read: counters.bytesOut,
      uploaded: counters.bytesIn,
      links: counters.requests[LINK] ?? 0,
      writes: WRITES.reduce((n, route) => n + (counters.requests[route] ?? 0), 0),
      throttled: log.filter((e) => e.status === 429).length,
      rapid: files.length > 0 && files.every((f) => f.via === 'rapid'),
    }
  }
  /** What a user would run without cross-drive copies: get to a temp folder, then put into the other drive. */
  const viaDisk = async (remote: string, name: string, recursive: boolean): Promise<Timed> => {
    const temp = join(WORK, 'loc-temp')
    rmSync(temp, {recursive: true, force: true})
    const down = await alipan('get', ...(recursive ? ['-r'] : []), remote, recursive ? temp : join(temp, name), '--quiet')
    const up = await alipan('put', ...(recursive ? ['-r', `${temp}/`] : [join(temp, name)]), `alipan,drive=resource:/loc-disk-${name}-${Date.now()}`, '--quiet')
    rmSync(temp, {recursive: true, force: true})
    return {ms: down.ms + up.ms, code: 0, stdout: '', stderr: '', cpuMs: (down.cpuMs ?? 0) + (up.cpuMs ?? 0), emuCpuMs: (down.emuCpuMs ?? 0) + (up.emuCpuMs ?? 0), rssMb: Math.max(down.rssMb ?? 0, up.rssMb ?? 0)}
  }

  await emu.control('/rate-limit', {value: true})
  try {
    const bigRuns: Measured[] = []
    const bigBase: Timed[] = []
    const smallRuns: Measured[] = []
    const smallBase: Timed[] = []
    for (let i = 0; i < runs; i++) {
      bigRuns.push(await measure(['cp', '--json', '/bench/loc-big.bin', `alipan,drive=resource:/loc-big-${stamp}-${i}.bin`]))
      bigBase.push(await viaDisk('/bench/loc-big.bin', 'big.bin', false))
      smallRuns.push(await measure(['cp', '--json', small, `alipan,drive=resource:/loc-small-${stamp}-${i}`]))
      smallBase.push(await viaDisk(small, 'small', true))
    }
    rows.push(row(`cp of a ${BIG / MiB} MiB file, default → resource drive, real rate limits`, 1, bigRuns, bigBase))
    rows.push(row(`cp of ${SMALL_FILES} small files, default → resource drive, real rate limits`, SMALL_FILES, smallRuns, smallBase))
  } finally {
    await emu.control('/rate-limit', {value: false})
  }
}

/**
 * The floors: getDownloadUrl is limited to 1/s per user, so a link per file would take `files`
 * seconds; create and complete share the 15/s class. Wall is held against the larger floor of the
 * calls actually made, and against the link-per-file floor the issue names.
 */
function row(name: string, files: number, ours: Measured[], base: Timed[]) {
  const wall = median(ours.map((m) => m.run.ms))
  const last = ours.at(-1)!
  const callFloorMs = Math.max(last.links * 1000, (last.writes / 15) * 1000)
  const linkFloorMs = files * 1000
  const readOk = ours.every((m) => m.read <= 8 * files)
  const uploadOk = ours.every((m) => m.uploaded === 0)
  return {
    name,
    ours: `${spread(ours.map((m) => m.run.ms))}; ${last.read} B read, ${last.uploaded} B uploaded${last.rapid ? '' : ' (NOT all rapid)'}; ${last.links} getDownloadUrl, ${last.writes} create+complete calls, ${ours.reduce((n, m) => n + m.throttled, 0)} × 429; ${cpuNote(ours.map((m) => m.run))}`,
    baseline: `get + put via a temp folder: ${spread(base.map((r) => r.ms))}; ${cpuNote(base)}. Floors: a link per file at 1/s = ${fmtS(linkFloorMs)}; the calls made = ${fmtS(callFloorMs)}`,
    ratio: `${(wall / median(base.map((r) => r.ms))).toFixed(2)}× get+put, ${(wall / linkFloorMs).toFixed(2)}× link floor`,
    // One file: its one link is the floor, start-up alone is near it; what counts is the bytes, and beating get + put.
    target: `≤ ${8 * files} B read, 0 B uploaded, ${files === 1 ? '< get + put' : '< link floor'}`,
    rss: `${Math.max(0, ...ours.map((m) => m.run.rssMb ?? 0)).toFixed(0)} MB`,
    ok: readOk && uploadOk && ours.every((m) => m.rapid) && (files === 1 ? wall < median(base.map((r) => r.ms)) : wall < linkFloorMs),
  }
}
