import {stat} from 'node:fs/promises'
import {dirname, resolve, sep} from 'node:path'
import type {Writable} from 'node:stream'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ConflictError, UsageError, asLocalFsError} from '../errors.js'
import {makeDir} from '../local-dirs.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {sha1File} from '../transfer/hashing.js'
import {DOWNLOAD_SLOTS, type LivpFormat, downloadToFile, downloadToStream, isLivePhoto, livpLocalName} from '../transfer/download.js'
import {localPathUnder, safeLocalName} from '../transfer/local-names.js'
import {Semaphore} from '../transfer/semaphore.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {compareFiles} from './compare.js'
import type {ConflictResolver, TransferEvents} from './events.js'
import {type FilterRules, buildFilter} from './filter.js'
import {isFatal, runPool} from './pool.js'
import {walkRemote} from './remote-walk.js'

export type GetConflictMode = 'fail' | 'skip' | 'overwrite'

export interface GetOptions {
  remote: string
  /** Local file or folder; `-` for stdout; default: the current folder. */
  local?: string
  recursive?: boolean
  onConflict: GetConflictMode | 'ask'
  ask?: ConflictResolver
  livp: LivpFormat
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
  error?: {code: string; message: string}
}

interface Job {
  entry: RemoteEntry
  local: string
}

/**
 * `get REMOTE [LOCAL]`: a file, a folder (-r) or stdout. Every file lands through `.part` and is
 * renamed only after its size and SHA-1 check out; remote names are made safe before they
 * touch the local disk.
 */
export async function get(drive: Drive, options: GetOptions): Promise<GetResult[]> {
  const entry = await drive.stat(remotePathArg(options.remote))
  const slots = new Semaphore(DOWNLOAD_SLOTS)
  const base = {client: drive.client, driveId: drive.driveId, livp: options.livp, signal: options.signal, slots, streams: options.streams, bandwidth: options.bandwidth}

  if (options.local === '-') {
    if (entry.type !== 'file') throw new UsageError(`${entry.path} is a folder; only a file can go to standard output.`)
    const output = options.stdout ?? process.stdout
    options.events?.start?.(entry.path, entry.size)
    const result = await downloadToStream(entry, output, {...base, onProgress: (p) => options.events?.progress?.(entry.path, p)})
    options.events?.done?.(entry.path, {size: result.bytes, rapid: false, bytes: result.bytes})
    return [{remote_path: entry.path, path: '-', file_id: entry.file_id, size: result.bytes, content_hash: entry.content_hash ?? null, skipped: false, verified: result.verified, resumed_bytes: 0}]
  }

  const jobs: Job[] = []
  const refused: GetResult[] = []
  if (entry.type === 'file') {
    jobs.push({entry, local: await fileDestination(entry, options)})
  } else {
    if (!options.recursive) throw new UsageError(`${entry.path} is a folder.`, {hint: 'use -r to download folders'})
    const root = await folderDestination(entry, options.local)
    await makeDir(root)
    refused.push(...(await collect(drive, entry, root, jobs, options)))
  }

  const results = await runPool(jobs, Math.min(options.transfers ?? DOWNLOAD_SLOTS, DOWNLOAD_SLOTS), options.signal, async (job) => {
    const result: GetResult = {remote_path: job.entry.path, path: job.local, file_id: job.entry.file_id, size: job.entry.size, content_hash: job.entry.content_hash ?? null, skipped: false, verified: false, resumed_bytes: 0}
    try {
      if (await exists(job.local)) {
        const skip = await decide(job, options)
        if (skip) {
          options.events?.skip?.(job.entry.path, skip)
          return {...result, skipped: true, reason: skip}
        }
      }
      await makeDir(dirname(job.local))
      options.events?.start?.(job.entry.path, job.entry.size)
      const downloaded = await downloadToFile(job.entry, job.local, {...base, onProgress: (p) => options.events?.progress?.(job.entry.path, p)})
      options.events?.done?.(job.entry.path, {size: downloaded.bytes, rapid: false, bytes: downloaded.bytes - downloaded.resumedFrom, resumedBytes: downloaded.resumedFrom})
      return {...result, size: downloaded.bytes, verified: downloaded.verified, resumed_bytes: downloaded.resumedFrom}
    } catch (caught) {
      const error = asLocalFsError(caught, job.local)
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      options.events?.fail?.(job.entry.path, error)
      return {...result, error: {code: error.code, message: error.message}}
    }
  })
  return [...refused, ...results]
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
 * alone, with everything beneath it; the rest goes on.
 */
async function collect(drive: Drive, folder: RemoteEntry, root: string, jobs: Job[], options: GetOptions): Promise<GetResult[]> {
  const localName = (name: string, type: 'file' | 'folder') => {
    const safe = safeLocalName(name)
    return type === 'file' && isLivePhoto({name}) ? livpLocalName(safe, options.livp) : safe
  }
  const tree = await walkRemote(drive, folder, {filter: await buildFilter(options.filter ?? {}), localName, signal: options.signal})
  const failed: GetResult[] = []
  const fail = (remotePath: string, local: string, error: AlipanError, entry?: RemoteEntry) => {
    options.events?.fail?.(remotePath, error)
    failed.push({remote_path: remotePath, path: local, file_id: entry?.file_id ?? '', size: entry?.size ?? 0, content_hash: entry?.content_hash ?? null, skipped: false, verified: false, resumed_bytes: 0, error: {code: error.code, message: error.message}})
  }
  for (const failure of tree.failed) fail(`${folder.path === '/' ? '' : folder.path}/${failure.rel}`, '', failure.error)
  const brokenFolders: string[] = []
  for (const node of tree.nodes.values()) {
    const entry = node.entry!
    const local = localPathUnder(root, node.rel.split('/'))
    const broken = brokenFolders.find((f) => node.rel.startsWith(`${f}/`))
    if (broken !== undefined) {
      fail(entry.path, local, new AlipanError(`Not downloaded: the folder ${broken} could not be created.`, 1, {code: 'ParentFailed'}), entry)
      continue
    }
    if (node.type === 'file') {
      jobs.push({entry, local})
      continue
    }
    try {
      await makeDir(local)
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      brokenFolders.push(node.rel)
      fail(entry.path, local, error, entry)
    }
  }
  return failed
}

/** A local file is in the way: skip (saying whether it matches), overwrite, or fail. */
async function decide(job: Job, options: GetOptions): Promise<'identical' | 'differs' | undefined> {
  const choice = options.onConflict === 'ask' ? (options.ask ? await options.ask(job.local, 'skip') : 'fail') : options.onConflict
  if (choice === 'overwrite') return undefined
  if (choice === 'skip') {
    // Size and time first (a file that get or sync wrote has the remote time); SHA-1 only when they cannot tell.
    const info = await stat(job.local)
    const verdict = compareFiles({size: job.entry.size, mtimeMs: remoteMtimeMs(job.entry)}, info, 'default')
    const same = verdict === 'same' || (verdict === 'hash' && job.entry.content_hash !== undefined && (await sha1File(job.local, info.size, {signal: options.signal})) === job.entry.content_hash)
    return same ? 'identical' : 'differs'
  }
  throw new ConflictError(`${job.local} already exists.`, {hint: 'choose with --on-conflict skip|overwrite'})
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

