import {stat} from 'node:fs/promises'
import {resolve} from 'node:path'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {normalizeRemotePath} from '../drive/remote-path.js'
import {AlipanError, ConflictError, ExitCode, NotFoundError, UsageError, asLocalFsError, isAbortError} from '../errors.js'
import type {CompareMode} from '../files/compare.js'
import type {TransferEvents} from '../files/events.js'
import {type FilterRules, buildFilter} from '../files/filter.js'
import {walkLocal} from '../files/local-walk.js'
import {localFailure} from '../files/put.js'
import {makeDir} from '../local-dirs.js'
import {runPool} from '../files/pool.js'
import {type ClashMode, clashRefusal, clashSkipError} from '../files/get.js'
import {type LandingRules, landingName, landingRules} from '../files/landing.js'
import {type ClashKind, EXACT_NAMES, type NameRules, foldRel} from '../files/name-clash.js'
import {walkRemote} from '../files/remote-walk.js'
import {type Tree, type WalkFailure, countFiles, emptyTree, isWithin} from '../files/tree.js'
import type {RemovalMethod} from '../manage/remove.js'
import {DOWNLOAD_SLOTS, type LivpFormat} from '../transfer/download.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {ResumeStore} from '../transfer/resume-state.js'
import {Semaphore} from '../transfer/semaphore.js'
import {downloadSide} from './download-side.js'
import {dropLegacyParts, keyLikeSource, legacyPartOwner} from './local-dest.js'
import {type ActionOutcome, execute} from './execute.js'
import {type Plan, type SyncAction, filesToHash, plan, plannedBytes} from './plan.js'
import {uploadSide} from './upload-side.js'
import {type CopyMethods, copySide} from './copy-side.js'
import {acrossApis} from '../manage/cross-copy.js'
import type {CopyVia, StreamReason} from '../transfer/remote-copy.js'

/**
 * One side of a mirror, as the command resolved it: a local folder, or a folder in a drive (a
 * location: the command's drive, another drive, another login's). `shown` is the argument as
 * written, for messages.
 */
export type SyncEnd = {kind: 'local'; path: string; shown: string} | {kind: 'remote'; drive: Drive; path: string; shown: string}

export interface SyncOptions {
  /** Local or remote; at least one side is remote (both remote: a copy between drives or logins). */
  source: SyncEnd
  dest: SyncEnd
  dryRun?: boolean
  compare: CompareMode
  filter: FilterRules
  /** More deletions than this: none happen, the transfers do, exit 6. */
  maxDelete?: number
  /** Let an empty SOURCE empty a DEST that has files. */
  allowEmptySource?: boolean
  /** Where old versions and deleted entries go instead (on DEST's side: its folder, or a folder in DEST's location). */
  backupDir?: SyncEnd
  removal: RemovalMethod
  transfers?: number
  rapid: boolean
  partSize?: number
  internalUpload?: boolean
  resume?: ResumeStore
  livp: LivpFormat
  /** Downloads: remote entries of one folder that would land on one local name (as `get -r`). */
  onClash?: ClashMode
  /** Downloads: the target's name rules; default: `landingRules` (probed, or ALIPAN_LOCAL_NAMES). */
  landing?: LandingRules
  /** Downloads: most Range streams per large file. */
  streams?: number
  /** `--bwlimit`: one bucket for the whole run, uploads and downloads alike. */
  bandwidth?: BandwidthLimiter
  followLinks?: boolean
  signal?: AbortSignal
  events?: SyncEvents
}

export interface SyncEvents extends TransferEvents {
  /** A local entry left out on purpose (a FIFO, a symlink without -L): not a failure. */
  skipped?(path: string, reason: string): void
  /** An action finished (transfers also get `done`). */
  acted?(action: SyncActionResult): void
  /** A path that could not be read or written. */
  failed?(path: string, error: AlipanError): void
}

