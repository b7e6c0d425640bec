/**
 * Issue 15, `serve webdav`: the 302's link cache, --proxy against curl from the signed URL, a PUT
 * through the server against `alipan put`, and a big PROPFIND at the real list rate.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {Agent, request} from 'node:http'

import {BIG, BIN, type BenchContext, type Emu, MiB, QUICK, RUNS, type Timed, alipan, cliEnv, cpuNote, fmtS, freshen, median, procCpuMs, rate, rows, run, settle, spread} from './kit.js'

const PROPFIND_ENTRIES = QUICK ? 1000 : 10_000
const LINK = '/adrive/v1.0/openFile/getDownloadUrl'
const LIST = '/adrive/v1.0/openFile/list'

interface Server {
  url: string
  child: ChildProcess
  /** The server's own CPU (user + system) so far. */
  cpuMs(): number
  /** Peak RSS so far, MB (VmHWM). */
  peakRssMb(): number
  stop(): Promise<void>
}

async function startServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', 'webdav', '--addr', '127.0.0.1:0', '--quiet', ...args], {env: cliEnv, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
      if (match) {
        clearInterval(timer)
        resolve(match[1])
      }
    }, 20)
    child.once('close', (code) => {
      clearInterval(timer)
      reject(new Error(`serve webdav exited ${code}: ${err}`))
    })
  })
  return {
    url,
    child,
    cpuMs: () => procCpuMs(child.pid!, [14, 15]) ?? Number.NaN,
    peakRssMb: () => {
      try {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1])
        return kb / 1024
      } catch {
        return Number.NaN
      }
    },
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((done) => child.once('close', done))
    },
  }
}

const agent = new Agent({keepAlive: true, maxSockets: 1})

/** One request on a kept-alive connection, as a player makes them; the body is drained. */
function timedRequest(url: string, method: string, headers: Record<string, string> = {}): Promise<{ms: number; status: number; location?: string}> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(url, {method, headers, agent}, (res) => {
      res.resume()
      res.on('end', () => resolve({ms: performance.now() - started, status: res.statusCode ?? 0, location: res.headers.location}))
    })
    req.on('error', reject)
    req.end()
  })
}

async function bigFileOnDrive(big: string, remote: string): Promise<void> {
  freshen(big)
  await alipan('put', big, remote, '--quiet', '--on-conflict', 'overwrite')
}

/** The 2nd…20th GET of one file: a cached 302, no getDownloadUrl call. */
export async function benchServeLink({emu, big}: BenchContext): Promise<void> {
  await bigFileOnDrive(big, '/bench/serve/link.bin')
  const server = await startServer([])
  try {
    await emu.control('/counters/reset', {})
    const times: number[] = []
    let first = 0
    for (let i = 0; i < 20; i++) {
      const r = await timedRequest(`${server.url}/bench/serve/link.bin`, 'GET')
      if (r.status !== 302) throw new Error(`GET answered ${r.status}`)
      if (i === 0) first = r.ms
      else times.push(r.ms)
    }
    const links = (await emu.control('/counters')).requests[LINK] ?? 0
    const p90 = [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)]
    rows.push({
      name: 'serve webdav: GET of one file 20 times (a player seeking), 302 to the signed URL',
      ours: `2nd–20th: median ${median(times).toFixed(2)} ms, p90 ${p90.toFixed(2)} ms; ${links} getDownloadUrl call(s)`,
      baseline: `1st GET (fetches the URL): ${first.toFixed(1)} ms`,
      ratio: '',
      target: '1 getDownloadUrl call',
      rss: `${server.peakRssMb().toFixed(0)} MB`,
      ok: links === 1,
    })
  } finally {
    await server.stop()
  }
}

/** The benefit pack's speed per download connection, ~50 MB/s (§6): what a proxy has to keep up with for real. */
const BENEFIT_PACK_CAP = 50 * MiB

/**
 * --proxy: the bytes through the server, against curl straight from the signed URL; uncapped
 * (the emulator on loopback, as fast as this machine moves bytes) and at the benefit pack's speed.
 */
