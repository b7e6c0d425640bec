/** Issue 19: answers from metadata. check reads listings (and local files once), downloads nothing; du reads through the search. */
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {type BenchContext, QUICK, RUNS, type Timed, WORK, alipan, cpuNote, fmtS, localReads, makeSmallTree, median, rows, spread} from './kit.js'

const FOLDERS = QUICK ? 10 : 100
const FILES_PER_FOLDER = 100
const LINK = '/adrive/v1.0/openFile/getDownloadUrl'
const LIST = '/adrive/v1.0/openFile/list'
const SEARCH = '/adrive/v1.0/openFile/search'

export async function benchMetadata({emu, token, drive}: BenchContext): Promise<void> {
  const tree = join(WORK, 'metadata-small')
  const remote = `/bench/metadata-${Date.now()}`
  const total = FOLDERS * FILES_PER_FOLDER
  makeSmallTree(tree, FOLDERS, FILES_PER_FOLDER)
  // Seeded as sync leaves it (same bytes, same local_modified_at), as the sync rows do: a first
  // upload of 10,000 new files takes 20 minutes at the real 15 calls/s.
  const seeded = performance.now()
  let bytes = 0
  for (const folder of readdirSync(tree)) {
    for (const file of readdirSync(join(tree, folder))) {
      const path = join(tree, folder, file)
      const content = readFileSync(path)
      bytes += content.length
      await emu.control('/fs/put', {path: `${remote}/${folder}/${file}`, base64: content.toString('base64'), local_modified_at: new Date(statSync(path).mtimeMs).toISOString()})
    }
  }
  const seedMs = performance.now() - seeded
  // Σ ceil(n/200) over the folders: the root holds FOLDERS folders, each folder its files.
  const listBound = Math.ceil(FOLDERS / 200) + FOLDERS * Math.ceil(FILES_PER_FOLDER / 200)
  const counted = async (argv: string[]) => {
    await emu.control('/counters/reset', {})
    const run = await alipan(...argv)
    const counters = await emu.control('/counters')
    const log: Array<{status: number}> = await emu.control('/log')
    return {run, lists: counters.requests[LIST] ?? 0, searches: counters.requests[SEARCH] ?? 0, links: counters.requests[LINK] ?? 0, bytesOut: counters.bytesOut as number, throttled: log.filter((e) => e.status === 429).length}
  }
  const rss = (runs: Timed[]) => `${Math.max(0, ...runs.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`

  await emu.control('/rate-limit', {value: true})
  try {
    // check: every file matches, so every local file is hashed (read once); nothing downloaded.
    const checks: Timed[] = []
    let last!: Awaited<ReturnType<typeof counted>>
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      last = await counted(['check', tree, `alipan:${remote}`])
      checks.push(last.run)
    }
    const reads = await localReads(tree, ['check', tree, `alipan:${remote}`])
    const floorMs = (last.lists / 4) * 1000
    const wall = median(checks.map((r) => r.ms))
    rows.push({
      name: `check of ${total} files in ${FOLDERS} folders against their upload, real rate limits`,
      ours: `${spread(checks.map((r) => r.ms))}; ${last.bytesOut} B from the data plane, ${last.links} link calls, ${last.lists} list calls, ${last.throttled} × 429; ${reads.opened} local files opened, ${reads.bytes} B read (the tree is ${bytes} B); ${cpuNote(checks)} (seeding the drive: ${fmtS(seedMs)})`,
      baseline: `${last.lists} list calls at 4/s = ${fmtS(floorMs)}; bound Σ ceil(n/200) = ${listBound}`,
      ratio: `${(wall / floorMs).toFixed(2)}×`,
      target: `0 B, 0 links, ≤ ${listBound} lists, each file read once`,
      rss: rss(checks),
      ok: last.bytesOut === 0 && last.links === 0 && last.lists <= listBound && reads.opened === total && reads.bytes === bytes,
    })

    const sized = await counted(['check', '--size-only', tree, `alipan:${remote}`])
    const sizeReads = await localReads(tree, ['check', '--size-only', tree, `alipan:${remote}`])
    rows.push({
      name: `check --size-only of the same ${total} files`,
      ours: `${fmtS(sized.run.ms)}; ${sizeReads.bytes} B read from ${sizeReads.opened} local files, ${sized.bytesOut} B from the data plane, ${sized.links} link calls, ${sized.lists} list calls; ${cpuNote([sized.run])}`,
      baseline: `${sized.lists} list calls at 4/s = ${fmtS((sized.lists / 4) * 1000)}`,
      ratio: `${(sized.run.ms / ((sized.lists / 4) * 1000)).toFixed(2)}×`,
      target: '0 B read locally, 0 B downloaded',
      rss: rss([sized.run]),
      ok: sizeReads.bytes === 0 && sizeReads.opened === 0 && sized.bytesOut === 0 && sized.links === 0,
    })

    // du: through the search (five folders a query, 15 calls/s) against one listing per folder (4/s).
    const viaSearch: Timed[] = []
    const viaList: Timed[] = []
    let searchRun!: Awaited<ReturnType<typeof counted>>
    let listRun!: Awaited<ReturnType<typeof counted>>
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      searchRun = await counted(['du', remote, '--json'])
      viaSearch.push(searchRun.run)
      listRun = await counted(['du', remote, '--no-search', '--json'])
      viaList.push(listRun.run)
    }
    const totals = [searchRun, listRun].map((r) => JSON.parse(r.run.stdout).total)
    const searchFloor = (searchRun.searches / 15) * 1000
    const listFloor = (listRun.lists / 4) * 1000
    const searchWall = median(viaSearch.map((r) => r.ms))
    const listWall = median(viaList.map((r) => r.ms))
    rows.push({
      name: `du of the ${total}-file tree: search (default) vs --no-search (one listing per folder), real rate limits`,
      ours: `${spread(viaSearch.map((r) => r.ms))}; ${searchRun.searches} search calls (floor at 15/s: ${fmtS(searchFloor)}), ${searchRun.lists} list calls, ${searchRun.throttled} × 429; ${totals[0].files} files, ${totals[0].size} B; ${cpuNote(viaSearch)}`,
      baseline: `${spread(viaList.map((r) => r.ms))}; ${listRun.lists} list calls (floor at 4/s: ${fmtS(listFloor)}, bound ${listBound}); ${cpuNote(viaList)}`,
      ratio: `${(listWall / searchWall).toFixed(2)}× faster`,
      target: `same totals; ≤ ${listBound} calls`,
      rss: rss(viaSearch),
      ok: totals[0].files === total && totals[0].size === totals[1].size && totals[1].files === total && searchRun.searches <= listBound && listRun.lists <= listBound,
    })

    // The empty query (§4.3) lists the whole drive, whatever PATH is: what du would cost that way here.
    await new Promise((done) => setTimeout(done, 1500)) // let the buckets refill
    const started = performance.now()
    let calls = 0
    let items = 0
    let marker = ''
    for (;;) {
      const page = await emu.api(SEARCH, token, {drive_id: drive, query: '', limit: 100, order_by: 'name ASC', ...(marker ? {marker} : {})}).catch(async (error: Error) => {
        if (!/^429/.test(error.message)) throw error
        await new Promise((done) => setTimeout(done, 100))
        return undefined
      })
      if (!page) continue
      calls++
      items += page.items.length
      marker = page.next_marker
      if (!marker) break
      await new Promise((done) => setTimeout(done, 1000 / 14.25)) // the client's pace for 15/s
    }
    const emptyMs = performance.now() - started
    rows.push({
      name: 'for comparison: an empty-query search of the whole drive (not used: it reads the drive, not PATH)',
      ours: `${fmtS(emptyMs)}; ${calls} search calls for ${items} entries of the drive (PATH holds ${total + FOLDERS})`,
      baseline: `du through the search: ${fmtS(searchWall)}`,
      ratio: `${(emptyMs / searchWall).toFixed(2)}×`,
      target: '',
      rss: '',
      ok: undefined,
    })
  } finally {
    await emu.control('/rate-limit', {value: false})
  }
}
