import {existsSync, mkdirSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {asLocalFsError, localFsCode} from './errors.js'

/**
 * `mkdir -p` that fails with the real reason. Node 20's recursive mkdir answers ENOENT on a
 * read-only file system (it moves on to the parent and loses the first error), which reads like a
 * bug; a plain mkdir of the first missing folder says EROFS or EACCES, which the user can act on
 * (exit 9, naming the folder).
 */
export async function makeDir(path: string, mode?: number, hint?: string): Promise<void> {
  try {
    await mkdir(path, {recursive: true, mode})
  } catch (error) {
    retryForTheRealCause(path, error, mode, hint)
  }
}

export function makeDirSync(path: string, mode?: number, hint?: string): void {
  try {
    mkdirSync(path, {recursive: true, mode})
  } catch (error) {
    retryForTheRealCause(path, error, mode, hint)
  }
}

/** Returns if the folder could be made after all (a race); else throws the most telling error. */
function retryForTheRealCause(path: string, error: unknown, mode?: number, hint?: string): void {
  let cause = error
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    let missing = resolve(path)
    while (dirname(missing) !== missing && !existsSync(dirname(missing))) missing = dirname(missing)
    try {
      mkdirSync(missing, {mode})
      mkdirSync(path, {recursive: true, mode})
      return
    } catch (plain) {
      cause = plain
    }
  }
  throw asLocalFsError(cause, path, 'creating the folder', localFsCode(cause) === 'ENOSPC' ? undefined : hint)
}