export async function benchServeProxy({emu, token, drive, big}: BenchContext): Promise<void> {
  await bigFileOnDrive(big, '/bench/serve/proxy.bin')
  const entry = await emu.api('/adrive/v1.0/openFile/get_by_path', token, {drive_id: drive, file_path: '/bench/serve/proxy.bin'})
  const signed = (await emu.api(LINK, token, {drive_id: drive, file_id: entry.file_id})).url as string
  await proxyRow(signed, 'uncapped', true)
  await emu.control('/download-cap', {value: BENEFIT_PACK_CAP})
  try {
    await proxyRow(signed, `each connection capped at ${BENEFIT_PACK_CAP / MiB} MiB/s (the benefit pack)`)
  } finally {
    await emu.control('/download-cap', {value: false})
  }
}

/** curl of the whole file through a proxy at `url`, its CPU and the proxy's (`proxyCpuMs`) added up. */
async function throughProxy(url: string, proxyCpuMs: () => number): Promise<Timed> {
  const before = proxyCpuMs()
  const r = await run('curl', ['-sS', '-f', '-o', '/dev/null', url])
  if (r.code !== 0) throw new Error(`curl through ${url} failed: ${r.stderr}`)
  return {...r, cpuMs: (r.cpuMs ?? 0) + (proxyCpuMs() - before)}
}

/** `bench/bare-proxy.mjs`: an http.get piped into the response, the floor of any proxy in Node. */
async function startBareProxy(signed: string): Promise<{url: string; cpuMs(): number; stop(): void}> {
  const child = spawn(process.execPath, [new URL('bare-proxy.mjs', import.meta.url).pathname, signed], {stdio: ['ignore', 'pipe', 'inherit']})
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(String(d).trim()))
    child.once('close', (code) => reject(new Error(`bare-proxy.mjs exited ${code}`)))
  })
  return {url, cpuMs: () => procCpuMs(child.pid!, [14, 15]) ?? Number.NaN, stop: () => child.kill()}
}

async function proxyRow(signed: string, conditions: string, withBare = false): Promise<void> {
  const server = await startServer(['--proxy'])
  const bare = withBare ? await startBareProxy(signed) : undefined
  try {
    const ours: Timed[] = []
    const curl: Timed[] = []
    const piped: Timed[] = []
    for (let i = 0; i < RUNS; i++) {
      await settle()
      ours.push(await throughProxy(`${server.url}/bench/serve/proxy.bin`, () => server.cpuMs()))
      await settle()
      const c = await run('curl', ['-sS', '-f', '-o', '/dev/null', signed])
      if (c.code !== 0) throw new Error(`curl from the signed URL failed: ${c.stderr}`)
      curl.push(c)
      if (bare) {
        await settle()
        piped.push(await throughProxy(bare.url, () => bare.cpuMs()))
      }
    }
    const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
    const ratio = ms(ours) / ms(curl)
    const floor = bare
      ? `. A bare Node proxy (http.get piped to the response, bench/bare-proxy.mjs): ${spread(piped.map((r) => r.ms))}, ${(ms(piped) / ms(curl)).toFixed(2)}× curl; ${cpuNote(piped)} (curl + proxy); ours is ${(ms(ours) / ms(piped)).toFixed(2)}× it`
      : ''
    rows.push({
      name: `serve webdav --proxy: GET of ${BIG / MiB} MiB with curl vs curl from the signed URL, ${conditions}`,
      ours: `${spread(ours.map((r) => r.ms))}, ${rate(BIG, ms(ours))}; ${cpuNote(ours)} (curl + server)`,
      baseline: `${spread(curl.map((r) => r.ms))}, ${rate(BIG, ms(curl))}; ${cpuNote(curl)}${floor}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≤ 1.10×',
      rss: `${server.peakRssMb().toFixed(0)} MB`,
      ok: ratio <= 1.1,
    })
  } finally {
    bare?.stop()
    await server.stop()
  }
}

/** A PUT through the server (curl -T, Content-Length known) against `alipan put` of the same file. */
export async function benchServePut({big}: BenchContext): Promise<void> {
  const server = await startServer([])
  try {
    await run('curl', ['-sS', '-f', '-X', 'MKCOL', `${server.url}/bench/serve-put/`])
    const ours: Timed[] = []
    const put: Timed[] = []
    for (let i = 0; i < RUNS; i++) {
      freshen(big)
      await settle()
      const before = server.cpuMs()
      const r = await run('curl', ['-sS', '-f', '-T', big, '-o', '/dev/null', `${server.url}/bench/serve-put/curl-${i}.bin`])
      if (r.code !== 0) throw new Error(`curl -T through the server failed: ${r.stderr}`)
      ours.push({...r, cpuMs: (r.cpuMs ?? 0) + (server.cpuMs() - before)})
      freshen(big)
      put.push(await alipan('put', big, `/bench/serve-put/alipan-${i}.bin`, '--quiet'))
    }
    const ms = (runs: Timed[]) => median(runs.map((r) => r.ms))
    const ratio = ms(ours) / ms(put)
    const rss = server.peakRssMb()
    rows.push({
      name: `serve webdav: PUT of ${BIG / MiB} MiB with curl -T (streamed, no temp file) vs alipan put`,
      ours: `${spread(ours.map((r) => r.ms))}, ${rate(BIG, ms(ours))}; ${cpuNote(ours)} (curl + server)`,
      baseline: `${spread(put.map((r) => r.ms))}, ${rate(BIG, ms(put))}; ${cpuNote(put)}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≤ 1.10×, server ≤ 150 MB',
      rss: `${rss.toFixed(0)} MB`,
      ok: ratio <= 1.1 && rss <= 150,
    })
  } finally {
    await server.stop()
  }
}