/** One action of the run, the `--json` shape (paths relative, POSIX separators). */
export interface SyncActionResult {
  action: 'new' | 'replace' | 'delete'
  type: 'file' | 'folder'
  path: string
  size: number
  /** Between two drives or logins: how the file went (rapid upload, or streamed), and why it was streamed. */
  via?: CopyVia
  reason?: StreamReason
  error?: {code: string; message: string}
}

export interface SyncResult {
  dry_run: boolean
  /** `copy`: both sides remote (another drive or login). */
  direction: Direction
  actions: SyncActionResult[]
  /** Local entries left out (FIFOs, sockets, devices, symlinks without -L). */
  skipped: Array<{path: string; skipped: true; reason: string}>
  /** Paths that could not be read (an unreadable folder, a link loop, a refused name). */
  errors: Array<{path: string; error: {code: string; message: string}}>
  /** Downloads: remote entries that lost a name clash, every run (they are part of the mirror under their numbered names, or left out with `--on-clash skip`). */
  clashes: SyncClash[]
  summary: {new: number; replaced: number; deleted: number; unchanged: number; failed: number; bytes: number; held_back: number}
  /** Why deletions were held back (a failed transfer, `--max-delete`), when they were. */
  held_back_reason?: string
}

export interface SyncClash {
  /** Where it lands (or would), relative to DEST. */
  path: string
  remote_path: string
  file_id: string
  type: 'file' | 'folder'
  kind: ClashKind
  reason: 'renamed_from_clash' | 'skipped_for_clash'
  kept_by: {file_id: string; path: string}
}

export interface SyncRun {
  result: SyncResult
  /** Every failure in order: the first sets the exit code. */
  failures: AlipanError[]
  /** A guard that held deletions back (`--max-delete`): exit 6 when nothing else failed. */
  guard?: AlipanError
}

/**
 * `sync SOURCE DEST`: make DEST an exact mirror of the contents of SOURCE. Walk both sides (one
 * listing per remote folder), judge files by size and time (SHA-1 only where those cannot tell),
 * plan, then carry the plan out: transfers first, deletions only once every transfer succeeded.
 */
