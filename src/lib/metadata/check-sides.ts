import {stat} from 'node:fs/promises'
import {basename, resolve} from 'node:path'

import type {Drive, RemoteEntry} from '../drive/drive.js'
import {parseLocation} from '../drive/location.js'
import {normalizeRemotePath} from '../drive/remote-path.js'
import {NotFoundError, UsageError, asLocalFsError} from '../errors.js'

/**
 * Opens the drive a remote argument lives on (its profile and drive: `alipan@work,drive=backup:/x`)
 * and gives the path inside it.
 */
export type DriveResolver = (argument: string) => Promise<{drive: Drive; path: string}>

/** One side of a comparison, found and looked at: it exists, and we know whether it is a folder. */
export type CheckSide =
  | {kind: 'local'; argument: string; path: string; type: 'file' | 'folder'; name: string; size: number; mtimeMs: number}
  | {kind: 'remote'; argument: string; drive: Drive; entry: RemoteEntry; type: 'file' | 'folder'; name: string}

/** Is this argument remote (a location: `alipan:/x`, `alipan@work:/x`, …)? Everything else is a local path, as for sync. */
export function isRemoteArgument(argument: string): boolean {
  return parseLocation(argument) !== undefined
}

/** Find one side: a missing local or remote path exits 3, naming it. */
export async function resolveSide(argument: string, driveFor: DriveResolver, isRemote: (argument: string) => boolean = isRemoteArgument): Promise<CheckSide> {
  if (isRemote(argument)) {
    const {drive, path} = await driveFor(argument)
    const entry = await drive.stat(normalizeRemotePath(path))
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
