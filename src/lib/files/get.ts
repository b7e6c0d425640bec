import {stat} from 'node:fs/promises'
import {basename, dirname, resolve, sep} from 'node:path'
import type {Writable} from 'node:stream'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ConflictError, UsageError, asLocalFsError} from '../errors.js'
import {makeDir} from '../local-dirs.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {DOWNLOAD_SLOTS, type LivpFormat, isLivePhoto, legacyPartName, livpLocalName} from '../transfer/download.js'
import {localPathUnder, safeLocalName} from '../transfer/local-names.js'
import {Semaphore} from '../transfer/semaphore.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {compareFiles} from './compare.js'
import type {ConflictResolver, TransferEvents} from './events.js'
import {type FilterRules, buildFilter} from './filter.js'
import {isFatal, runPool} from './pool.js'
import {type LandingRules, landingName, landingRules} from './landing.js'
import type {ClashKind} from './name-clash.js'
import {walkRemote} from './remote-walk.js'
import {isWithin, joinRel, landsAt, parentRel} from './tree.js'

export type GetConflictMode = 'fail' | 'skip' | 'overwrite'

/** `--on-clash`: remote entries of one folder that would land on one local name (name-clash.ts). */
export type ClashMode = 'rename' | 'skip' | 'fail'

export interface GetOptions {
  remote: string
  /** Local file or folder; `-` for stdout; default: the current folder. */
  local?: string
  recursive?: boolean
  onConflict: GetConflictMode | 'ask'
  ask?: ConflictResolver
  livp: LivpFormat
  /** Name clashes: numbered names (default), leave them out (exit 6), or download nothing (exit 6). */
  onClash?: ClashMode
  /** The target's name rules; default: `landingRules` (probed, or ALIPAN_LOCAL_NAMES). */
  landing?: LandingRules
  transfers?: number
  filter?: FilterRules
  /** Most HTTP Range streams per large file (1–3, default 3), within the per-user limit of 3 in all. */
  streams?: number
  /** `--bwlimit`: one bucket for the whole command (sync passes the same one to put and get). */
  bandwidth?: BandwidthLimiter
  stdout?: Writable
  signal?: AbortSignal
  events?: TransferEvents
}

/** One result per file: the `--json` shape of `get`. */
export interface GetResult {
  remote_path: string
  path: string
  file_id: string
  size: number
  content_hash: string | null
  skipped: boolean
  reason?: 'identical' | 'differs'
  /** SHA-1 checked against the service's content_hash. */
  verified: boolean
  resumed_bytes: number
  /** Only on the row of a folder that lost a name clash (every other row is a file). */
  type?: 'folder'
  /** It lost a name clash: where it landed (or, left out, would have), and who kept the name. */
  clash?: ClashReport
  error?: {code: string; message: string}
}

export interface ClashReport {
  reason: 'renamed_from_clash' | 'skipped_for_clash'
  kind: ClashKind
  local_path: string
  kept_by: {file_id: string; local_path: string}
}

interface Job {
  entry: RemoteEntry
  local: string
  clash?: ClashReport
  /** Take over a `NAME.part` of an earlier alipan: no remote entry of the folder lands as that name. */
  adoptLegacyPart: boolean
}

/**
 * `get REMOTE [LOCAL]`: a file, a folder (-r) or stdout. Every file lands through `.part` and is
 * renamed only after its size and SHA-1 check out; remote names are made safe before they
 * touch the local disk.
 */
