import {AlipanError, ExitCode, UsageError, asLocalFsError, isAbortError} from '../errors.js'
import type {TransferEvents} from '../files/events.js'
import {type FilterRules, type PathFilter, buildFilter} from '../files/filter.js'
import {type LandingRules, landingName, landingRules} from '../files/landing.js'
import {walkLocal} from '../files/local-walk.js'
import {runPool} from '../files/pool.js'
import {walkRemote} from '../files/remote-walk.js'
import {type Tree, type WalkFailure, emptyTree, isWithin} from '../files/tree.js'
import {type LivpFormat, isLivePhoto} from '../transfer/download.js'
import type {Drive} from '../drive/drive.js'
import {type CheckKind, type CheckLine, type CheckRules, compareTrees, localFilesToHash} from './check-compare.js'
import {type CheckSide, type DriveResolver, isRemoteArgument, resolveSide} from './check-sides.js'

export interface CheckOptions extends CheckRules {
  /** A local path or a location (`alipan:/PATH`, `vault:/PATH`…); at least one side is remote. */
  source: string
  dest: string
  /** Which arguments are locations (the command's resolver knows its encrypted locations); default: alipan… only. */
  isRemote?: (argument: string) => boolean
  filter: FilterRules
  /** `-L`: follow local symlinks, as `sync -L` does. */
  followLinks?: boolean
  /** The stream a live photo was downloaded as (the `livp-format` setting), as sync names it. */
  livp: LivpFormat
  signal?: AbortSignal
  events?: CheckEvents
}

export interface CheckEvents extends Pick<TransferEvents, 'start' | 'progress' | 'dismiss'> {
  /** Both sides are being read (listings, local folders). */
  reading?(): void
  /** Hashing `files` local files of `bytes` in all begins. */
  hashing?(files: number, bytes: number): void
  /** Left out on purpose (a FIFO, a symlink without -L): not compared, not a failure. */
  skipped?(path: string, reason: string): void
  /** Something to say about the whole comparison (two remote sides with no common hash). */
  note?(message: string): void
}

/** The `--json` shape of `check`: the counts and every list (paths relative, `/` separators; folders end in `/`). */
export interface CheckResult {
  source: string
  dest: string
  summary: {differences: number; match: number; differ: number; missing_on_src: number; missing_on_dst: number; errors: number}
  match: string[]
  differ: string[]
  missing_on_src: string[]
  missing_on_dst: string[]
  errors: Array<{path: string; error: {code: string; message: string}}>
  skipped: Array<{path: string; reason: string}>
  /** Remote names held by more than one entry: the walk compared one of them (see `alipan dedupe`). */
  duplicates: string[]
}

export interface CheckRun {
  result: CheckResult
  /** Every line, in path order: what `--combined` writes. */
  lines: CheckLine[]
  /** The `!` lines' errors, in path order: the first sets the exit code. */
  failures: AlipanError[]
}

/** Local files hashed at once: small files are bound by the round trip of open/read/close, not by SHA-1. */
const HASHING = 4

/**
 * `check SRC DST`: compare two trees by size and SHA-1 without downloading anything. Both sides
 * are walked exactly as `sync` walks them (one listing per remote folder, the same filters and
 * names); a remote file's SHA-1 is in its listing, a local file is read once to hash it, and
 * only when its size matches the other side's (with --size-only, never).
 */
