import {isNotFound} from '../api/api-error.js'
import {deleteFile, trashFile} from '../api/files.js'
import type {FileType} from '../api/wire.js'
import type {AlipanDrive} from '../drive/alipan-drive.js'
import type {Drive, RemoteEntry, RemovalMethod} from '../drive/drive.js'
import {normalizeRemotePath, remotePathArg} from '../drive/remote-path.js'
import {AlipanError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import {isFatal} from '../files/pool.js'
import {type TaskEvents, settle} from './async-task.js'

export type {RemovalMethod} from '../drive/drive.js'

export interface RemoveOptions {
  paths: string[]
  method: RemovalMethod
  /** Folders need it (`rm -r`). */
  recursive?: boolean
  /** No confirmation; a missing path is not an error. */
  force?: boolean
  /**
   * Ask before removing (a terminal). Without `force` and without `confirm` the removal is
   * refused: nobody agreed to it.
   */
  confirm?: (summary: RemovalSummary) => Promise<boolean>
  signal?: AbortSignal
  events?: TaskEvents & {
    /** Counting what is inside the folders, for the confirmation; `counted` when done. */
    counting?(path: string): void | Promise<void>
    counted?(): void | Promise<void>
    removed?(result: RemoveResult): void
  }
  /** A path that failed; the others go on. Fatal errors (auth, network) throw instead. */
  onError?: (path: string, error: AlipanError) => void
  /** Folder walks for the confirmation stop after this many entries (the count says "at least"). */
  walkLimit?: number
  /** `--dry-run`: resolve and measure what would go, as for the confirmation; remove nothing, ask nothing. */
  dryRun?: boolean
}

/** One result per path: the `--json` shape of `rm`. */
export interface RemoveResult {
  path: string
  file_id: string | null
  type: FileType | null
  method: RemovalMethod
  removed: boolean
  error?: {code: string; message: string}
  /** `--dry-run`: nothing was removed; `contents` is what would have gone. */
  dry_run?: true
  contents?: RemovalTarget
}

export interface RemovalTarget {
  path: string
  type: FileType
  /** A file's size, or the total size of the files in a folder (as far as counted). */
  size: number
  /** Folders: what is inside, as far as counted. */
  files?: number
  folders?: number
  /** False when the count stopped at the walk limit. */
  complete?: boolean
}

export interface RemovalSummary {
  method: RemovalMethod
  targets: RemovalTarget[]
}

const WALK_LIMIT = 10_000

/**
 * `rm`: every path is resolved first (a missing one or a folder without -r stops everything
 * before anything is removed), then confirmed, then trashed or deleted one by one. Folder
 * operations that answer an async task are waited for.
 */
export async function remove(drive: Drive, options: RemoveOptions): Promise<RemoveResult[]> {
  if (options.paths.length === 0) throw new UsageError('Nothing to remove.')
  const method = options.method
  const planned: Array<{path: string; entry?: RemoteEntry}> = []
  for (const raw of options.paths) {
    const path = normalizeRemotePath(remotePathArg(raw))
    if (path === '/') throw new UsageError('Refusing to remove the root folder.', {hint: 'name the files or folders inside it'})
    if (planned.some((p) => p.path === path)) continue
    const entry = await drive.tryStat(path)
    if (!entry && !options.force) throw new NotFoundError(`Not found: ${path}`, {hint: 'check the path with `alipan ls`; --force ignores missing paths'})
    if (entry?.type === 'folder' && !options.recursive) throw new UsageError(`${path} is a folder.`, {hint: 'use -r to remove folders and their contents'})
    planned.push({path, entry})
  }
  // A path inside another one being removed goes with it.
  const present = planned.filter((p) => p.entry)
  const covered = (path: string) => present.some((p) => p.entry!.type === 'folder' && path.startsWith(`${p.path}/`))
  const targets = planned.filter((p) => !covered(p.path))

  if (options.dryRun) {
    // The real run's refusal comes first, so that the dry run exits as it would.
    if (!options.force && !options.confirm) throw noConfirmation(method)
    const summary = await summarize(drive, targets, options)
    return targets.map(({path, entry}) => ({
      path,
      file_id: entry?.file_id ?? null,
      type: entry?.type ?? null,
      method,
      removed: false,
      dry_run: true,
      ...(entry ? {contents: summary.targets.find((t) => t.path === entry.path)} : {}),
    }))
  }

  if (!options.force) {
    if (!options.confirm) throw noConfirmation(method)
    const summary = await summarize(drive, targets, options)
    if (summary.targets.length > 0 && !(await options.confirm(summary))) {
      return targets.map(({path, entry}) => ({path, file_id: entry?.file_id ?? null, type: entry?.type ?? null, method, removed: false}))
    }
  }

  const results: RemoveResult[] = []
  for (const {path, entry} of targets) {
    throwIfAborted(options.signal)
    const result: RemoveResult = {path, file_id: entry?.file_id ?? null, type: entry?.type ?? null, method, removed: false}
    if (entry) {
      try {
        await drive.remove(entry, method, options)
        result.removed = true
        options.events?.removed?.(result)
      } catch (error) {
        // Gone meanwhile (or already in the recycle bin): with --force that is what was wanted.
        if (options.force && isNotFound(error)) {
          drive.forget(path)
        } else {
          if (!(error instanceof AlipanError) || isFatal(error)) throw error
          options.onError?.(path, error)
          result.error = {code: error.code, message: error.message}
        }
      }
    }
    results.push(result)
  }
  return results
}

/**
 * Trash or delete one entry of an Alipan drive (`Drive.remove`): a folder goes as one call,
 * whatever it holds (the service may answer an async task, which is waited for).
 */
export async function removeEntry(drive: AlipanDrive, entry: RemoteEntry, method: RemovalMethod, options: {signal?: AbortSignal; events?: TaskEvents} = {}): Promise<void> {
  const answer = method === 'delete' ? await deleteFile(drive.client, drive.driveId, entry.file_id) : await trashFile(drive.client, drive.driveId, entry.file_id)
  await settle(drive.client, answer, `${method === 'delete' ? 'Deleting' : 'Trashing'} ${entry.path}`, {signal: options.signal, events: options.events})
  drive.forget(entry.path)
}

function noConfirmation(method: RemovalMethod): UsageError {
  return new UsageError(`Refusing to ${method === 'delete' ? 'permanently delete' : 'remove'} without confirmation: there is no terminal to ask on.`, {
    hint: 'pass --force (-f) to remove without asking',
  })
}

/** What the targets hold, folders walked (up to the walk limit): for the confirmation and a dry run. */
async function summarize(drive: Drive, targets: Array<{entry?: RemoteEntry}>, options: RemoveOptions): Promise<RemovalSummary> {
  const summary: RemovalSummary = {method: options.method, targets: []}
  for (const {entry} of targets) {
    if (entry?.type === 'folder') await options.events?.counting?.(entry.path)
    if (entry) summary.targets.push(await measure(drive, entry, options.walkLimit ?? WALK_LIMIT))
  }
  await options.events?.counted?.()
  return summary
}

/** Size and contents of what is about to go, for the confirmation. */
async function measure(drive: Drive, entry: RemoteEntry, limit: number): Promise<RemovalTarget> {
  if (entry.type === 'file') return {path: entry.path, type: 'file', size: entry.size}
  const target: RemovalTarget = {path: entry.path, type: 'folder', size: 0, files: 0, folders: 0, complete: true}
  const queue: RemoteEntry[] = [entry]
  let seen = 0
  while (queue.length > 0) {
    const folder = queue.shift()!
    for await (const page of drive.pages(folder)) {
      for (const child of page) {
        seen++
        if (child.type === 'folder') {
          target.folders!++
          queue.push(child)
        } else {
          target.files!++
          target.size += child.size
        }
      }
      if (seen >= limit) {
        target.complete = false
        return target
      }
    }
  }
  return target
}