export async function get(drive: Drive, options: GetOptions): Promise<GetResult[]> {
  const entry = await drive.stat(remotePathArg(options.remote))
  const slots = new Semaphore(DOWNLOAD_SLOTS)
  const base = {livp: options.livp, signal: options.signal, slots, streams: options.streams, bandwidth: options.bandwidth}

  if (options.local === '-') {
    if (entry.type !== 'file') throw new UsageError(`${entry.path} is a folder; only a file can go to standard output.`)
    const output = options.stdout ?? process.stdout
    options.events?.start?.(entry.path, entry.size)
    const result = await drive.downloadToStream(entry, output, {...base, onProgress: (p) => options.events?.progress?.(entry.path, p)})
    options.events?.done?.(entry.path, {size: result.bytes, rapid: false, bytes: result.bytes})
    return [{remote_path: entry.path, path: '-', file_id: entry.file_id, size: result.bytes, content_hash: entry.content_hash ?? null, skipped: false, verified: result.verified, resumed_bytes: 0}]
  }

  const jobs: Job[] = []
  const rows: GetResult[] = []
  if (entry.type === 'file') {
    jobs.push({entry, local: await fileDestination(entry, options), adoptLegacyPart: true})
  } else {
    if (!options.recursive) throw new UsageError(`${entry.path} is a folder.`, {hint: 'use -r to download folders'})
    const root = await folderDestination(entry, options.local)
    rows.push(...(await collect(drive, entry, root, jobs, options)))
  }

  const results = await runPool(jobs, Math.min(options.transfers ?? DOWNLOAD_SLOTS, DOWNLOAD_SLOTS), options.signal, async (job) => {
    const result: GetResult = {remote_path: job.entry.path, path: job.local, file_id: job.entry.file_id, size: job.entry.size, content_hash: job.entry.content_hash ?? null, skipped: false, verified: false, resumed_bytes: 0, ...(job.clash ? {clash: job.clash} : {})}
    try {
      if (await exists(job.local)) {
        const skip = await decide(drive, job, options)
        if (skip) {
          options.events?.skip?.(job.entry.path, skip)
          return {...result, skipped: true, reason: skip}
        }
      }
      await makeDir(dirname(job.local))
      options.events?.start?.(job.entry.path, job.entry.size)
      const downloaded = await drive.download(job.entry, job.local, {...base, adoptLegacyPart: job.adoptLegacyPart, onProgress: (p) => options.events?.progress?.(job.entry.path, p)})
      options.events?.done?.(job.entry.path, {size: downloaded.bytes, rapid: false, bytes: downloaded.bytes - downloaded.resumedFrom, resumedBytes: downloaded.resumedFrom})
      return {...result, size: downloaded.bytes, verified: downloaded.verified, resumed_bytes: downloaded.resumedFrom}
    } catch (caught) {
      const error = asLocalFsError(caught, job.local)
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      options.events?.fail?.(job.entry.path, error)
      return {...result, error: {code: error.code, message: error.message}}
    }
  })
  return [...rows, ...results]
}

/** Where a single file goes: LOCAL as given, into LOCAL if it is a folder, else ./<name>. */
async function fileDestination(entry: RemoteEntry, options: GetOptions): Promise<string> {
  const name = safeLocalName(isLivePhoto(entry) ? livpLocalName(entry.name, options.livp) : entry.name)
  const local = options.local
  if (!local) return resolve(name)
  const info = await stat(local).catch(() => undefined)
  if (info?.isDirectory() || local.endsWith('/') || local.endsWith(sep)) return localPathUnder(local, [name])
  return resolve(local)
}

/** cp semantics: into an existing LOCAL folder as <name>; else LOCAL becomes the copy. */
async function folderDestination(entry: RemoteEntry, local: string | undefined): Promise<string> {
  const name = entry.path === '/' ? '' : safeLocalName(entry.name)
  if (!local) return resolve(name || '.')
  const info = await stat(local).catch(() => undefined)
  if (info && !info.isDirectory()) throw new ConflictError(`${local} is a file; cannot download a folder over it.`)
  return info && name ? localPathUnder(local, [name]) : resolve(local)
}

/**
 * The remote tree under `root`, its folders created locally and its files queued as jobs. A name
 * that cannot become a local file (`..`, a separator, a folder the disk refuses) fails that entry
 * alone, with everything beneath it; the rest goes on. Entries that would land on one local name
 * are settled by `--on-clash` before anything is written.
 */
