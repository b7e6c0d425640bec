import {createWriteStream, fstat} from 'node:fs'
import {mkdtemp, rm, stat, statfs} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join, resolve} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {CheckNameMode} from '../api/wire.js'
import type {Drive, DriveUploadOutcome, RemoteEntry} from '../drive/drive.js'
import {endsWithSlash, joinRemotePath, normalizeRemotePath, parentAndName, remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ConflictError, ExitCode, LocalFsError, UsageError, asLocalFsError, localFsCode} from '../errors.js'
import {humanSize} from '../output/format.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {ResumeStore} from '../transfer/resume-state.js'
import type {TransferProgress} from '../transfer/upload.js'
import {uploadedMtimeMs} from '../drive/entry-time.js'
import {type CompareMode, compareFiles} from './compare.js'
import type {ConflictChoice, ConflictResolver, TransferEvents} from './events.js'
import {type FilterRules, buildFilter} from './filter.js'
import {walkLocal} from './local-walk.js'
import {isFatal, runPool} from './pool.js'

export type PutConflictMode = 'fail' | 'skip' | 'overwrite' | 'rename'

export interface PutOptions {
  sources: string[]
  remote: string
  recursive?: boolean
  onConflict: PutConflictMode | 'ask'
  ask?: ConflictResolver
  rapid: boolean
  partSize?: number
  transfers?: number
  internalUpload?: boolean
  resume?: ResumeStore
  /** How `skip` judges a remote file the same: size and time (default), or SHA-1 (`--checksum`). */
  compare?: Exclude<CompareMode, 'size-only'>
  filter?: FilterRules
  /** `-L`: follow symlinks to files and folders inside folders. */
  followLinks?: boolean
  /** `--bwlimit`: one bucket for the whole command, handed through to the upload engine. */
  bandwidth?: BandwidthLimiter
  stdin?: Readable
  signal?: AbortSignal
  events?: TransferEvents
}

/** One result per file: the `--json` shape of `put`. */
export interface PutResult {
  path: string
  remote_path: string
  file_id: string | null
  size: number
  content_hash: string | null
  rapid: boolean
  skipped: boolean
  /**
   * Why it was skipped: `identical`, `differs` (kept the remote copy), or what a local entry that
   * is not a regular file is (a FIFO, a symlink without -L…).
   */
  reason?: string
  bytes_sent: number
  error?: {code: string; message: string}
}

/** Up to this many files into one folder are checked by path; more, by listing the folder. */
const LOOKUP_LIMIT = 8

interface Job {
  local: string
  size: number
  mtimeMs: number
  /** Remote folder path and the file's name in it. */
  folder: string
  name: string
  /** Already looked up: the entry at the destination name, or null for "nothing there". */
  known?: RemoteEntry | null
}

/**
 * `put LOCAL… REMOTE`: files, folders (-r) and stdin. Missing remote folders are created; a
 * REMOTE ending in `/` or naming an existing folder means "into that folder". Each destination
 * folder is listed once to find clashes, so a re-run backup costs one list per folder.
 */
