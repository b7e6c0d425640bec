/** Transfers: put and get against curl, rapid upload, memory, many small files, a large listing. */
import {randomBytes} from 'node:crypto'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIG, type BenchContext, GiB, MiB, QUICK, RUNS, type Timed, WORK, alipan, cpuNote, fmtS, freshen, makeFile, median, rows, run, settle, spread, transferRow} from './kit.js'

const HUGE = QUICK ? 200 * MiB : 4 * GiB
const SMALL_FILES = QUICK ? 40 : 300
const LS_ENTRIES = QUICK ? 1000 : 10_000

export async function benchPut({emu, token, drive, big: file}: BenchContext): Promise<void> {
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

export async function benchGet({emu, token, drive, big: file}: BenchContext): Promise<void> {
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


export async function benchRapid({emu, big: file}: BenchContext): Promise<void> {
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

export async function benchRss(): Promise<void> {
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

export async function benchMany({emu}: BenchContext): Promise<void> {
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

export async function benchLs({emu}: BenchContext): Promise<void> {
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
