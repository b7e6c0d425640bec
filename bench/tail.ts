/**
 * Issue 16: no idle connection at the tail. Each connection is capped (the emulator's per-connection
 * cap standing in for the unpaid tier) and links come at 1 getDownloadUrl per second (the client's
 * pacer, §7.3), so a folder's last files are where connections used to stand idle.
 */
import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {type BenchContext, MiB, QUICK, RUNS, type Timed, WORK, alipan, cpuNote, fmtS, freshen, makeFile, median, rows, spread} from './kit.js'

const CAP = 8 * MiB
const GET_FILES = 4
const GET_EACH = 16 * MiB
/** Sync: files of 1–40 MiB, evenly spread (fewer and smaller with --quick). */
const SYNC_SIZES = QUICK ? Array.from({length: 10}, (_, i) => (1 + Math.round((9 * i) / 9)) * MiB) : Array.from({length: 30}, (_, i) => (1 + Math.round((39 * i) / 29)) * MiB)
/** Files under 5 MB carry a link in their listing (§4.1): only the others wait for getDownloadUrl. */
const LISTING_URL_LIMIT = 5 * 1024 * 1024

async function seed(dir: string, sizes: number[], remote: string): Promise<void> {
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  for (const [i, size] of sizes.entries()) {
    const path = join(dir, `f${String(i).padStart(2, '0')}.bin`)
    makeFile(path, size)
    freshen(path)
  }
  await alipan('put', '-r', `${dir}/`, remote, '--quiet', '--on-conflict', 'overwrite')
}

async function capped(emu: BenchContext['emu'], runOnce: () => Promise<Timed>): Promise<{runs: Timed[]; peak: number}> {
  await emu.control('/download-cap', {value: CAP})
  const runs: Timed[] = []
  let peak = 0
  try {
    for (let i = 0; i < RUNS; i++) {
      await emu.control('/counters/reset', {})
      runs.push(await runOnce())
      peak = Math.max(peak, (await emu.control('/counters')).peakDownloads)
      // The next run's first link must not wait for this run's last one.
      await new Promise((r) => setTimeout(r, 1100))
    }
  } finally {
    await emu.control('/download-cap', {value: false})
  }
  return {runs, peak}
}

/** get -r of four 16 MiB files: the 4th link comes at 3 s at the earliest, then 3 connections finish it. */
export async function benchTailGet({emu}: BenchContext): Promise<void> {
  await seed(join(WORK, 'tail-get'), Array.from({length: GET_FILES}, () => GET_EACH), '/bench/tail-get')
  const out = join(WORK, 'tail-get-out')
  const {runs, peak} = await capped(emu, async () => {
    rmSync(out, {recursive: true, force: true})
    return alipan('get', '-r', '/bench/tail-get', out, '--quiet', '--on-conflict', 'overwrite')
  })
  rmSync(out, {recursive: true, force: true})
  // The floor: links at 1/s, then every connection on the last file.
  const floorMs = (GET_FILES - 1) * 1000 + (GET_EACH / (3 * CAP)) * 1000
  const bandwidthMs = ((GET_FILES * GET_EACH) / (3 * CAP)) * 1000
  const ms = median(runs.map((r) => r.ms))
  rows.push({
    name: `get -r of ${GET_FILES} × ${GET_EACH / MiB} MiB, each connection capped at ${CAP / MiB} MiB/s (start-up included)`,
    ours: `${spread(runs.map((r) => r.ms))}, at most ${peak} connections; ${cpuNote(runs)}`,
    baseline: `${fmtS(floorMs)} = ${GET_FILES - 1} links at 1/s + ${GET_EACH / MiB} MiB / (3 × ${CAP / MiB} MiB/s); bandwidth alone ${fmtS(bandwidthMs)}; before issue 16: 5.6 s`,
    ratio: `${(ms / floorMs).toFixed(2)}×`,
    target: '≤ 1.15×, ≤ 3 connections',
    rss: `${Math.max(0, ...runs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: ms / floorMs <= 1.15 && peak <= 3,
  })
}

/** A sync download of files of 1–40 MiB under the same cap, against the bandwidth floor. */
export async function benchTailSync({emu}: BenchContext): Promise<void> {
  await seed(join(WORK, 'tail-sync'), SYNC_SIZES, '/bench/tail-sync')
  const out = join(WORK, 'tail-sync-out')
  const {runs, peak} = await capped(emu, async () => {
    rmSync(out, {recursive: true, force: true})
    return alipan('sync', 'alipan:/bench/tail-sync', out, '--quiet')
  })
  rmSync(out, {recursive: true, force: true})
  const total = SYNC_SIZES.reduce((a, b) => a + b, 0)
  const floorMs = (total / (3 * CAP)) * 1000
  const linked = SYNC_SIZES.filter((s) => s >= LISTING_URL_LIMIT).length
  // The links alone: one per second (less the pacer's 5% margin), the last file then on 3 connections.
  const linkFloorMs = (linked - 1) * (1000 / 0.95) + (SYNC_SIZES.at(-1)! / (3 * CAP)) * 1000
  const floor = Math.max(floorMs, linkFloorMs)
  const ms = median(runs.map((r) => r.ms))
  rows.push({
    name: `sync download of ${SYNC_SIZES.length} files of ${SYNC_SIZES[0] / MiB}–${SYNC_SIZES.at(-1)! / MiB} MiB (${(total / MiB).toFixed(0)} MiB), each connection capped at ${CAP / MiB} MiB/s`,
    ours: `${spread(runs.map((r) => r.ms))}, at most ${peak} connections; ${cpuNote(runs)}`,
    baseline: `bandwidth: ${fmtS(floorMs)} = ${(total / MiB).toFixed(0)} MiB / (3 × ${CAP / MiB} MiB/s); links: the ${linked} files from 5 MB need one each, ${fmtS(linkFloorMs)} at the pacer's 0.95/s`,
    ratio: `${(ms / floorMs).toFixed(2)}× bandwidth, ${(ms / floor).toFixed(2)}× the larger floor`,
    target: '≤ 1.15× the larger floor',
    rss: `${Math.max(0, ...runs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`,
    ok: ms / floor <= 1.15 && peak <= 3,
  })
}
