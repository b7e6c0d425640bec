/** Issue 8: sync's change detection reads nothing; one change costs one upload. */
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type BenchContext, GiB, MiB, QUICK, RUNS, type Timed, WORK, WRITE_ROUTES, alipan, countCalls, cpuNote, fmtS, localReads, makeFile, makeSmallTree, median, rows, spread} from './kit.js'

const SYNC_FOLDERS = QUICK ? 10 : 100
const SYNC_FILES_PER_FOLDER = 100
const SYNC_BIG_FILES = QUICK ? 4 : 16
const SYNC_BIG_SIZE = QUICK ? 25 * MiB : 256 * MiB

export async function benchSync({emu}: BenchContext): Promise<void> {
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

export async function benchSyncBig(): Promise<void> {
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