export async function sync(options: SyncOptions): Promise<SyncRun> {
  const direction = directionOf(options.source, options.dest)
  const upload = direction === 'upload'
  const filter = await buildFilter(options.filter)
  const sides = upload ? await openUpload(options) : direction === 'download' ? await openDownload(options) : await openCopy(options)
  const walkOptions = {filter, signal: options.signal}
  const rules = direction === 'download' ? (options.landing ?? (await landingRules(sides.localRoot!))) : undefined
  const landing = rules && {name: (name: string, type: 'file' | 'folder', livePhoto: boolean) => landingName(name, type, livePhoto ? options.livp : undefined, rules), rules}
  const [source, dest] = await Promise.all([
    sides.sourceDrive ? walkRemote(sides.sourceDrive, sides.sourceRoot!, {...walkOptions, ...(landing ? {landing} : {})}) : walkLocal(sides.localRoot!, {...walkOptions, followLinks: options.followLinks}),
    sides.destDrive ? (sides.destRoot ? walkRemote(sides.destDrive, sides.destRoot, walkOptions) : emptyTree()) : sides.localExists ? walkLocal(sides.localRoot!, walkOptions) : emptyTree(),
  ])
  const failures: WalkFailure[] = [...source.failed, ...dest.failed]
  const clashes = settleClashes(source, options)
  // What could not be read, or was left out, on SOURCE is left alone on DEST: never deleted.
  // On a disk that ignores case (or Unicode form), `Photos/x (2).txt` is the `photos/x (2).txt`
  // left out: compared as the disk compares names, before keyLikeSource re-keys DEST.
  protect(dest, [...source.failed.map((f) => f.rel), ...source.skipped.map((s) => s.rel), ...clashes.filter((c) => c.reason === 'skipped_for_clash').map((c) => c.path)], rules)
  if (rules) {
    dropLegacyParts(source, dest)
    keyLikeSource(source, dest, rules)
  }
  // Remote to remote: the service allows duplicate names, and a copy takes the newest of each.
  for (const twin of source.shadowed) source.skipped.push({rel: twin.rel, reason: 'another entry of the same name was taken'})
  for (const skip of source.skipped) options.events?.skipped?.(skip.rel, skip.reason)
  for (const failure of failures) options.events?.failed?.(failure.rel, failure.error)

  const refusal =
    countFiles(source) === 0 && countFiles(dest) > 0 && !options.allowEmptySource
      ? new ConflictError(`The source ${options.source.shown} is empty, and the destination has ${countFiles(dest)} files: refusing to delete them all.`, {
          code: 'EmptySource',
          hint: 'if the source is really meant to be empty (and not, say, an unmounted disk), pass --allow-empty-source',
        })
      : undefined
  // A dry run shows what the guard stops; a real run stops here, with DEST untouched.
  if (refusal && !options.dryRun) throw refusal

  // Between two drives both listings carry the SHA-1s: nothing to read. Otherwise a local file is
  // hashed as the remote side stores it (its SHA-1; for an encrypted location, its ciphertext
  // under the remote file's nonce), to compare with the listing's.
  const remote = upload ? {drive: sides.destDrive!, tree: dest} : {drive: sides.sourceDrive!, tree: source}
  const hashes = direction === 'copy' ? new Map<string, string>() : await hashLocalFiles(upload ? source : dest, remote, filesToHash(source, dest, options.compare), failures, options)
  protect(dest, failures.map((f) => f.rel))
  protect(source, failures.map((f) => f.rel))
  // Same bytes under a new time: re-created by rapid upload where that is free (nothing sent).
  const thePlan = plan(source, dest, {compare: options.compare, fixRemoteTimes: options.rapid && remote.drive.features.rapidUpload}, hashes)
  const maxDelete = options.maxDelete
  const guard =
    refusal ??
    (maxDelete !== undefined && thePlan.deleteEntries > maxDelete
      ? new ConflictError(`This run would delete ${thePlan.deleteEntries} entries, more than --max-delete ${maxDelete}: it deleted none.`, {code: 'MaxDelete', hint: 'check the source; raise --max-delete if those deletions are meant'})
      : undefined)

  const base = {direction, skipped: source.skipped.map((s) => ({path: s.rel, skipped: true as const, reason: s.reason})), errors: failures.map((f) => ({path: f.rel, error: {code: f.error.code, message: f.error.message}})), clashes}
  const leftOut = clashes.filter((c) => c.reason === 'skipped_for_clash').length
  // Left out on purpose: exit 6, after any real failure.
  const clashFailure = leftOut > 0 ? [clashSkipError(leftOut)] : []
  if (options.dryRun) {
    const actions = thePlan.actions.map((a) => describe(a))
    return {
      result: {dry_run: true, ...base, actions, summary: {...tally(thePlan, actions, failures.length), bytes: plannedBytes(thePlan.actions), held_back: guard ? countDeferred(thePlan) : 0}, ...(guard ? {held_back_reason: guard.message} : {})},
      failures: [...failures.map((f) => f.error), ...clashFailure],
      guard,
    }
  }

  const methods: CopyMethods = new Map()
  const remoteDest = sides.destDrive ? {drive: sides.destDrive, root: await sides.ensureRemoteRoot!(), folders: remoteFolders(dest), backupDir: sides.backupDir} : undefined
  const side =
    direction === 'upload'
      ? uploadSide({...options, ...remoteDest!})
      : direction === 'copy'
        ? copySide({...options, ...remoteDest!, from: sides.sourceDrive!}, methods)
        : downloadSide({...options, drive: sides.sourceDrive!, root: await sides.ensureLocalRoot!(), backupDir: sides.backupDir, slots: new Semaphore(DOWNLOAD_SLOTS), adoptLegacyPart: legacyPartOwner(source)})
  const run = await execute(thePlan, side, {
    transfers: Math.min(options.transfers ?? 4, direction === 'download' ? DOWNLOAD_SLOTS : 16),
    holdDeletions: guard,
    signal: options.signal,
    onDone: (action, bytes) => {
      if (action.type === 'file' && action.action !== 'delete') options.events?.done?.(`${action.action} ${action.rel}`, {size: action.size, rapid: direction !== 'download' && bytes === 0 && action.size > 0, bytes})
      options.events?.acted?.(describe(action, undefined, methods))
    },
    onFail: (action, error) => options.events?.fail?.(`${action.action} ${action.rel}`, error),
  })
  // In plan order (transfers finish in any order), so a run reads like its dry run.
  const order = new Map(thePlan.actions.map((a, i) => [a, i]))
  const outcomes = [...run.outcomes].sort((a, b) => (order.get(a.action) ?? 0) - (order.get(b.action) ?? 0))
  const actions = outcomes.map((o) => describe(o.action, o.error, methods))
  const summary = {...tally(thePlan, actions, failures.length), bytes: run.outcomes.reduce((n, o) => n + o.bytes, 0), held_back: run.heldBack.length}
  return {
    result: {dry_run: false, ...base, actions, summary, ...(run.holdReason ? {held_back_reason: run.holdReason.message} : {})},
    failures: [...failures.map((f) => f.error), ...run.outcomes.filter((o): o is ActionOutcome & {error: AlipanError} => o.error !== undefined).map((o) => o.error), ...clashFailure],
    guard,
  }
}