export async function put(drive: Drive, options: PutOptions): Promise<PutResult[]> {
  if (options.sources.length === 0) throw new UsageError('Nothing to upload.')
  remotePathArg(options.remote, 'destination path')
  if (options.sources.includes('-')) return [await putStdin(drive, options)]

  const locals = await Promise.all(options.sources.map(async (source) => ({source, info: await localStat(source)})))
  for (const {source, info} of locals) {
    if (info.isDirectory() && !options.recursive) throw new UsageError(`${source} is a folder.`, {hint: 'use -r to upload folders'})
  }
  const remote = normalizeRemotePath(options.remote)
  const existing = await drive.tryStat(remote)
  const intoFolder = endsWithSlash(options.remote) || locals.length > 1 || existing?.type === 'folder' || remote === '/'

  const jobs: Job[] = []
  const folders = new Set<string>()
  const leftOut: PutResult[] = []
  const filter = await buildFilter(options.filter ?? {})
  for (const {source, info} of locals) {
    if (info.isDirectory()) {
      // cp semantics: into an existing folder as <name>, else the folder becomes REMOTE. A
      // trailing slash on the source means "its contents" (rsync's convention), so a nightly
      // `put -r ./photos/ /backups/photos` lands in the same place every time.
      const contents = /[\\/]$/.test(source)
      const root = intoFolder && !contents ? joinRemotePath(remote, basename(resolve(source))) : remote
      const tree = await walkLocal(resolve(source), {filter, followLinks: options.followLinks, signal: options.signal})
      folders.add(root)
      for (const node of tree.nodes.values()) {
        const remotePath = joinRemotePath(root, node.rel)
        if (node.type === 'folder') folders.add(remotePath)
        else jobs.push({local: node.path!, size: node.size, mtimeMs: node.mtimeMs!, folder: parentAndName(remotePath)[0], name: basename(node.path!)})
      }
      for (const skip of tree.skipped) leftOut.push(skippedEntry(join(source, skip.rel), joinRemotePath(root, skip.rel), skip.reason, options))
      for (const failure of tree.failed) leftOut.push(failedEntry(join(source, failure.rel), joinRemotePath(root, failure.rel), failure.error, options))
    } else if (!info.isFile()) {
      leftOut.push(skippedEntry(source, joinRemotePath(remote, basename(source)), 'not a regular file', options))
    } else if (intoFolder) {
      jobs.push({local: source, size: info.size, mtimeMs: info.mtimeMs, folder: remote, name: basename(source)})
    } else {
      const [folder, name] = parentAndName(remote)
      // REMOTE was looked up above: no need to ask again what is at that name.
      jobs.push({local: source, size: info.size, mtimeMs: info.mtimeMs, folder, name, known: existing ?? null})
    }
  }
  if (intoFolder) folders.add(remote)
  for (const job of jobs) folders.add(job.folder)

  // Create folders parents first; note which are new (nothing to clash with inside them).
  const fresh = new Set<string>()
  for (const folder of [...folders].sort((a, b) => a.length - b.length)) {
    const before = await drive.tryStat(folder)
    if (before && before.type !== 'folder') throw new ConflictError(`A file is in the way: ${folder} is a file, not a folder.`)
    if (!before) {
      await drive.mkdirp(folder)
      fresh.add(folder)
    }
  }
  // What is already there: a folder receiving many files is listed once (a page holds 200
  // names); for a few files, one path lookup each is cheaper than listing a big folder.
  const perFolder = new Map<string, number>()
  for (const job of jobs) perFolder.set(job.folder, (perFolder.get(job.folder) ?? 0) + 1)
  const listings = new Map<string, Promise<Map<string, RemoteEntry>>>()
  const existingEntry = async (job: Job): Promise<RemoteEntry | undefined> => {
    if (job.known !== undefined) return job.known ?? undefined
    if (fresh.has(job.folder)) return undefined
    if ((perFolder.get(job.folder) ?? 0) <= LOOKUP_LIMIT) return drive.tryStat(joinRemotePath(job.folder, job.name))
    let listing = listings.get(job.folder)
    if (!listing) {
      listing = drive.list(job.folder).then((entries) => new Map(entries.map((e) => [e.name, e])))
      listings.set(job.folder, listing)
    }
    return (await listing).get(job.name)
  }

  const results = await runPool(jobs, options.transfers ?? 4, options.signal, async (job) => putOne(drive, job, await existingEntry(job), options))
  return [...leftOut, ...results]
}

/** A local entry put -r leaves out on purpose (a FIFO, a symlink without -L): said, not failed. */
function skippedEntry(path: string, remotePath: string, reason: string, options: PutOptions): PutResult {
  options.events?.leftOut?.(path, reason)
  return {path, remote_path: remotePath, file_id: null, size: 0, content_hash: null, rapid: false, skipped: true, reason, bytes_sent: 0}
}

