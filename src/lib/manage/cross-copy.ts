import type {CheckNameMode} from '../api/wire.js'
import type {AlipanApi, Drive, RemoteEntry} from '../drive/drive.js'
import {joinRemotePath} from '../drive/remote-path.js'
import {AlipanError, ConflictError, ExitCode, UsageError} from '../errors.js'
import {isFatal, runPool} from '../files/pool.js'
import {walkRemote} from '../files/remote-walk.js'
import {parentRel} from '../files/tree.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {type CopyVia, type StreamReason, copyRemoteFile} from '../transfer/remote-copy.js'

/** How `cp` copies between two drives or logins (the Open API copies within one drive only). */
export interface AcrossOptions {
  /** Rapid upload first (default); off: every file's bytes are streamed through this machine. */
  rapid: boolean
  /** Files copied at once inside a folder. */
  transfers?: number
  partSize?: number
  bandwidth?: BandwidthLimiter
  /** Each file, as it lands (or fails). */
  onFile?(file: CopiedFile): void
}

/** One file of a copy between locations: the `files` of cp's `--json`. */
export interface CopiedFile {
  /** Its path in the source location. */
  source: string
  destination: string | null
  size: number
  content_hash: string | null
  file_id: string | null
  /** `rapid`: 8 bytes read, none sent. `stream`: the bytes went through this machine. */
  via: CopyVia | null
  /** Why it was streamed (rapid-off, no-hash, no-match, proof-refused). */
  reason?: StreamReason
  bytes_read: number
  bytes_uploaded: number
  /** Left out: another entry of the same name in the source folder was copied (the service allows duplicates). */
  skipped?: true
  error?: {code: string; message: string}
}

export type PlaceMode = 'plain' | 'overwrite' | 'rename'

export interface AcrossPlaced {
  fileId: string
  name: string
  files: CopiedFile[]
  /** The first file or folder inside that failed (the others went on). */
  failure?: AlipanError
}

/**
 * Both drives' own endpoints: a copy between drives goes by rapid upload (the source's SHA-1 and 8
 * of its bytes), else by streaming the stored bytes, which only works between drives that store
 * files as they are. A drive that maps names or bytes (an encrypted location) has none.
 */
export function acrossApis(from: Drive, to: Drive): {from: AlipanApi; to: AlipanApi} {
  if (!from.api || !to.api) {
    throw new UsageError('Copying file by file to or from an encrypted location is not supported (within one, cp copies server-side).', {
      hint: 'download with `alipan get` (or `sync` down) and upload with `alipan put` (or `sync` up)',
    })
  }
  return {from: from.api, to: to.api}
}

/**
 * Copy `src` (a file or a whole folder, in drive `from`) into `folder` of drive `to` under `name`.
 * A file: by rapid upload, else streamed (remote-copy.ts). A folder: a fresh folder, filled level
 * by level with its folders and then its files, `transfers` at a time; a file that fails fails
 * alone. `plain` refuses a name that is taken; `rename` takes a free numbered name; `overwrite`
 * places the new entry beside the old one (the caller then trashes the old), a folder filled
 * under a free name first and given the name only once complete.
 */
export async function copyAcross(
  from: Drive,
  src: RemoteEntry,
  to: Drive,
  folder: RemoteEntry,
  name: string,
  mode: PlaceMode,
  existing: RemoteEntry | undefined,
  options: AcrossOptions & {signal?: AbortSignal},
): Promise<AcrossPlaced> {
  acrossApis(from, to)
  if (src.type === 'file') {
    const checkNameMode: CheckNameMode = mode === 'overwrite' ? 'ignore' : mode === 'rename' ? 'auto_rename' : 'refuse'
    const file = await copyOneFile(from, src, to, folder, name, checkNameMode, existing ? [existing.file_id] : [], options)
    options.onFile?.(file)
    return {fileId: file.file_id!, name: file.destination!.slice(file.destination!.lastIndexOf('/') + 1), files: [file]}
  }
  return copyFolder(from, src, to, folder, name, mode, options)
}

