import {stat} from 'node:fs/promises'
import {basename, resolve} from 'node:path'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {hasRemotePrefix, normalizeRemotePath} from '../drive/remote-path.js'
import {NotFoundError, UsageError, asLocalFsError} from '../errors.js'

/**
 * Opens the drive a remote argument lives on. Today every remote argument is in the command's
 * own profile and drive (`--profile`, `--drive`); this is the one place a location naming another
 * profile or drive will be turned into its drive.
 */
export type DriveResolver = (argument: string) => Promise<Drive>

/** One side of a comparison, found and looked at: it exists, and we know whether it is a folder. */
export type Location =
  | {kind: 'local'; argument: string; path: string; type: 'file' | 'folder'; name: string; size: number; mtimeMs: number}
  | {kind: 'remote'; argument: string; drive: Drive; entry: RemoteEntry; type: 'file' | 'folder'; name: string}

/** Is this argument remote (`alipan:/x`)? Everything else is a local path. */
export function isRemoteArgument(argument: string): boolean {
  return hasRemotePrefix(argument)
}

/** Find one side: a missing local or remote path exits 3, naming it. */
export async function resolveLocation(argument: string, driveFor: DriveResolver): Promise<Location> {
  if (isRemoteArgument(argument)) {
    const drive = await driveFor(argument)
    const entry = await drive.stat(normalizeRemotePath(argument))
    return {kind: 'remote', argument, drive, entry, type: entry.type, name: entry.name}
  }
  const path = resolve(argument)
  let info
  try {
    info = await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No such local file or folder: ${argument}`, {hint: 'check the path (is the disk mounted?)'})
    throw asLocalFsError(error, path, 'reading')
  }
  // A FIFO or a device is never opened: reading one could hang, and it holds no file to compare.
  if (!info.isDirectory() && !info.isFile()) throw new UsageError(`${argument} is neither a file nor a folder.`)
  return {kind: 'local', argument, path, type: info.isDirectory() ? 'folder' : 'file', name: basename(path), size: info.size, mtimeMs: info.mtimeMs}
}
