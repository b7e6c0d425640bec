import {dirname} from 'node:path'

import {AlipanError, ExitCode, NetworkError} from '../errors.js'
import {ensurePrivateDir} from './credentials.js'

/**
 * A cross-process lock around token refresh. Refresh tokens are single-use (§2.6): two
 * processes refreshing at once would each spend the same token and one of them — or the next
 * run — would be logged out. proper-lockfile takes a `mkdir` lock beside the file, refreshed while
 * held and taken over when stale (a crashed holder does not block forever).
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const {default: lockfile} = await import('proper-lockfile')
  // The lock is a folder beside the file: on a fresh machine the config folder must exist first.
  ensurePrivateDir(dirname(file))
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: 20_000,
      update: 5000,
      // Up to ~60 s of waiting: long enough for another process's refresh with its retries.
      retries: {retries: 300, factor: 1.1, minTimeout: 15, maxTimeout: 250, randomize: true},
      onCompromised: () => {
        // The holder stalled past `stale` and someone took over; our write is still atomic.
      },
    })
  } catch (error) {
    if ((error as {code?: string}).code !== 'ELOCKED') {
      throw new AlipanError(`Cannot lock ${file}: ${(error as Error).message}`, ExitCode.unexpected, {code: 'LockFailed', cause: error})
    }
    throw new NetworkError(`Another alipan process has held the credential lock for too long (${file}.lock).`, {
      hint: 'if no other alipan process is running, remove that folder and retry',
      cause: error,
    })
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}
