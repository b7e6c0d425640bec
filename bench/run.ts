/**
 * `npm run bench`: measures alipan against the emulator on loopback and prints what it measured.
 * Each comparison runs inside this one invocation, alternating ours and the baseline, and reports
 * medians. The emulator runs as its own process so it does not share our event loop.
 *
 *   npm run bench                      # the full set (needs ~12 GiB of free disk, a few minutes)
 *   npm run bench -- --quick           # small sizes, to check the harness
 *   npm run bench -- --only put,get    # some benchmarks, by the names below
 *
 * Each area lives in its own file and adds its benchmarks to BENCHMARKS; kit.ts has the runner,
 * the emulator and the table row.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {benchCrypt, benchCryptGet, benchCryptPut, benchCryptSync} from './crypt.js'
import {BIG, type Benchmark, QUICK, ROOT, RUNS, WORK, args, login, makeFile, rows, startEmulator, watchEmulator} from './kit.js'
import {benchLocations} from './locations.js'
import {benchMetadata} from './metadata.js'
import {benchBwlimit, benchFiles, benchStreams} from './streams.js'
import {benchServeLink, benchServePropfind, benchServeProxy, benchServePut} from './serve.js'
import {benchStartup} from './startup.js'
import {benchSync, benchSyncBig} from './sync.js'
import {benchTailGet, benchTailSync} from './tail.js'
import {benchGet, benchLs, benchMany, benchPut, benchRapid, benchRss} from './transfers.js'

/** In the order they run (and print). */
const BENCHMARKS: Record<string, Benchmark> = {
  put: benchPut,
  get: benchGet,
  rapid: benchRapid,
  rss: benchRss,
  many: benchMany,
  ls: benchLs,
  sync: benchSync,
  'sync-big': benchSyncBig,
  metadata: benchMetadata,
  streams: benchStreams,
  files: benchFiles,
  bwlimit: benchBwlimit,
  crypt: benchCrypt,
  'crypt-put': benchCryptPut,
  'crypt-get': benchCryptGet,
  'crypt-sync': benchCryptSync,
  locations: benchLocations,
  startup: benchStartup,
  'tail-get': benchTailGet,
  'tail-sync': benchTailSync,
  'serve-link': benchServeLink,
  'serve-proxy': benchServeProxy,
  'serve-put': benchServePut,
  'serve-propfind': benchServePropfind,
}

/** What each run leaves in WORK that runs to many GiB: everything but the inputs. */
const SCRATCH = ['emulator', 'got.bin', 'rss-out.bin', 'many', 'files-out', 'sync-small', 'sync-big', 'metadata-small', 'loc-temp', 'tail-get-out', 'tail-sync-out', 'crypt-tree', 'crypt-got.bin']

async function main(): Promise<void> {
  const only = args.only?.split(',').map((name) => name.trim())
  const unknown = only?.filter((name) => !(name in BENCHMARKS)) ?? []
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(BENCHMARKS).join(', ')}`)
  mkdirSync(WORK, {recursive: true})
  rmSync(join(WORK, 'emulator'), {recursive: true, force: true})
  const emu = await startEmulator(['--no-rate-limit'])
  watchEmulator(emu.child.pid)
  try {
    const token = await login(emu, join(WORK, 'config'))
    const drive = (await emu.control('/')).user.default_drive_id
    const big = join(WORK, `big-${BIG}.bin`)
    makeFile(big, BIG)
    for (const [name, bench] of Object.entries(BENCHMARKS)) {
      if (!only || only.includes(name)) await bench({emu, token, drive, big})
    }
  } finally {
    emu.child.kill('SIGTERM')
    await new Promise((done) => emu.child.once('close', done))
    for (const name of SCRATCH) rmSync(join(WORK, name), {recursive: true, force: true})
  }
  const table = [
    '| benchmark | alipan | baseline | ratio | target | peak RSS | |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.rss} | ${r.ok === undefined ? '' : r.ok ? '✅' : '❌'} |`),
  ].join('\n')
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform}/${process.arch}, Node ${process.version}, ${RUNS} run(s) per comparison (medians)${QUICK ? ', --quick sizes' : ''}.`
  process.stdout.write(`\n${header}\n\n${table}\n`)
  // A partial run (--only) must not overwrite the full table README quotes.
  const out = QUICK ? 'results-quick.md' : only ? 'results-partial.md' : 'results.md'
  writeFileSync(join(ROOT, 'bench', out), `${header}\n\n${table}\n`)
}

await main()