function failedEntry(path: string, remotePath: string, error: AlipanError, options: PutOptions): PutResult {
  options.events?.fail?.(path, error)
  return {path, remote_path: remotePath, file_id: null, size: 0, content_hash: null, rapid: false, skipped: false, bytes_sent: 0, error: {code: error.code, message: error.message}}
}

async function putOne(drive: Drive, job: Job, current: RemoteEntry | undefined, options: PutOptions): Promise<PutResult> {
  const remotePath = joinRemotePath(job.folder, job.name)
  const label = remotePath
  const result: PutResult = {path: job.local, remote_path: remotePath, file_id: null, size: job.size, content_hash: null, rapid: false, skipped: false, bytes_sent: 0}
  try {
    let mode: CheckNameMode = 'refuse'
    let replace: RemoteEntry | undefined
    if (current) {
      const decision = await decide(drive, job, current, options)
      if (decision.skip) {
        options.events?.skip?.(label, decision.skip)
        return {...result, file_id: current.file_id, content_hash: current.content_hash ?? null, skipped: true, reason: decision.skip}
      }
      mode = decision.mode
      replace = decision.mode === 'ignore' ? current : undefined
    }
    const parent = await drive.stat(job.folder)
    options.events?.start?.(label, job.size)
    const onProgress = (p: TransferProgress) => options.events?.progress?.(label, p)
    const source = {kind: 'file' as const, path: job.local, size: job.size, mtimeMs: job.mtimeMs}
    const request = {...options, onProgress}
    let outcome: DriveUploadOutcome = await drive.upload(parent, job.name, source, {...request, checkNameMode: mode, occupants: current ? [current.file_id] : []})
    if (outcome.status === 'exists') {
      // Someone created the name between our listing and the upload: decide again.
      const now = await drive.stat(remotePath)
      const decision = await decide(drive, job, now, options)
      if (decision.skip) {
        options.events?.skip?.(label, decision.skip)
        return {...result, file_id: now.file_id, content_hash: now.content_hash ?? null, skipped: true, reason: decision.skip}
      }
      replace = decision.mode === 'ignore' ? now : undefined
      outcome = await drive.upload(parent, job.name, source, {...request, checkNameMode: decision.mode, occupants: [now.file_id]})
      if (outcome.status === 'exists') throw new ConflictError(`${remotePath} already exists.`)
    }
    // Overwrite is safe: the old file goes to the recycle bin only now that the new one is complete.
    if (replace && replace.file_id !== outcome.entry.file_id) await drive.remove(replace, 'trash', {signal: options.signal})
    drive.forget(remotePath)
    const done: PutResult = {
      ...result,
      remote_path: outcome.entry.path,
      file_id: outcome.entry.file_id,
      size: outcome.entry.size,
      content_hash: outcome.entry.content_hash ?? null,
      rapid: outcome.rapid,
      bytes_sent: outcome.bytesSent,
    }
    options.events?.done?.(label, {size: done.size, rapid: done.rapid, bytes: done.bytes_sent, resumedParts: outcome.resumedParts})
    return done
  } catch (caught) {
    const error = localFailure(caught, job.local)
    if (!(error instanceof AlipanError) || isFatal(error)) throw error
    options.events?.fail?.(label, error)
    return {...result, error: {code: error.code, message: error.message}}
  }
}

/** A local file that vanished since the walk, or cannot be read, fails that file alone. */
export function localFailure(error: unknown, path: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(error instanceof AlipanError)) {
    return new AlipanError(`${path} disappeared before it could be uploaded.`, ExitCode.notFound, {code: 'LocalFileGone', hint: 'run the command again'})
  }
  return asLocalFsError(error, path, 'reading')
}