async function copyOneFile(
  from: Drive,
  entry: RemoteEntry,
  to: Drive,
  folder: RemoteEntry,
  name: string,
  checkNameMode: CheckNameMode,
  occupants: string[],
  options: AcrossOptions & {signal?: AbortSignal},
): Promise<CopiedFile> {
  const outcome = await copyRemoteFile(
    from,
    entry,
    {client: to.api!.client, driveId: to.api!.driveId, parentId: folder.file_id, name, checkNameMode, occupants},
    {rapid: options.rapid, partSize: options.partSize, bandwidth: options.bandwidth, signal: options.signal},
  )
  const target = joinRemotePath(folder.path, name)
  if (outcome.status === 'exists') throw new ConflictError(`${target} appeared during the copy; left alone.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
  const placed = outcome.file.name ?? name
  to.forget(joinRemotePath(folder.path, placed))
  return {
    source: entry.path,
    destination: joinRemotePath(folder.path, placed),
    size: entry.size,
    content_hash: outcome.file.content_hash?.toUpperCase() ?? null,
    file_id: outcome.file.file_id,
    via: outcome.via,
    ...(outcome.reason ? {reason: outcome.reason} : {}),
    bytes_read: outcome.bytesRead,
    bytes_uploaded: outcome.bytesSent,
  }
}

async function copyFolder(from: Drive, src: RemoteEntry, to: Drive, folder: RemoteEntry, name: string, mode: PlaceMode, options: AcrossOptions & {signal?: AbortSignal}): Promise<AcrossPlaced> {
  const tree = await walkRemote(from, src, {signal: options.signal})
  const fresh = mode === 'plain' ? name : await freeName(to, folder, name)
  const made = await to.createFolderIn(folder, fresh)
  if (!made.created && !made.resent) throw new ConflictError(`${made.entry.path} already exists.`, {hint: 'choose with --on-conflict skip|overwrite|rename'})
  const top = made.entry
  const files: CopiedFile[] = []
  let failure: AlipanError | undefined
  const failed = (path: string, error: unknown, size = 0): void => {
    if (!(error instanceof AlipanError) || isFatal(error)) throw error
    failure ??= error
    const file: CopiedFile = {source: path, destination: null, size, content_hash: null, file_id: null, via: null, bytes_read: 0, bytes_uploaded: 0, error: {code: error.code, message: error.message}}
    files.push(file)
    options.onFile?.(file)
  }

  const folders = new Map<string, RemoteEntry>([['', top]])
  for (const node of tree.nodes.values()) {
    if (node.type !== 'folder') continue
    const parent = folders.get(parentRel(node.rel))
    if (!parent) continue // its parent failed, and that was reported
    try {
      folders.set(node.rel, (await to.createFolderIn(parent, node.entry!.name)).entry)
    } catch (error) {
      failed(node.entry!.path, error)
    }
  }
  const fileNodes = [...tree.nodes.values()].filter((node) => node.type === 'file')
  await runPool(fileNodes, options.transfers ?? 4, options.signal, async (node) => {
    const parent = folders.get(parentRel(node.rel))
    if (!parent) return failed(node.entry!.path, new AlipanError(`Not copied: its folder could not be created.`, ExitCode.unexpected, {code: 'ParentFailed'}), node.size)
    try {
      const file = await copyOneFile(from, node.entry!, to, parent, node.entry!.name, 'refuse', [], options)
      files.push(file)
      options.onFile?.(file)
    } catch (error) {
      failed(node.entry!.path, error, node.size)
    }
  })
  for (const twin of tree.shadowed) {
    files.push({source: twin.entry!.path, destination: null, size: twin.size, content_hash: twin.hash ?? null, file_id: null, via: null, bytes_read: 0, bytes_uploaded: 0, skipped: true})
  }
  for (const walkFailure of tree.failed) failed(joinRemotePath(src.path, walkFailure.rel), walkFailure.error)

  files.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
  // Overwrite: the full copy takes the name (beside the old one, which the caller then trashes).
  if (mode === 'overwrite' && !failure && top.name !== name) {
    const renamed = await to.rename(top, name, 'ignore')
    to.forget(top.path)
    return {fileId: top.file_id, name: renamed, files, failure}
  }
  return {fileId: top.file_id, name: top.name, files, failure}
}

/** `name`, else `name(1)`, `name(2)`… the first not taken in `folder` (the service's own numbering, §4.9). */
async function freeName(to: Drive, folder: RemoteEntry, name: string): Promise<string> {
  const taken = new Set((await to.list(folder)).map((entry) => entry.name))
  if (!taken.has(name)) return name
  for (let n = 1; ; n++) if (!taken.has(`${name}(${n})`)) return `${name}(${n})`
}