export type Direction = 'upload' | 'download' | 'copy'

/** A local SOURCE uploads, a local DEST downloads, two remote sides copy; two local ones are no mirror of ours. */
function directionOf(source: SyncEnd, dest: SyncEnd): Direction {
  if (source.kind === 'local' && dest.kind === 'local') {
    throw new UsageError('Neither SOURCE nor DEST is remote.', {
      hint: 'write the remote side with the alipan: prefix, e.g. `alipan sync ./data alipan:/backups/data` (upload) or `alipan sync alipan:/backups/data ./restore` (download)',
    })
  }
  return source.kind === 'local' ? 'upload' : dest.kind === 'local' ? 'download' : 'copy'
}

interface Sides {
  /** The local side, if there is one. */
  localRoot?: string
  localExists?: boolean
  sourceDrive?: Drive
  sourceRoot?: RemoteEntry
  destDrive?: Drive
  destRoot?: RemoteEntry
  backupDir?: string
  ensureRemoteRoot?: () => Promise<RemoteEntry>
  ensureLocalRoot?: () => Promise<string>
}

async function openUpload(options: SyncOptions): Promise<Sides> {
  const source = options.source as Extract<SyncEnd, {kind: 'local'}>
  const localRoot = resolve(source.path)
  await requireLocalFolder(localRoot, source.shown)
  return {localRoot, ...(await openRemoteDest(options))}
}

/** Both sides remote: SOURCE must be a folder; DEST as for an upload. */
async function openCopy(options: SyncOptions): Promise<Sides> {
  const source = options.source as Extract<SyncEnd, {kind: 'remote'}>
  acrossApis(source.drive, (options.dest as Extract<SyncEnd, {kind: 'remote'}>).drive)
  const sourceRoot = await openRemoteSource(source)
  const dest = await openRemoteDest(options)
  const destPath = normalizeRemotePath((options.dest as Extract<SyncEnd, {kind: 'remote'}>).path)
  if (source.drive.place === dest.destDrive!.place && overlaps(sourceRoot.path, destPath)) {
    throw new UsageError(`SOURCE ${source.shown} and DEST ${options.dest.shown} overlap.`, {hint: 'mirror a folder into a place outside it'})
  }
  return {sourceDrive: source.drive, sourceRoot, ...dest}
}

/** Is one absolute remote path the other or inside it? */
function overlaps(a: string, b: string): boolean {
  const within = (x: string, y: string) => y === '/' || x === y || x.startsWith(`${y}/`)
  return within(a, b) || within(b, a)
}