/** PROPFIND Depth 1 of a big folder at the real list rate, then again inside the cache time. */
export async function benchServePropfind({emu}: BenchContext): Promise<void> {
  const folder = `/bench/serve-propfind-${Date.now()}`
  await seedFolder(emu, folder, PROPFIND_ENTRIES)
  const server = await startServer([])
  await emu.control('/rate-limit', {value: true})
  try {
    await emu.control('/counters/reset', {})
    const first = await timedRequest(`${server.url}${folder}/`, 'PROPFIND', {depth: '1'})
    const lists = (await emu.control('/counters')).requests[LIST] ?? 0
    const log: Array<{status: number}> = await emu.control('/log')
    const throttled = log.filter((e) => e.status === 429).length
    await emu.control('/counters/reset', {})
    const second = await timedRequest(`${server.url}${folder}/`, 'PROPFIND', {depth: '1'})
    const again = ((await emu.control('/log')) as unknown[]).length
    const pages = Math.ceil(PROPFIND_ENTRIES / 200)
    const floorMs = (pages / 4) * 1000
    const ratio = first.ms / floorMs
    rows.push({
      name: `serve webdav: PROPFIND Depth 1 of ${PROPFIND_ENTRIES} entries, real rate limits; again within --dir-cache-time`,
      ours: `${fmtS(first.ms)}, ${lists} list calls, ${throttled} × 429; again: ${second.ms.toFixed(0)} ms, ${again} API calls`,
      baseline: `ceil(${PROPFIND_ENTRIES}/200) = ${pages} list calls at 4/s = ${fmtS(floorMs)}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≤ 1.10×; 0 calls again',
      rss: `${server.peakRssMb().toFixed(0)} MB`,
      ok: first.status === 207 && ratio <= 1.1 && again === 0 && lists <= pages,
    })
  } finally {
    await emu.control('/rate-limit', {value: false})
    await server.stop()
  }
}

async function seedFolder(emu: Emu, folder: string, count: number): Promise<void> {
  await emu.control('/fs/mkdir', {path: folder})
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({length: Math.min(50, count - i)}, (_, k) => emu.control('/fs/put', {path: `${folder}/entry-${String(i + k).padStart(5, '0')}.txt`, content: 'x'})))
  }
}
