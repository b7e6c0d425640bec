/** Issue 9: multi-stream downloads under a per-connection cap, get -r of several files, --bwlimit. */
import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {type BenchContext, MiB, QUICK, RUNS, type Timed, WORK, alipan, cpuNote, fmtS, freshen, makeFile, median, rate, rows, spread} from './kit.js'

/** Issue 9: the emulator's per-connection cap standing in for the unpaid tier, and the sizes under it. */
const CAP = 20 * MiB
const STREAMS_FILE = QUICK ? 64 * MiB : 256 * MiB
const FILES = 8
const FILES_EACH = QUICK ? 8 * MiB : 32 * MiB
const BWLIMIT = 8 * MiB
/** Longer than 10 s at 8 MiB/s, the span over which --bwlimit promises ±10%. */
const BWLIMIT_SIZE = QUICK ? 24 * MiB : 96 * MiB

/** Issue 9: one file under the per-connection cap, default streams (3) against --streams 1. */
export async function benchStreams({emu}: BenchContext): Promise<void> {
  const file = join(WORK, `streams-${STREAMS_FILE}.bin`)
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
export async function benchFiles({emu}: BenchContext): Promise<void> {
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
export async function benchBwlimit(): Promise<void> {
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