interface Decision {
  mode: CheckNameMode
  skip?: 'identical' | 'differs'
}

/** What to do about a name that is taken, per `--on-conflict` (or the user's answer). */
async function decide(drive: Drive, job: Job, current: RemoteEntry, options: PutOptions): Promise<Decision> {
  const path = joinRemotePath(job.folder, job.name)
  if (current.type === 'folder') throw new ConflictError(`${path} is a folder; refusing to upload a file over it.`)
  const choice = await resolveChoice(path, options)
  switch (choice) {
    case 'skip': {
      // The test sync uses: size and time decide without reading; only when they cannot tell (or
      // with --checksum) is the file hashed. So a re-run backup reads nothing that is unchanged.
      const verdict = compareFiles(job, {size: current.size, mtimeMs: uploadedMtimeMs(current.item)}, options.compare ?? 'default')
      const same = verdict === 'same' || (verdict === 'hash' && current.content_hash !== undefined && current.content_hash === (await drive.localHash(current, job.local, job.size, {signal: options.signal})))
      return {mode: 'refuse', skip: same ? 'identical' : 'differs'}
    }
    case 'overwrite':
      return {mode: 'ignore'}
    case 'rename':
      return {mode: 'auto_rename'}
    default:
      throw new ConflictError(`${path} already exists.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
  }
}

function resolveChoice(path: string, options: PutOptions): Promise<ConflictChoice> | ConflictChoice {
  if (options.onConflict !== 'ask') return options.onConflict
  return options.ask ? options.ask(path, 'overwrite') : 'fail'
}

/** stdin: spooled to a private temp file for rapid upload (removed after), else streamed. */
async function putStdin(drive: Drive, options: PutOptions): Promise<PutResult> {
  if (options.sources.length > 1) throw new UsageError('`-` (standard input) cannot be combined with other sources.')
  if (endsWithSlash(options.remote)) throw new UsageError('For standard input, REMOTE must name the file to create.', {hint: 'e.g. alipan put - /backups/db.sql'})
  const remote = normalizeRemotePath(options.remote)
  const existing = await drive.tryStat(remote)
  if (existing?.type === 'folder') throw new UsageError(`${remote} is a folder; give the file name to create in it.`)
  const [folder, name] = parentAndName(remote)
  if (!name) throw new UsageError('For standard input, REMOTE must name the file to create.')
  const stdin = options.stdin ?? process.stdin
  // Spooled only for rapid upload, which needs the SHA-1 first: a drive without it streams.
  if (!options.rapid || !drive.features.rapidUpload) {
    await drive.mkdirp(folder)
    const parent = await drive.stat(folder)
    let mode: CheckNameMode = 'refuse'
    let replace: RemoteEntry | undefined
    if (existing) {
      const choice = await resolveChoice(remote, options)
      if (choice === 'skip') {
        options.events?.skip?.(remote, 'differs')
        return {path: '-', remote_path: remote, file_id: existing.file_id, size: existing.size, content_hash: existing.content_hash ?? null, rapid: false, skipped: true, reason: 'differs', bytes_sent: 0}
      }
      if (choice === 'fail') throw new ConflictError(`${remote} already exists.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
      mode = choice === 'overwrite' ? 'ignore' : 'auto_rename'
      replace = choice === 'overwrite' ? existing : undefined
    }
    options.events?.start?.(remote, undefined)
    const outcome = await drive.upload(parent, name, {kind: 'unsized', body: stdin}, {
      ...options,
      rapid: false,
      checkNameMode: mode,
      occupants: existing ? [existing.file_id] : [],
      onProgress: (p) => options.events?.progress?.(remote, p),
    })
    if (outcome.status === 'exists') throw new ConflictError(`${remote} already exists.`)
    if (replace) await drive.remove(replace, 'trash', {signal: options.signal})
    options.events?.done?.(remote, {size: outcome.entry.size, rapid: false, bytes: outcome.bytesSent, resumedParts: 0})
    return {path: '-', remote_path: outcome.entry.path, file_id: outcome.entry.file_id, size: outcome.entry.size, content_hash: outcome.entry.content_hash ?? null, rapid: false, skipped: false, bytes_sent: outcome.bytesSent}
  }
  await checkSpoolRoom(stdin)
  const dir = await mkdtemp(join(tmpdir(), 'alipan-stdin-')).catch((error: unknown) => {
    throw spoolFailure(error, tmpdir(), 0)
  })
  const spool = join(dir, name.replace(/[\\/]/g, '_') || 'stdin')
  try {
    await pipeline(stdin, createWriteStream(spool, {mode: 0o600}), {signal: options.signal}).catch(async (error: unknown) => {
      throw spoolFailure(error, tmpdir(), (await stat(spool).catch(() => undefined))?.size ?? 0)
    })
    // One file: its failure is the command's, with its own exit code (a clash is 6, not 1).
    let failure: AlipanError | undefined
    const events = {...options.events, fail: (label: string, error: AlipanError) => ((failure = error), options.events?.dismiss?.(label))}
    const [result] = await put(drive, {...options, sources: [spool], remote, resume: undefined, events})
    if (result.error) throw failure ?? new AlipanError(result.error.message, 1, {code: result.error.code})
    return {...result, path: '-'}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/**
 * Rapid upload needs the whole of stdin in a temp file first. When stdin is a regular file
 * (`< file`) its size is known: say at once whether TMPDIR can hold it, before reading a byte.
 */
async function checkSpoolRoom(stdin: Readable): Promise<void> {
  const fd = (stdin as {fd?: unknown}).fd
  if (typeof fd !== 'number') return
  const size = await new Promise<number | undefined>((resolve) => fstat(fd, (error, info) => resolve(!error && info.isFile() ? info.size : undefined)))
  if (size === undefined) return
  const room = await statfs(tmpdir()).then((info) => info.bavail * info.bsize, () => undefined)
  if (room === undefined || room >= size) return
  throw new LocalFsError(`Standard input (${humanSize(size)}) does not fit in the temp folder ${tmpdir()} (${humanSize(room)} free).`, {
    code: 'ENOSPC',
    path: tmpdir(),
    hint: spoolHint(tmpdir(), {bytes: size, exact: true}),
  })
}

/** A spool that could not be written: the user's to fix (exit 9), with the two ways out. */
function spoolFailure(error: unknown, dir: string, written: number): unknown {
  const full = ['ENOSPC', 'EDQUOT'].includes(localFsCode(error) ?? '')
  const local = asLocalFsError(error, dir, 'spooling standard input to', spoolHint(dir, full ? {bytes: written, exact: false} : undefined))
  if (!(local instanceof LocalFsError) || !full) return local
  return new LocalFsError(local.message.replace(' failed:', ` failed after ${humanSize(written)}:`), {code: local.code, path: dir, hint: local.hint, cause: error})
}

/** With `need`: the temp folder is too small (`exact` when stdin's size is known). Without: it is not writable. */
function spoolHint(dir: string, need?: {bytes: number; exact: boolean}): string {
  // os.tmpdir() reads TEMP on Windows.
  const variable = process.platform === 'win32' ? 'TEMP' : 'TMPDIR'
  const fix = need ? `it needs ${need.exact ? '' : 'more than '}${humanSize(need.bytes)} free in ${dir}: free some, or point ${variable} at a bigger disk` : `point ${variable} at a writable folder`
  return `rapid upload keeps standard input in a temp file first; ${fix}, or stream it with --no-rapid, which needs no temp file`
}

async function localStat(path: string) {
  try {
    return await stat(path)
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'ENOENT') throw new UsageError(`No such local file or folder: ${path}`)
    if (code === 'EACCES') throw new UsageError(`Permission denied: ${path}`)
    throw error
  }
}
