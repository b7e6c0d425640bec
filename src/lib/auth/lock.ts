import {dirname} from 'node:path'

import {AlipanError, ExitCode, LocalFsError, NetworkError, asConfigFsError} from '../errors.js'
import {sleep} from '../time.js'
import {ensurePrivateDir} from './credentials.js'
import {ownedLockFs, takeOverAbandoned} from './lock-owner.js'

/** A live holder refreshes the lock folder's mtime this often (proper-lockfile's `update`)… */
const UPDATE_MS = 1000
/**
 * …so a folder untouched for this long has lost its holder. Used only when the holder cannot be
 * asked (another machine, an older alipan): a holder's event loop would have to stall 9 s to be
 * taken for dead. A holder killed on this machine is noticed at once (lock-owner.ts).
 */
const STALE_MS = 10_000
/** How long to wait for a live holder: another process's renewal with all its retries. */
const MAX_WAIT_MS = 60_000
/** proper-lockfile's own mtime test is switched off: takeOverAbandoned decides instead. */
const NEVER_STALE = Number.MAX_SAFE_INTEGER

/**
 * A cross-process lock around token refresh. Refresh tokens are single-use (§2.6): two
 * processes refreshing at once would each spend the same token and one of them — or the next
 * run — would be logged out. proper-lockfile takes a `mkdir` lock beside the file and keeps its
 * mtime fresh while held; a holder that died is taken over (see takeOverAbandoned).
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const {default: lockfile} = await import('proper-lockfile')
  const lockDir = `${file}.lock`
  try {
    // The lock is a folder beside the file: on a fresh machine the config folder must exist first.
    ensurePrivateDir(dirname(file))
  } catch (error) {
    throw lockFailure(error, lockDir)
  }
  const started = Date.now()
  let release: () => Promise<void>
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        stale: NEVER_STALE,
        update: UPDATE_MS,
        fs: ownedLockFs(),
        onCompromised: () => {
          // Someone took the lock over (they judged us dead); our write is still atomic.
        },
      })
      break
    } catch (error) {
      if ((error as {code?: string}).code !== 'ELOCKED') throw lockFailure(error, lockDir)
    }
    if (await takeOverAbandoned(lockDir, STALE_MS)) continue
    if (Date.now() - started > MAX_WAIT_MS) {
      throw new NetworkError(`Another alipan process has held the credential lock for too long (${lockDir}).`, {
        hint: 'if no other alipan process is running, remove that folder and retry',
      })
    }
    // 15 ms doubling to 250 ms, jittered: quick when a renewal ends soon, cheap when it does not.
    await sleep(Math.min(250, 15 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()))
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}

/** A read-only or full config folder is the user's to fix (exit 9); anything else is unexpected. */
function lockFailure(error: unknown, lockDir: string): AlipanError {
  const local = asConfigFsError(error, lockDir, 'locking')
  if (local instanceof LocalFsError) return local
  return new AlipanError(`Cannot lock ${lockDir}: ${(error as Error).message}`, ExitCode.unexpected, {code: 'LockFailed', cause: error})
}
