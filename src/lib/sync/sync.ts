import {stat} from 'node:fs/promises'
import {resolve} from 'node:path'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {hasRemotePrefix, normalizeRemotePath, stripRemotePrefix} from '../drive/remote-path.js'
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
import type {ClashKind} from '../files/name-clash.js'
import {walkRemote} from '../files/remote-walk.js'
import {type Tree, type WalkFailure, countFiles, emptyTree, isWithin} from '../files/tree.js'
import type {RemovalMethod} from '../manage/remove.js'
import {DOWNLOAD_SLOTS, type LivpFormat} from '../transfer/download.js'
import {sha1File} from '../transfer/hashing.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {ResumeStore} from '../transfer/resume-state.js'
import {Semaphore} from '../transfer/semaphore.js'
import {downloadSide} from './download-side.js'
import {dropLegacyParts, keyLikeSource, legacyPartOwner} from './local-dest.js'
import {type ActionOutcome, execute} from './execute.js'
import {type Plan, type SyncAction, filesToHash, plan, plannedBytes} from './plan.js'
import {uploadSide} from './upload-side.js'

export interface SyncOptions {
  /** `./data` or `alipan:/backups/data`: exactly one side is remote. */
  source: string
  dest: string
  dryRun?: boolean
  compare: CompareMode
  filter: FilterRules
  /** More deletions than this: none happen, the transfers do, exit 6. */
  maxDelete?: number
  /** Let an empty SOURCE empty a DEST that has files. */
  allowEmptySource?: boolean
  /** Where old versions and deleted entries go instead (on DEST's side). */
  backupDir?: string
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
  error?: {code: string; message: string}
}