/** A remote DEST (upload or copy): a folder or nothing yet; `--backup-dir` in the same location, beside it. */
async function openRemoteDest(options: SyncOptions): Promise<Sides> {
  const dest = options.dest as Extract<SyncEnd, {kind: 'remote'}>
  const drive = dest.drive
  const destPath = normalizeRemotePath(dest.path)
  let backupDir: string | undefined
  if (options.backupDir !== undefined) {
    if (options.backupDir.kind !== 'remote' || options.backupDir.drive !== drive) {
      throw new UsageError(`--backup-dir must be on the destination side: a remote path (alipan:/…) in DEST's location (${dest.shown}).`, {hint: 'old versions move there server-side, which works only within one drive'})
    }
    backupDir = normalizeRemotePath(options.backupDir.path)
    if (overlaps(backupDir, destPath)) throw new UsageError(`--backup-dir ${backupDir} overlaps the destination ${destPath}.`, {hint: 'put backups beside the mirror, e.g. alipan:/backups/old/2026-12-01'})
  }
  const destRoot = await drive.tryStat(destPath)
  if (destRoot && destRoot.type !== 'folder') throw new UsageError(`The destination ${destPath} is a file, not a folder.`)
  return {destDrive: drive, destRoot, backupDir, ensureRemoteRoot: async () => destRoot ?? drive.mkdirp(destPath)}
}

async function openRemoteSource(source: Extract<SyncEnd, {kind: 'remote'}>): Promise<RemoteEntry> {
  const root = await source.drive.stat(source.path)
  if (root.type !== 'folder') throw new UsageError(`The source ${root.path} is a file; sync mirrors folders.`, {hint: 'use `alipan get` (or `alipan cp`) for a single file'})
  return root
}

async function openDownload(options: SyncOptions): Promise<Sides> {
  const source = options.source as Extract<SyncEnd, {kind: 'remote'}>
  const dest = options.dest as Extract<SyncEnd, {kind: 'local'}>
  const sourceRoot = await openRemoteSource(source)
  const localRoot = resolve(dest.path)
  const info = await stat(localRoot).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw asLocalFsError(error, localRoot, 'reading')
  })
  if (info && !info.isDirectory()) throw new UsageError(`The destination ${dest.shown} is a file, not a folder.`)
  let backupDir: string | undefined
  if (options.backupDir !== undefined) {
    if (options.backupDir.kind !== 'local') throw new UsageError('--backup-dir must be on the destination side: a local path for a download.')
    backupDir = resolve(options.backupDir.path)
    if (isWithin(backupDir, localRoot) || isWithin(localRoot, backupDir)) throw new UsageError(`--backup-dir ${options.backupDir.shown} overlaps the destination ${dest.shown}.`)
  }
  return {
    localRoot,
    localExists: info !== undefined,
    sourceDrive: source.drive,
    sourceRoot,
    backupDir,
    ensureLocalRoot: async () => {
      await makeDir(localRoot)
      return localRoot
    },
  }
}

