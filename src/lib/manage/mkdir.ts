import type {Drive} from '../drive/drive.js'
import {normalizeRemotePath, parentAndName, remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ConflictError, NotFoundError, UsageError, throwIfAborted} from '../errors.js'
import {isFatal} from '../files/pool.js'

export interface MkdirOptions {
  paths: string[]
  /** `-p`: create missing parents; an existing folder is fine. */
  parents?: boolean
  signal?: AbortSignal
  /** A path that failed; the others go on. Fatal errors (auth, network) throw instead. */
  onError?: (path: string, error: AlipanError) => void
}

/** One result per path: the `--json` shape of `mkdir`. */
export interface MkdirResult {
  path: string
  file_id: string | null
  /** False when the folder was already there (`-p`). */
  created: boolean
  error?: {code: string; message: string}
}

/**
 * `mkdir [-p]`. Folders are created with `check_name_mode: refuse`, which answers an existing
 * entry's id with `exist: true` (§4.9): without -p that is a clash (exit 6), with -p an existing
 * folder is success. A file in the way is a clash either way.
 */
export async function mkdir(drive: Drive, options: MkdirOptions): Promise<MkdirResult[]> {
  if (options.paths.length === 0) throw new UsageError('Give at least one folder to create.')
  const results: MkdirResult[] = []
  for (const raw of options.paths) {
    throwIfAborted(options.signal)
    const path = normalizeRemotePath(remotePathArg(raw, 'folder path'))
    try {
      results.push(await (options.parents ? mkdirParents(drive, path) : mkdirOne(drive, path)))
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error)) throw error
      options.onError?.(path, error)
      results.push({path, file_id: null, created: false, error: {code: error.code, message: error.message}})
    }
  }
  return results
}

async function mkdirOne(drive: Drive, path: string): Promise<MkdirResult> {
  if (path === '/') throw new ConflictError('/ already exists.')
  const [parentPath, name] = parentAndName(path)
  const parent = await drive.tryStat(parentPath)
  if (!parent) throw new NotFoundError(`No such folder: ${parentPath}`, {hint: 'use -p to create missing parent folders'})
  if (parent.type !== 'folder') throw new ConflictError(`A file is in the way: ${parentPath} is a file, not a folder.`)
  // Looked up first: after a lost answer, `exist` must mean "made by that attempt", not "was there".
  const before = await drive.tryStat(path)
  if (before?.type === 'file') throw new ConflictError(`A file is in the way: ${path} is a file, not a folder.`)
  if (before) throw alreadyThere(path)
  const {entry, created, resent} = await drive.createFolderIn(parent, name)
  if (!created && !resent) throw alreadyThere(path)
  return {path, file_id: entry.file_id, created: true}
}

function alreadyThere(path: string): ConflictError {
  return new ConflictError(`${path} already exists.`, {hint: 'use -p to accept an existing folder'})
}

async function mkdirParents(drive: Drive, path: string): Promise<MkdirResult> {
  const before = await drive.tryStat(path)
  if (before?.type === 'file') throw new ConflictError(`A file is in the way: ${path} is a file, not a folder.`)
  if (before) return {path, file_id: before.file_id, created: false}
  const entry = await drive.mkdirp(path)
  return {path, file_id: entry.file_id, created: true}
}