export async function check(driveFor: DriveResolver, options: CheckOptions): Promise<CheckRun> {
  const isRemote = options.isRemote ?? isRemoteArgument
  if (!isRemote(options.source) && !isRemote(options.dest)) {
    throw new UsageError('Neither SOURCE nor DEST is remote.', {hint: 'write the remote side with the alipan: prefix, e.g. `alipan check ./data alipan:/backups/data` (or alipan@PROFILE:/…, alipan,drive=TYPE:/…, NAME:/… for an encrypted location)'})
  }
  const filter = await buildFilter(options.filter)
  const source = await resolveSide(options.source, driveFor, isRemote)
  const dest = await resolveSide(options.dest, driveFor, isRemote)
  if (source.type !== dest.type) {
    throw new UsageError(`${options.source} is a ${source.type} and ${options.dest} a ${dest.type}: check compares a file with a file, or a folder with a folder.`)
  }
  options.events?.reading?.()
  // A download's direction: DEST's name rules, probed before the walks, which would see the probe's scratch file.
  const landing = source.kind !== 'local' && source.type === 'folder' && dest.kind === 'local' ? await landingRules(dest.path) : undefined
  const [src, dst] = await Promise.all([walk(source, dest, source.name, filter, options, landing), walk(dest, source, source.name, filter, options)])

  const failures: WalkFailure[] = [...src.failed, ...dst.failed]
  // A live photo downloaded as its jpeg or mov stream: the listing's SHA-1 is of the .livp.
  for (const node of src.nodes.values()) {
    if (node.type === 'file' && node.entry && dest.kind === 'local' && isLivePhoto(node.entry)) {
      failures.push({rel: node.rel, error: new AlipanError(`${node.rel}: a live photo, stored locally as its ${options.livp} stream, whose SHA-1 no listing carries.`, ExitCode.unexpected, {code: 'LivePhoto', hint: 'compare it by hand, or leave it out with --exclude "*.livp"'})})
    }
  }
  const skipped = [...src.skipped, ...dst.skipped]
  for (const skip of skipped) options.events?.skipped?.(skip.rel, skip.reason)

  const rules: CheckRules = {sizeOnly: options.sizeOnly, oneWay: options.oneWay}
  // Two listings compare by SHA-1 only when both list the files' own SHA-1 (an encrypted
  // location lists its ciphertext's, under a nonce of each file's own): else by size, as rclone does.
  if (source.kind === 'remote' && dest.kind === 'remote' && !rules.sizeOnly && !(source.drive.features.contentHash && dest.drive.features.contentHash)) {
    rules.sizeOnly = true
    options.events?.note?.(`${options.source} and ${options.dest} have no hash in common (an encrypted location lists the SHA-1 of its ciphertext): files are compared by size only.`)
  }
  const fenced = (rel: string) => [...failures.map((f) => f.rel), ...skipped.map((s) => s.rel)].some((r) => isWithin(rel, r))
  const toHash = localFilesToHash(src, dst, rules).filter((node) => !fenced(node.rel))
  // A local file is hashed as the remote side stores it, to compare with that side's listing.
  const remote = source.kind === 'remote' ? {drive: source.drive, tree: src} : dest.kind === 'remote' ? {drive: dest.drive, tree: dst} : undefined
  const hashes = await hashLocal(toHash, remote!, failures, options)

  const lines = compareTrees(src, dst, rules, hashes, failures, skipped.map((s) => s.rel))
  const of = (kind: CheckKind) => lines.filter((l) => l.kind === kind).map((l) => l.path)
  const errorLines = lines.filter((l) => l.kind === 'error')
  const result: CheckResult = {
    source: options.source,
    dest: options.dest,
    summary: {differences: 0, match: 0, differ: 0, missing_on_src: 0, missing_on_dst: 0, errors: errorLines.length},
    match: of('match'),
    differ: of('differ'),
    missing_on_src: of('missing_on_src'),
    missing_on_dst: of('missing_on_dst'),
    errors: errorLines.map((l) => ({path: l.path, error: {code: l.error!.code, message: l.error!.message}})),
    skipped: skipped.map((s) => ({path: s.rel, reason: s.reason})),
    duplicates: [...new Set([...src.shadowed, ...dst.shadowed].map((n) => n.rel))].sort(),
  }
  result.summary.match = result.match.length
  result.summary.differ = result.differ.length
  result.summary.missing_on_src = result.missing_on_src.length
  result.summary.missing_on_dst = result.missing_on_dst.length
  result.summary.differences = result.differ.length + result.missing_on_src.length + result.missing_on_dst.length
  return {result, lines, failures: errorLines.map((l) => l.error!)}
}

/**
 * One side, walked as `sync` walks it. A remote SRC compared with a local DST (a download's
 * direction) takes the names `get` gives files locally, as sync's download does; a file named on
 * the command line is a tree of that one file, under SRC's name, so the two pair up.
 */
async function walk(side: CheckSide, other: CheckSide, fileKey: string, filter: PathFilter, options: CheckOptions, rules?: LandingRules): Promise<Tree> {
  if (side.type === 'file') return singleFile(side, fileKey)
  if (side.kind === 'local') return walkLocal(side.path, {filter, followLinks: options.followLinks, signal: options.signal})
  const downloaded = other.kind === 'local' && side.argument === options.source
  if (!downloaded || !rules) return walkRemote(side.drive, side.entry, {filter, signal: options.signal})
  // The names get and sync give the files on that disk, clashes settled the same way (name-clash.ts).
  const landing = {name: (name: string, type: 'file' | 'folder', livePhoto: boolean) => landingName(name, type, livePhoto ? options.livp : undefined, rules), rules}
  return walkRemote(side.drive, side.entry, {filter, signal: options.signal, landing})
}

function singleFile(side: CheckSide, rel: string): Tree {
  const tree = emptyTree()
  if (side.kind === 'local') tree.nodes.set(rel, {rel, type: 'file', size: side.size, mtimeMs: side.mtimeMs, path: side.path})
  else tree.nodes.set(rel, {rel, type: 'file', size: side.entry.size, hash: side.entry.content_hash, entry: side.entry})
  return tree
}

/** SHA-1 of each local file that needs one; a file that cannot be read is a `!` line, and the rest goes on. */
async function hashLocal(nodes: ReturnType<typeof localFilesToHash>, remote: {drive: Drive; tree: Tree}, failures: WalkFailure[], options: CheckOptions): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  options.events?.hashing?.(nodes.length, nodes.reduce((n, node) => n + node.size, 0))
  await runPool(nodes, HASHING, options.signal, async (node) => {
    const label = `hash ${node.rel}`
    options.events?.start?.(label, node.size)
    try {
      let done = 0
      const counterpart = remote.tree.nodes.get(node.rel)!.entry!
      hashes.set(node.rel, await remote.drive.localHash(counterpart, node.path!, node.size, {signal: options.signal, onBytes: (n) => options.events?.progress?.(label, {phase: 'hash', done: (done += n), total: node.size})}))
    } catch (error) {
      if (isAbortError(error)) throw error
      failures.push({rel: node.rel, error: readFailure(error, node.path!)})
    } finally {
      options.events?.dismiss?.(label)
    }
  })
  return hashes
}

function readFailure(error: unknown, path: string): AlipanError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new AlipanError(`${path} disappeared before it could be hashed.`, ExitCode.notFound, {code: 'LocalFileGone', hint: 'run the check again'})
  const local = asLocalFsError(error, path, 'reading')
  return local instanceof AlipanError ? local : new AlipanError(`Reading ${path} failed: ${(error as Error).message}`, ExitCode.unexpected, {cause: error})
}