async function requireLocalFolder(path: string, shown: string): Promise<void> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No such local folder: ${shown}`, {hint: 'check the path (is the disk mounted?)'})
    throw asLocalFsError(error, path, 'reading')
  }
  if (!info.isDirectory()) throw new UsageError(`The source ${shown} is a file; sync mirrors folders.`, {hint: 'use `alipan put` for a single file'})
}

/**
 * Downloads: the entries that lost a name clash, reported (events and `--json`) on every run.
 * `fail` stops the run before anything changes; `skip` takes them (and what a folder holds) out
 * of SOURCE, and the caller leaves their DEST paths alone.
 */
function settleClashes(source: Tree, options: SyncOptions): SyncClash[] {
  if (source.clashes.length === 0) return []
  const mode = options.onClash ?? 'rename'
  if (mode === 'fail') throw clashRefusal(source.clashes.map((node) => node.entry!.path))
  const reports = source.clashes.map((node): SyncClash => {
    const {kind, keeper, keeperRel} = node.clash!
    const report: SyncClash = {path: node.rel, remote_path: node.entry!.path, file_id: node.entry!.file_id, type: node.type, kind, reason: mode === 'skip' ? 'skipped_for_clash' : 'renamed_from_clash', kept_by: {file_id: keeper.file_id, path: keeperRel}}
    options.events?.clash?.(node.entry!.path, {kind, localPath: report.path, keptBy: keeperRel, skipped: mode === 'skip'})
    return report
  })
  if (mode === 'skip') for (const rel of [...source.nodes.keys()]) if (source.clashes.some((node) => isWithin(rel, node.rel))) source.nodes.delete(rel)
  return reports
}

/**
 * Drop DEST nodes at or under these paths: whatever they are, this run leaves them alone. With a
 * local DEST's name rules, paths are compared as that disk compares them (case, Unicode form).
 */
function protect(tree: Tree, rels: readonly string[], rules: NameRules = EXACT_NAMES): void {
  if (rels.length === 0) return
  const folded = rels.map((r) => foldRel(r, rules))
  const kept = (rel: string) => !folded.some((r) => isWithin(foldRel(rel, rules), r))
  for (const rel of [...tree.nodes.keys()]) if (!kept(rel)) tree.nodes.delete(rel)
  tree.shadowed = tree.shadowed.filter((node) => kept(node.rel))
}

/** The hash of each local file whose size and time cannot tell, as the remote side would store it; a file that cannot be read fails alone. */
async function hashLocalFiles(localTree: Tree, remote: {drive: Drive; tree: Tree}, rels: string[], failures: WalkFailure[], options: SyncOptions): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  await runPool(rels, 2, options.signal, async (rel) => {
    const node = localTree.nodes.get(rel)!
    const counterpart = remote.tree.nodes.get(rel)!.entry!
    const label = `check ${rel}`
    options.events?.start?.(label, node.size)
    try {
      let done = 0
      hashes.set(rel, await remote.drive.localHash(counterpart, node.path!, node.size, {signal: options.signal, onBytes: (n) => options.events?.progress?.(label, {phase: 'hash', done: (done += n), total: node.size})}))
    } catch (error) {
      if (isAbortError(error)) throw error
      // Gone since the walk, or unreadable: that file fails alone, as in put.
      const local = localFailure(error, node.path!)
      const failure = local instanceof AlipanError ? local : new AlipanError(`Reading ${node.path} failed: ${(error as Error).message}`, ExitCode.unexpected, {cause: error})
      failures.push({rel, error: failure})
      options.events?.failed?.(rel, failure)
    } finally {
      options.events?.dismiss?.(label)
    }
  })
  return hashes
}

function remoteFolders(tree: Tree): Map<string, RemoteEntry> {
  const folders = new Map<string, RemoteEntry>()
  for (const node of tree.nodes.values()) if (node.type === 'folder' && node.entry) folders.set(node.rel, node.entry)
  return folders
}

function describe(action: SyncAction, error?: AlipanError, methods?: CopyMethods): SyncActionResult {
  return {action: action.action, type: action.type, path: action.rel, size: action.size, ...methods?.get(action), ...(error ? {error: {code: error.code, message: error.message}} : {})}
}

function tally(thePlan: Plan, actions: SyncActionResult[], walkFailures: number) {
  const done = actions.filter((a) => !a.error)
  return {
    new: done.filter((a) => a.action === 'new').length,
    replaced: done.filter((a) => a.action === 'replace').length,
    deleted: done.filter((a) => a.action === 'delete').length,
    unchanged: thePlan.unchanged,
    failed: actions.length - done.length + walkFailures,
  }
}

function countDeferred(thePlan: Plan): number {
  return thePlan.actions.filter((a) => a.action === 'delete' || a.reason === 'type').length
}