export interface SyncResult {
  dry_run: boolean
  direction: 'upload' | 'download'
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
export async function sync(drive: Drive, options: SyncOptions): Promise<SyncRun> {
  const upload = sideOf(options.source, options.dest)
  const filter = await buildFilter(options.filter)
  const sides = upload ? await openUpload(drive, options) : await openDownload(drive, options)
  const walkOptions = {filter, signal: options.signal}
  const rules = upload ? undefined : (options.landing ?? (await landingRules(sides.localRoot)))
  const landing = rules && {name: (name: string, type: 'file' | 'folder') => landingName(name, type, options.livp, rules), rules}
  const [source, dest] = await Promise.all([
    upload ? walkLocal(sides.localRoot, {...walkOptions, followLinks: options.followLinks}) : walkRemote(drive, sides.remoteRoot!, {...walkOptions, landing}),
    upload ? (sides.remoteRoot ? walkRemote(drive, sides.remoteRoot, walkOptions) : emptyTree()) : sides.localExists ? walkLocal(sides.localRoot, walkOptions) : emptyTree(),
  ])
  const failures: WalkFailure[] = [...source.failed, ...dest.failed]
  const clashes = settleClashes(source, options)
  // What could not be read, or was left out, on SOURCE is left alone on DEST: never deleted.
  protect(dest, [...source.failed.map((f) => f.rel), ...source.skipped.map((s) => s.rel), ...clashes.filter((c) => c.reason === 'skipped_for_clash').map((c) => c.path)])
  if (rules) {
    dropLegacyParts(source, dest)
    keyLikeSource(source, dest, rules)
  }
  for (const skip of source.skipped) options.events?.skipped?.(skip.rel, skip.reason)
  for (const failure of failures) options.events?.failed?.(failure.rel, failure.error)

  const refusal =
    countFiles(source) === 0 && countFiles(dest) > 0 && !options.allowEmptySource
      ? new ConflictError(`The source ${options.source} is empty, and the destination has ${countFiles(dest)} files: refusing to delete them all.`, {
          code: 'EmptySource',
          hint: 'if the source is really meant to be empty (and not, say, an unmounted disk), pass --allow-empty-source',
        })
      : undefined
  // A dry run shows what the guard stops; a real run stops here, with DEST untouched.
  if (refusal && !options.dryRun) throw refusal

  const hashes = await hashLocalFiles(upload ? source : dest, filesToHash(source, dest, options.compare), failures, options)
  protect(dest, failures.map((f) => f.rel))
  protect(source, failures.map((f) => f.rel))
  const thePlan = plan(source, dest, {compare: options.compare, fixRemoteTimes: options.rapid}, hashes)
  const maxDelete = options.maxDelete
  const guard =
    refusal ??
    (maxDelete !== undefined && thePlan.deleteEntries > maxDelete
      ? new ConflictError(`This run would delete ${thePlan.deleteEntries} entries, more than --max-delete ${maxDelete}: it deleted none.`, {code: 'MaxDelete', hint: 'check the source; raise --max-delete if those deletions are meant'})
      : undefined)

  const base = {direction: upload ? ('upload' as const) : ('download' as const), skipped: source.skipped.map((s) => ({path: s.rel, skipped: true as const, reason: s.reason})), errors: failures.map((f) => ({path: f.rel, error: {code: f.error.code, message: f.error.message}})), clashes}
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

  const side = upload ? uploadSide({...options, drive, root: await sides.ensureRemoteRoot!(), folders: remoteFolders(dest), backupDir: sides.backupDir}) : downloadSide({...options, drive, root: await sides.ensureLocalRoot!(), backupDir: sides.backupDir, slots: new Semaphore(DOWNLOAD_SLOTS), adoptLegacyPart: legacyPartOwner(source)})
  const run = await execute(thePlan, side, {
    transfers: Math.min(options.transfers ?? 4, upload ? 16 : DOWNLOAD_SLOTS),
    holdDeletions: guard,
    signal: options.signal,
    onDone: (action, bytes) => {
      if (action.type === 'file' && action.action !== 'delete') options.events?.done?.(`${action.action} ${action.rel}`, {size: action.size, rapid: upload && bytes === 0 && action.size > 0, bytes})
      options.events?.acted?.(describe(action))
    },
    onFail: (action, error) => options.events?.fail?.(`${action.action} ${action.rel}`, error),
  })
  // In plan order (transfers finish in any order), so a run reads like its dry run.
  const order = new Map(thePlan.actions.map((a, i) => [a, i]))
  const outcomes = [...run.outcomes].sort((a, b) => (order.get(a.action) ?? 0) - (order.get(b.action) ?? 0))
  const actions = outcomes.map((o) => describe(o.action, o.error))
  const summary = {...tally(thePlan, actions, failures.length), bytes: run.outcomes.reduce((n, o) => n + o.bytes, 0), held_back: run.heldBack.length}
  return {
    result: {dry_run: false, ...base, actions, summary, ...(run.holdReason ? {held_back_reason: run.holdReason.message} : {})},
    failures: [...failures.map((f) => f.error), ...run.outcomes.filter((o): o is ActionOutcome & {error: AlipanError} => o.error !== undefined).map((o) => o.error), ...clashFailure],
    guard,
  }
}

/** `alipan:` marks the remote side; exactly one side must carry it. True: an upload. */
function sideOf(source: string, dest: string): boolean {
  const remoteSource = hasRemotePrefix(source)
  const remoteDest = hasRemotePrefix(dest)
  if (remoteSource === remoteDest) {
    throw new UsageError(remoteSource ? 'Both SOURCE and DEST are remote.' : 'Neither SOURCE nor DEST is remote.', {
      hint: 'write the remote side with the alipan: prefix, e.g. `alipan sync ./data alipan:/backups/data` (upload) or `alipan sync alipan:/backups/data ./restore` (download)',
    })
  }
  return remoteDest
}

interface Sides {
  localRoot: string
  localExists?: boolean
  remoteRoot?: RemoteEntry
  backupDir?: string
  ensureRemoteRoot?: () => Promise<RemoteEntry>
  ensureLocalRoot?: () => Promise<string>
}

async function openUpload(drive: Drive, options: SyncOptions): Promise<Sides> {
  const localRoot = resolve(options.source)
  await requireLocalFolder(localRoot, options.source)
  const destPath = normalizeRemotePath(options.dest)
  let backupDir: string | undefined
  if (options.backupDir !== undefined) {
    if (!hasRemotePrefix(options.backupDir)) throw new UsageError('--backup-dir must be on the destination side: a remote path (alipan:/…) for an upload.')
    backupDir = normalizeRemotePath(options.backupDir)
    if (isWithin(backupDir, destPath) || isWithin(destPath, backupDir)) throw new UsageError(`--backup-dir ${backupDir} overlaps the destination ${destPath}.`, {hint: 'put backups beside the mirror, e.g. alipan:/backups/old/2026-12-01'})
  }
  const remoteRoot = await drive.tryStat(destPath)
  if (remoteRoot && remoteRoot.type !== 'folder') throw new UsageError(`The destination ${destPath} is a file, not a folder.`)
  return {localRoot, remoteRoot, backupDir, ensureRemoteRoot: async () => remoteRoot ?? drive.mkdirp(destPath)}
}

async function openDownload(drive: Drive, options: SyncOptions): Promise<Sides> {
  const remoteRoot = await drive.stat(stripRemotePrefix(options.source))
  if (remoteRoot.type !== 'folder') throw new UsageError(`The source ${remoteRoot.path} is a file; sync mirrors folders.`, {hint: 'use `alipan get` for a single file'})
  const localRoot = resolve(options.dest)
  const info = await stat(localRoot).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw asLocalFsError(error, localRoot, 'reading')
  })
  if (info && !info.isDirectory()) throw new UsageError(`The destination ${options.dest} is a file, not a folder.`)
  let backupDir: string | undefined
  if (options.backupDir !== undefined) {
    if (hasRemotePrefix(options.backupDir)) throw new UsageError('--backup-dir must be on the destination side: a local path for a download.')
    backupDir = resolve(options.backupDir)
    if (isWithin(backupDir, localRoot) || isWithin(localRoot, backupDir)) throw new UsageError(`--backup-dir ${options.backupDir} overlaps the destination ${options.dest}.`)
  }
  return {
    localRoot,
    localExists: info !== undefined,
    remoteRoot,
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

/** Drop DEST nodes at or under these paths: whatever they are, this run leaves them alone. */
function protect(tree: Tree, rels: readonly string[]): void {
  if (rels.length === 0) return
  for (const rel of [...tree.nodes.keys()]) if (rels.some((r) => isWithin(rel, r))) tree.nodes.delete(rel)
  tree.shadowed = tree.shadowed.filter((node) => !rels.some((r) => isWithin(node.rel, r)))
}

/** SHA-1 of the local files whose size and time cannot tell; a file that cannot be read fails alone. */
async function hashLocalFiles(localTree: Tree, rels: string[], failures: WalkFailure[], options: SyncOptions): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  await runPool(rels, 2, options.signal, async (rel) => {
    const node = localTree.nodes.get(rel)!
    const label = `check ${rel}`
    options.events?.start?.(label, node.size)
    try {
      let done = 0
      hashes.set(rel, await sha1File(node.path!, node.size, {signal: options.signal, onBytes: (n) => options.events?.progress?.(label, {phase: 'hash', done: (done += n), total: node.size})}))
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

function describe(action: SyncAction, error?: AlipanError): SyncActionResult {
  return {action: action.action, type: action.type, path: action.rel, size: action.size, ...(error ? {error: {code: error.code, message: error.message}} : {})}
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
