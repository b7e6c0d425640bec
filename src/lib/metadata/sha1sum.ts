import type {Drive, RemoteEntry} from '../drive/drive.js'
import {remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ExitCode, UsageError} from '../errors.js'
import {type FilterRules, buildFilter} from '../files/filter.js'
import {landingName, landingRules} from '../files/landing.js'
import {walkRemote} from '../files/remote-walk.js'
import {isLivePhoto} from '../transfer/download.js'
import {safeLocalName} from '../transfer/local-names.js'

export interface Sha1sumOptions {
  paths: string[]
  /** Folders need it, as with `get`. */
  recursive?: boolean
  filter?: FilterRules
  signal?: AbortSignal
}

/** One file: the `--json` shape of `sha1sum`. */
export interface Sha1sumEntry {
  /** Where `alipan get` (into the current folder) writes it: what `sha1sum -c` opens. */
  path: string
  remote_path: string
  /** Lowercase hex, as sha1sum prints it. */
  sha1: string
  size: number
}

export interface Sha1sumRun {
  files: Sha1sumEntry[]
  /** Left out on purpose (live photos: get writes one of their streams, whose SHA-1 no listing carries). */
  skipped: Array<{remote_path: string; reason: string}>
  /** Entries that could not be listed (a name get refuses) or carry no SHA-1. */
  failures: Array<{remote_path: string; error: AlipanError}>
}

/**
 * `sha1sum PATH…`: the SHA-1s the listings carry, under the paths `alipan get` gives the files in
 * the current folder (a folder's own name first, as `get -r` creates it), so that
 * `sha1sum -c` accepts the output after a `get -r` of the same folder. Folders are read with the
 * walk `get -r` uses, so the two agree on every name (and on which of two same-named files is
 * taken). Nothing is downloaded.
 */
export async function sha1sums(drive: Drive, options: Sha1sumOptions): Promise<Sha1sumRun> {
  if (options.paths.length === 0) throw new UsageError('Give at least one remote path.')
  if (!drive.features.contentHash) {
    throw new UsageError('This location lists no SHA-1 of its files: what it lists is the SHA-1 of their encrypted bytes.', {hint: 'download them (`alipan get -r`) and run sha1sum on the copies; `alipan check` compares a local folder with it without downloading'})
  }
  // Every path first: a missing one (exit 3) or a folder without -r (exit 2) prints nothing.
  const targets: RemoteEntry[] = []
  for (const path of options.paths) {
    const entry = await drive.stat(remotePathArg(path))
    if (entry.type === 'folder' && !options.recursive) throw new UsageError(`${entry.path} is a folder.`, {hint: 'use -r to list the files in folders'})
    targets.push(entry)
  }
  const run: Sha1sumRun = {files: [], skipped: [], failures: []}
  const filter = await buildFilter(options.filter ?? {})
  for (const target of targets) {
    if (target.type === 'file') {
      add(run, target, safeLocalName(target.name))
      continue
    }
    const prefix = target.path === '/' ? '' : safeLocalName(target.name)
    // get -r into the current folder settles clashes by that disk's rules: the same names here.
    const rules = await landingRules(process.cwd())
    const landing = {name: (name: string, type: 'file' | 'folder', livePhoto: boolean) => landingName(name, type, livePhoto ? 'jpeg' : undefined, rules), rules}
    const tree = await walkRemote(drive, target, {filter, landing, signal: options.signal})
    for (const failure of tree.failed) run.failures.push({remote_path: joinPath(target.path, failure.rel), error: failure.error})
    for (const node of tree.nodes.values()) if (node.type === 'file') add(run, node.entry!, prefix ? `${prefix}/${node.rel}` : node.rel)
  }
  return run
}

function add(run: Sha1sumRun, entry: RemoteEntry, path: string): void {
  if (isLivePhoto(entry)) {
    run.skipped.push({remote_path: entry.path, reason: 'a live photo: get writes its jpeg or mov stream, and no listing carries that stream\'s SHA-1'})
    return
  }
  if (!entry.content_hash) {
    run.failures.push({remote_path: entry.path, error: new AlipanError(`${entry.path}: the listing carries no SHA-1 for it.`, ExitCode.unexpected, {code: 'NoContentHash'})})
    return
  }
  run.files.push({path, remote_path: entry.path, sha1: entry.content_hash.toLowerCase(), size: entry.size})
}

function joinPath(folder: string, rel: string): string {
  return folder === '/' ? `/${rel}` : `${folder}/${rel}`
}

/**
 * A line as GNU sha1sum writes it: `<hex>  <path>`. A path holding a backslash, a newline or a
 * carriage return is escaped and the line starts with `\`, which `sha1sum -c` reads back.
 */
export function sha1sumLine(sha1: string, path: string): string {
  if (!/[\\\n\r]/.test(path)) return `${sha1}  ${path}`
  return `\\${sha1}  ${path.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r')}`
}
