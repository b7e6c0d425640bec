import {copyFile, getFile, moveFile, renameFile, trashFile} from '../api/files.js'
import {copyCandidatesBefore, copyLandedCheck} from '../api/write-checks.js'
import type {CheckNameMode, FileType} from '../api/wire.js'
import type {AlipanDrive} from '../drive/alipan-drive.js'
import type {Drive, Placed, RemoteEntry} from '../drive/drive.js'
import {endsWithSlash, joinRemotePath, normalizeRemotePath, parentAndName, remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ConflictError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import type {ConflictChoice, ConflictResolver} from '../files/events.js'
import {isFatal} from '../files/pool.js'
import {type TaskEvents, settle} from './async-task.js'
import {type AcrossOptions, type AcrossPlaced, type CopiedFile, acrossApis, copyAcross} from './cross-copy.js'

export type MoveCopyConflictMode = 'fail' | 'skip' | 'overwrite' | 'rename'
export type Operation = 'move' | 'copy'

export interface MoveCopyOptions {
  sources: string[]
  /**
   * The drive each source is in (same order as `sources`), when it may not be the destination's:
   * cp from another drive or login copies by rapid upload (`across`); the same drive, server-side.
   */
  sourceDrives?: readonly Drive[]
  destination: string
  /** A same-name entry at the destination; `ask` = `ask()` decides (a terminal). */
  onConflict: MoveCopyConflictMode | 'ask'
  ask?: ConflictResolver
  signal?: AbortSignal
  events?: TaskEvents & {done?(result: MoveCopyResult): void}
  /** Copies from another drive or login: how the files travel, and each one as it lands. */
  across?: AcrossOptions
  /** A source that failed; the others go on. Fatal errors (auth, network, quota) throw instead. */
  onError?: (source: string, error: AlipanError) => void
  /**
   * `--dry-run`: every check a real run makes (sources, destination, clashes under `onConflict`)
   * and the same errors, but nothing is moved, copied or replaced, and nobody is asked.
   */
  dryRun?: boolean
}

/** One result per source: the `--json` shape of `mv` and `cp`. */
export interface MoveCopyResult {
  source: string
  /** Where it ended up (after any rename), or the existing entry's path when skipped. */
  destination: string | null
  type: FileType | null
  /** The moved entry (same id), the new copy, or the existing entry when skipped. */
  file_id: string | null
  skipped: boolean
  /** Overwrite: the id of the entry that went to the recycle bin. */
  replaced: string | null
  /** A copy from another drive or login: every file, how it travelled (rapid or streamed) and what it cost. */
  files?: CopiedFile[]
  error?: {code: string; message: string}
  /** `--dry-run`: what is described was not done (`replaced`: the entry that would go to the recycle bin). */
  dry_run?: true
  /** `--dry-run`: the name is taken and the copy or move would take a numbered one (`--on-conflict rename`). */
  numbered?: true
  /** `--dry-run` on a terminal: the name is taken, and the real run would ask what to do. */
  would_ask?: true
}

interface Plan {
  folder: RemoteEntry
  /** The new name (a rename); undefined = keep each source's name ("into the folder"). */
  name?: string
  /** A rename's DST was looked up and is free (the single source need not look again). */
  free?: boolean
  /** `--dry-run`: the targets earlier sources would have taken, which later ones then find taken. */
  planned?: Map<string, RemoteEntry>
}

export function move(drive: Drive, options: MoveCopyOptions): Promise<MoveCopyResult[]> {
  return run(drive, 'move', options)
}

export function copy(drive: Drive, options: MoveCopyOptions): Promise<MoveCopyResult[]> {
  return run(drive, 'copy', options)
}

/**
 * `mv` / `cp SRC… DST`. DST names an existing folder, ends in `/`, or there are several SRCs:
 * into that folder. Otherwise DST is the new path (its parent must exist). Same-name clashes
 * follow `onConflict`; overwrite sends the old entry to the recycle bin only after the new one
 * is in place.
 */
async function run(drive: Drive, op: Operation, options: MoveCopyOptions): Promise<MoveCopyResult[]> {
  if (options.sources.length === 0) throw new UsageError(`Give what to ${op} and where: SRC… DST.`)
  for (const source of options.sources) remotePathArg(source, 'source path')
  remotePathArg(options.destination, 'destination path')
  // The Open API moves within a drive only (§4.11); between drives or logins it is a copy.
  if (op === 'move' && options.sourceDrives?.some((from) => from.storage !== drive.storage)) {
    throw new UsageError('mv cannot move between drives, logins or encrypted locations.', {hint: 'copy with `alipan cp` (get and put, for an encrypted location), then remove the source with `alipan rm`'})
  }
  const plan = await planDestination(drive, options)
  if (options.dryRun) plan.planned = new Map()
  const results: MoveCopyResult[] = []
  const seen = new Set<string>()
  for (const [i, raw] of options.sources.entries()) {
    throwIfAborted(options.signal)
    const from = options.sourceDrives?.[i] ?? drive
    const source = normalizeRemotePath(raw)
    const key = `${from.place}\0${source}`
    if (seen.has(key)) continue
    seen.add(key)
    try {
      const {result, failure} = await one(drive, op, source, plan, options, from)
      if (failure) options.onError?.(source, failure)
      else options.events?.done?.(result)
      results.push(result)
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      options.onError?.(source, error)
      results.push({source, destination: null, type: null, file_id: null, skipped: false, replaced: null, error: {code: error.code, message: error.message}})
    }
  }
  return results
}

async function planDestination(drive: Drive, options: MoveCopyOptions): Promise<Plan> {
  const destination = normalizeRemotePath(options.destination)
  const existing = await drive.tryStat(destination)
  const intoFolder = endsWithSlash(options.destination) || options.sources.length > 1 || existing?.type === 'folder'
  if (intoFolder) {
    if (!existing) throw new NotFoundError(`No such folder: ${destination}`, {hint: `create it first with \`alipan mkdir -p ${destination}\``})
    if (existing.type !== 'folder') throw new UsageError(`${destination} is a file, not a folder.`, {hint: 'several sources need a destination folder'})
    return {folder: existing}
  }
  const [parentPath, name] = parentAndName(destination)
  const parent = await drive.tryStat(parentPath)
  if (!parent) throw new NotFoundError(`No such folder: ${parentPath}`, {hint: `create it first with \`alipan mkdir -p ${parentPath}\``})
  if (parent.type !== 'folder') throw new ConflictError(`A file is in the way: ${parentPath} is a file, not a folder.`)
  return {folder: parent, name, free: !existing}
}

async function one(drive: Drive, op: Operation, source: string, plan: Plan, options: MoveCopyOptions, from: Drive): Promise<{result: MoveCopyResult; failure?: AlipanError}> {
  if (source === '/') throw new UsageError(`Cannot ${op} the root folder.`)
  // Another drive (or another user's): the Open API cannot copy there (§4.12); copyAcross can.
  const across = from.storage !== drive.storage
  // Refused before anything else, dry run or not: a copy file by file needs both drives' own API.
  if (across && op === 'copy') acrossApis(from, drive)
  const src = await from.stat(source)
  const {folder} = plan
  const name = plan.name ?? src.name
  const target = joinRemotePath(folder.path, name)
  // Same drive, maybe under another root folder: the ids tell whether it would go into itself.
  const into = !across && src.type === 'folder' && (await isInside(drive, from, folder, src))
  if (into) throw new UsageError(`Cannot ${op} ${src.path} into itself (${target}).`)
  const sameParent = !across && src.parent_file_id === folder.file_id
  const result: MoveCopyResult = {source, destination: target, type: src.type, file_id: src.file_id, skipped: false, replaced: null}

  // The destination name is taken (by the source itself when it would land on itself).
  const existing = (sameParent && name === src.name ? src : undefined) ?? plan.planned?.get(target) ?? (plan.free ? undefined : await drive.tryStat(target))
  let mode: 'plain' | 'overwrite' | 'rename' = 'plain'
  if (existing && existing !== src && options.dryRun && options.onConflict === 'ask') {
    return {result: {...result, type: existing.type, file_id: existing.file_id, skipped: true, dry_run: true, would_ask: true}}
  }
  if (existing) {
    const choice = await resolveChoice(target, options)
    if (choice === 'skip') return {result: {...result, type: existing.type, file_id: existing.file_id, skipped: true, ...(options.dryRun ? {dry_run: true as const} : {})}}
    if (existing === src) {
      if (op === 'move' || choice !== 'rename') throw new UsageError(`${source} and ${target} are the same ${src.type}.`, op === 'copy' ? {hint: 'use --on-conflict rename to make a numbered copy'} : undefined)
      mode = 'rename'
    } else if (choice === 'overwrite') {
      if (existing.type !== src.type) throw new ConflictError(`${target} is a ${existing.type}; refusing to replace it with a ${src.type}.`)
      mode = 'overwrite'
    } else if (choice === 'rename') {
      mode = 'rename'
    } else {
      throw new ConflictError(`${target} already exists.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
    }
  }
  if (options.dryRun) {
    if (mode !== 'rename') plan.planned?.set(target, {...src, path: target, name})
    return {result: {...result, dry_run: true, replaced: mode === 'overwrite' ? existing!.file_id : null, ...(mode === 'rename' ? {numbered: true as const} : {})}}
  }
  const checkNameMode: CheckNameMode = mode === 'overwrite' ? 'ignore' : mode === 'rename' ? 'auto_rename' : 'refuse'
  const placed: Placed & Partial<AcrossPlaced> =
    op === 'move'
      ? await drive.move(src, folder, name, checkNameMode, options)
      : across
        ? await copyAcross(from, src, drive, folder, name, mode, existing, {...(options.across ?? {rapid: true}), signal: options.signal})
        : await drive.copy(src, folder, name, checkNameMode, name === src.name ? (existing ?? null) : undefined, options)

  drive.forget(target)
  if (op === 'move') from.forget(source)
  if (placed.failure) {
    // Part of a folder did not copy: the old entry stays, the new one keeps what did.
    const {failure} = placed
    return {result: {...result, destination: joinRemotePath(folder.path, placed.name), file_id: placed.fileId, files: placed.files, error: {code: failure.code, message: failure.message}}, failure}
  }
  // Overwrite is safe: the old entry goes to the recycle bin only now that the new one is in place.
  if (mode === 'overwrite' && existing && existing.file_id !== placed.fileId) {
    await drive.remove(existing, 'trash', {signal: options.signal, events: options.events})
    result.replaced = existing.file_id
  }
  return {result: {...result, destination: joinRemotePath(folder.path, placed.name), file_id: placed.fileId, ...(placed.files ? {files: placed.files} : {})}}
}

/** Is `folder` the folder `src` or somewhere inside it? By path in one view of the drive, else by ids. */
async function isInside(drive: Drive, from: Drive, folder: RemoteEntry, src: RemoteEntry): Promise<boolean> {
  if (from === drive) return folder.path === src.path || folder.path.startsWith(`${src.path}/`)
  // The same drive under another root folder (or through another profile): walk up from `folder`.
  let id: string | undefined = folder.file_id
  for (let depth = 0; id && id !== 'root' && depth < 256; depth++) {
    if (id === src.file_id) return true
    id = await drive.parentIdOf(id)
  }
  return false
}

export type {Placed} from '../drive/drive.js'

/**
 * Same folder: `update` renames (§4.10). Across folders: `move` (§4.11), which answers
 * `exist: true` when it refused a clash and may answer an async task (folders). `new_name` is
 * documented as "the name to use if a clash exists", so the final name is checked afterwards
 * and fixed with `update` if the service kept the old one.
 */
export async function moveOne(drive: AlipanDrive, src: RemoteEntry, folder: RemoteEntry, name: string, checkNameMode: CheckNameMode, sameParent: boolean, target: string, options: Pick<MoveCopyOptions, 'signal' | 'events'>): Promise<Placed> {
  const {client, driveId} = drive
  if (sameParent) {
    const item = await renameFile(client, driveId, src.file_id, name, checkNameMode, src.name)
    return {fileId: src.file_id, name: item.name ?? name}
  }
  const answer = await moveFile(client, driveId, src.file_id, folder.file_id, {checkNameMode, newName: name === src.name ? undefined : name})
  if (answer.exist) throw new ConflictError(`Nothing moved: ${target} (or ${joinRemotePath(folder.path, src.name)}) already exists.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
  await settle(client, answer, `Moving ${src.path}`, {signal: options.signal, events: options.events})
  // Same name and no auto_rename: the service moved it under that name or refused (exist).
  if (name === src.name && checkNameMode !== 'auto_rename') return {fileId: src.file_id, name}
  const moved = await getFile(client, driveId, src.file_id)
  if (moved.name === name || (checkNameMode === 'auto_rename' && name === src.name)) return {fileId: src.file_id, name: moved.name}
  const renamed = await renameFile(client, driveId, src.file_id, name, checkNameMode, moved.name)
  return {fileId: src.file_id, name: renamed.name ?? name}
}

/**
 * `copy` (§4.12) always with `auto_rename` (copying into the same folder fails without it), then
 * the copy is renamed to the wanted name if it landed under another. A copy that cannot take its
 * name is trashed again rather than left behind as `name(1)`. `occupant`: what holds the source's
 * name in the folder (null = nothing), when the caller already looked.
 */
export async function copyOne(
  drive: AlipanDrive,
  src: RemoteEntry,
  folder: RemoteEntry,
  name: string,
  checkNameMode: CheckNameMode,
  occupant: RemoteEntry | null | undefined,
  options: Pick<MoveCopyOptions, 'signal' | 'events'>,
): Promise<Placed> {
  const {client, driveId} = drive
  const before = await copyCandidates(drive, src, folder, occupant)
  const check = copyLandedCheck({client, driveId, toParentId: folder.file_id, source: {...src, content_hash: src.content_hash}, before})
  const answer = await copyFile(client, driveId, src.file_id, folder.file_id, true, check)
  await settle(client, answer, `Copying ${src.path}`, {signal: options.signal, events: options.events})
  const copied = await getFile(client, driveId, answer.file_id)
  if (copied.name === name || (checkNameMode === 'auto_rename' && name === src.name)) return {fileId: answer.file_id, name: copied.name}
  try {
    const renamed = await renameFile(client, driveId, answer.file_id, name, checkNameMode, copied.name)
    return {fileId: answer.file_id, name: renamed.name ?? name}
  } catch (error) {
    await trashFile(client, driveId, answer.file_id).catch(() => undefined)
    throw error
  }
}

/**
 * What a check after a lost copy answer must know (write-checks.ts): nothing when the source's
 * name is free in the folder (the copy lands under exactly it); else the entries already there
 * that an auto-renamed copy could be mistaken for, listed before the copy is sent.
 */
async function copyCandidates(drive: AlipanDrive, src: RemoteEntry, folder: RemoteEntry, occupant: RemoteEntry | null | undefined): Promise<Set<string> | undefined> {
  const holder = occupant !== undefined ? occupant : await drive.tryStat(joinRemotePath(folder.path, src.name))
  if (!holder && src.parent_file_id !== folder.file_id) return undefined
  return copyCandidatesBefore(drive.client, drive.driveId, folder.file_id, src)
}

function resolveChoice(path: string, options: MoveCopyOptions): Promise<ConflictChoice> | ConflictChoice {
  if (options.onConflict !== 'ask') return options.onConflict
  return options.ask ? options.ask(path, 'skip') : 'fail'
}
