/**
 * Issue 16: a one-call command's start-up, against what any Node program pays (`node -e 0`) and
 * against a bare node:http script making the same API calls (bench/bare-calls.mjs). Each pair
 * runs alternately in one invocation; medians of wall and CPU (user + system of the process).
 */
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIN, type BenchContext, QUICK, ROOT, type Timed, WORK, alipan, cliEnv, fmtS, median, rows, run} from './kit.js'

const BARE = join(ROOT, 'bench', 'bare-calls.mjs')
const STANDALONE = join(ROOT, 'standalone', 'alipan-linux-x64')
/** Single calls are cheap: more of them than of the transfer rows. */
const CALLS = QUICK ? 7 : 21
const LOOP = 20
const LOOPS = QUICK ? 2 : 5

const node = (argv: string[]) => run(process.execPath, argv, cliEnv)

async function loop(argv: string[]): Promise<Timed> {
  let ms = 0
  let cpuMs = 0
  for (let i = 0; i < LOOP; i++) {
    const r = await node(argv)
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
    ms += r.ms
    cpuMs += r.cpuMs ?? 0
  }
  return {ms, cpuMs, code: 0, stdout: '', stderr: ''}
}

/** `ours` and `base` alternately, `count` times each (after one warm-up of each). */
async function pairs(count: number, ours: () => Promise<Timed>, base: () => Promise<Timed>): Promise<{ours: Timed[]; base: Timed[]}> {
  await ours()
  await base()
  const out = {ours: [] as Timed[], base: [] as Timed[]}
  for (let i = 0; i < count; i++) {
    out.ours.push(await ours())
    out.base.push(await base())
  }
  for (const r of [...out.ours, ...out.base]) if (r.code !== 0) throw new Error(`exited ${r.code}: ${r.stderr.trim()}`)
  return out
}

const wall = (runs: Timed[]) => median(runs.map((r) => r.ms))
const cpu = (runs: Timed[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN))
const cell = (runs: Timed[]) => `${fmtS(wall(runs))} wall (${(Math.min(...runs.map((r) => r.ms)) / 1000).toFixed(2)}–${(Math.max(...runs.map((r) => r.ms)) / 1000).toFixed(2)}), CPU ${fmtS(cpu(runs))}`

export async function benchStartup(_context: BenchContext): Promise<void> {
  // As after `alipan login` on a real machine: the drive ids are known, the code cache is warm.
  await alipan('whoami')
  const linked = join(WORK, 'startup-link.txt')
  writeFileSync(linked, 'a file to link\n')
  await alipan('put', linked, '/bench/startup/link.txt', '--quiet', '--on-conflict', 'overwrite')
  const loadavg = (await import('node:os')).loadavg()[0].toFixed(2)

  const version = await pairs(CALLS, () => node([BIN, '--version']), () => node(['-e', '0']))
  const versionRatio = wall(version.ours) / wall(version.base)
  rows.push({
    name: `alipan --version vs node -e 0 (load average ${loadavg} when it started)`,
    ours: cell(version.ours),
    baseline: cell(version.base),
    ratio: `${versionRatio.toFixed(2)}× wall, ${(cpu(version.ours) / cpu(version.base)).toFixed(2)}× CPU`,
    target: '≤ 1.3×',
    rss: '',
    ok: versionRatio <= 1.3,
  })

  const quota = await pairs(CALLS, () => node([BIN, 'quota', '--json']), () => node([BARE, 'quota']))
  const quotaRatio = wall(quota.ours) / wall(quota.base)
  rows.push({
    name: 'alipan quota --json vs a bare node:http script making the same two calls',
    ours: cell(quota.ours),
    baseline: cell(quota.base),
    ratio: `${quotaRatio.toFixed(2)}× wall, ${(cpu(quota.ours) / cpu(quota.base)).toFixed(2)}× CPU`,
    target: '≤ 0.25 s, ≤ 2.5×',
    rss: '',
    ok: wall(quota.ours) <= 250 && quotaRatio <= 2.5,
  })

  const links = await pairs(LOOPS, () => loop([BIN, 'link', '/bench/startup/link.txt']), () => loop([BARE, 'link', '/bench/startup/link.txt']))
  const linkRatio = wall(links.ours) / wall(links.base)
  rows.push({
    name: `a loop of ${LOOP} × alipan link vs the same loop of the bare script (get_by_path + getDownloadUrl)`,
    ours: cell(links.ours),
    baseline: cell(links.base),
    ratio: `${linkRatio.toFixed(2)}× wall, ${(cpu(links.ours) / cpu(links.base)).toFixed(2)}× CPU`,
    target: '≤ 2.5×',
    rss: '',
    ok: linkRatio <= 2.5,
  })

  // The single executable (npm run build:standalone), when it has been built: how fast it starts.
  if (existsSync(STANDALONE)) {
    const sea = await pairs(CALLS, () => run(STANDALONE, ['quota', '--json'], cliEnv), () => node([BIN, 'quota', '--json']))
    rows.push({
      name: 'standalone executable (linux-x64): quota --json vs the npm install',
      ours: cell(sea.ours),
      baseline: cell(sea.base),
      ratio: `${(wall(sea.ours) / wall(sea.base)).toFixed(2)}× wall, ${(cpu(sea.ours) / cpu(sea.base)).toFixed(2)}× CPU`,
      target: '',
      rss: '',
      ok: undefined,
    })
  }
}
