import {stat} from 'node:fs/promises'
import {dirname, resolve, sep} from 'node:path'
import type {Writable} from 'node:stream'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {AlipanError, ConflictError, UsageError, throwIfAborted} from '../errors.js'
import {makeDir} from '../local-dirs.js'
import {sha1File} from '../transfer/hashing.js'
import {DOWNLOAD_SLOTS, type LivpFormat, downloadToFile, downloadToStream, isLivePhoto, livpLocalName} from '../transfer/download.js'
import {localPathUnder, safeLocalName} from '../transfer/local-names.js'
import {Semaphore} from '../transfer/semaphore.js'
import type {ConflictResolver, TransferEvents} from './events.js'
import {isFatal, runPool} from './pool.js'

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
  const entry = await drive.stat(options.remote)
  const slots = new Semaphore(DOWNLOAD_SLOTS)
  const base = {client: drive.client, driveId: drive.driveId, livp: options.livp, signal: options.signal, slots}

  if (options.local === '-') {
    if (entry.type !== 'file') throw new UsageError(`${entry.path} is a folder; only a file can go to standard output.`)
    const output = options.stdout ?? process.stdout
    options.events?.start?.(entry.path, entry.size)
    const result = await downloadToStream(entry, output, {...base, onProgress: (p) => options.events?.progress?.(entry.path, p)})
    options.events?.done?.(entry.path, {size: result.bytes, rapid: false, bytes: result.bytes})
    return [{remote_path: entry.path, path: '-', file_id: entry.file_id, size: result.bytes, content_hash: entry.content_hash ?? null, skipped: false, verified: result.verified, resumed_bytes: 0}]
  }

  const jobs: Job[] = []
  if (entry.type === 'file') {
    jobs.push({entry, local: await fileDestination(entry, options)})
  } else {
    if (!options.recursive) throw new UsageError(`${entry.path} is a folder.`, {hint: 'use -r to download folders'})
    const root = await folderDestination(entry, options.local)
    await makeDir(root)
    await collect(drive, entry, root, [], jobs, options.livp, options.signal)
  }

  return runPool(jobs, Math.min(options.transfers ?? DOWNLOAD_SLOTS, DOWNLOAD_SLOTS), options.signal, async (job) => {
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
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      options.events?.fail?.(job.entry.path, error)
      return {...result, error: {code: error.code, message: error.message}}
    }
  })
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

async function collect(drive: Drive, folder: RemoteEntry, root: string, segments: string[], jobs: Job[], livp: LivpFormat, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal)
  for (const child of await drive.list(folder)) {
    if (child.type === 'folder') {
      await collect(drive, child, root, [...segments, child.name], jobs, livp, signal)
      continue
    }
    const name = isLivePhoto(child) ? livpLocalName(child.name, livp) : child.name
    // localPathUnder refuses `..`, separators and NUL, and checks the result stays under root.
    jobs.push({entry: child, local: localPathUnder(root, [...segments, name])})
  }
  if (segments.length > 0) await makeDir(localPathUnder(root, segments))
}

/** A local file is in the way: skip (saying whether it matches), overwrite, or fail. */
async function decide(job: Job, options: GetOptions): Promise<'identical' | 'differs' | undefined> {
  const choice = options.onConflict === 'ask' ? (options.ask ? await options.ask(job.local, 'skip') : 'fail') : options.onConflict
  if (choice === 'overwrite') return undefined
  if (choice === 'skip') {
    const info = await stat(job.local)
    const same = info.size === job.entry.size && job.entry.content_hash !== undefined && (await sha1File(job.local, info.size, {signal: options.signal})) === job.entry.content_hash
    return same ? 'identical' : 'differs'
  }
  throw new ConflictError(`${job.local} already exists.`, {hint: 'choose with --on-conflict skip|overwrite'})
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