async function collect(drive: Drive, folder: RemoteEntry, root: string, jobs: Job[], options: GetOptions): Promise<GetResult[]> {
  const rules = options.landing ?? (await landingRules(root))
  const landing = {name: (name: string, type: 'file' | 'folder', livePhoto: boolean) => landingName(name, type, livePhoto ? options.livp : undefined, rules), rules}
  const tree = await walkRemote(drive, folder, {filter: await buildFilter(options.filter ?? {}), landing, signal: options.signal})
  const localOf = (rel: string) => localPathUnder(root, rel.split('/'))
  const mode = options.onClash ?? 'rename'
  if (mode === 'fail' && tree.clashes.length > 0) throw clashRefusal(tree.clashes.map((node) => node.entry!.path))
  await makeDir(root)
  // Rows that are not downloads: failures, entries left out, folders that lost a clash.
  const rows: GetResult[] = []
  const fail = (remotePath: string, local: string, error: AlipanError, entry?: RemoteEntry) => {
    options.events?.fail?.(remotePath, error)
    rows.push({remote_path: remotePath, path: local, file_id: entry?.file_id ?? '', size: entry?.size ?? 0, content_hash: entry?.content_hash ?? null, skipped: false, verified: false, resumed_bytes: 0, error: {code: error.code, message: error.message}})
  }
  for (const failure of tree.failed) fail(`${folder.path === '/' ? '' : folder.path}/${failure.rel}`, '', failure.error)

  const clashes = new Map<string, ClashReport>()
  for (const node of tree.clashes) {
    const {kind, keeper, keeperRel} = node.clash!
    const report: ClashReport = {reason: mode === 'skip' ? 'skipped_for_clash' : 'renamed_from_clash', kind, local_path: localOf(node.rel), kept_by: {file_id: keeper.file_id, local_path: localOf(keeperRel)}}
    clashes.set(node.rel, report)
    options.events?.clash?.(node.entry!.path, {kind, localPath: report.local_path, keptBy: report.kept_by.local_path, skipped: mode === 'skip'})
  }
  const leftOut = mode === 'skip' ? tree.clashes.map((node) => node.rel) : []
  const brokenFolders: string[] = []
  for (const node of tree.nodes.values()) {
    const entry = node.entry!
    const local = localOf(node.rel)
    const clash = clashes.get(node.rel)
    const row = {remote_path: entry.path, path: local, file_id: entry.file_id, size: node.type === 'file' ? entry.size : 0, content_hash: entry.content_hash ?? null, verified: false, resumed_bytes: 0, ...(node.type === 'folder' ? {type: 'folder' as const} : {})}
    if (leftOut.some((rel) => isWithin(node.rel, rel))) {
      if (clash) rows.push({...row, skipped: true, clash})
      continue
    }
    const broken = brokenFolders.find((f) => node.rel.startsWith(`${f}/`))
    if (broken !== undefined) {
      fail(entry.path, local, new AlipanError(`Not downloaded: the folder ${broken} could not be created.`, 1, {code: 'ParentFailed'}), entry)
      continue
    }
    if (node.type === 'file') {
      jobs.push({entry, local, clash, adoptLegacyPart: !landsAt(tree, joinRel(parentRel(node.rel), legacyPartName(basename(local))))})
      continue
    }
    try {
      await makeDir(local)
      if (clash) rows.push({...row, skipped: false, clash})
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      brokenFolders.push(node.rel)
      fail(entry.path, local, error, entry)
    }
  }
  return rows
}

/** `--on-clash fail`: nothing is written; the message names the entries. */
export function clashRefusal(paths: string[]): ConflictError {
  const shown = paths.slice(0, 5).join(', ') + (paths.length > 5 ? `, and ${paths.length - 5} more` : '')
  return new ConflictError(`${paths.length} remote ${paths.length === 1 ? 'entry' : 'entries'} would land on a local name another entry of the folder takes (${shown}); nothing was downloaded.`, {
    code: 'NameClash',
    hint: 'without --on-clash fail they get numbered names such as `name (2).ext`; --on-clash skip leaves them out',
  })
}

/** Entries left out by `--on-clash skip`: exit 6 once everything else is done. */
export function clashSkipError(count: number): ConflictError {
  return new ConflictError(`${count} ${count === 1 ? 'entry was' : 'entries were'} left out because another entry of the folder takes ${count === 1 ? 'its' : 'their'} local name.`, {
    code: 'NameClash',
    hint: 'without --on-clash skip they are saved under numbered names such as `name (2).ext`',
  })
}

/** A local file is in the way: skip (saying whether it matches), overwrite, or fail. */
async function decide(drive: Drive, job: Job, options: GetOptions): Promise<'identical' | 'differs' | undefined> {
  const choice = options.onConflict === 'ask' ? (options.ask ? await options.ask(job.local, 'skip') : 'fail') : options.onConflict
  if (choice === 'overwrite') return undefined
  if (choice === 'skip') {
    // Size and time first (a file that get or sync wrote has the remote time); SHA-1 only when they cannot tell.
    const info = await stat(job.local)
    const verdict = compareFiles({size: job.entry.size, mtimeMs: remoteMtimeMs(job.entry), sizeUnknown: isLivePhoto(job.entry)}, info, 'default')
    const same = verdict === 'same' || (verdict === 'hash' && job.entry.content_hash !== undefined && (await drive.localHash(job.entry, job.local, info.size, {signal: options.signal})) === job.entry.content_hash)
    return same ? 'identical' : 'differs'
  }
  throw new ConflictError(`${job.local} already exists.`, {hint: 'choose with --on-conflict skip|overwrite'})
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

