import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import {readFile, rename, rm, stat} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join, resolve} from 'node:path'

/**
 * Who holds a lock folder, so that a holder that was killed can be told from one that is merely
 * slow. The holder writes `owner` into the folder it creates; a waiter on the same machine asks
 * the kernel whether that process still exists (`process.kill(pid, 0)`). Nothing else can tell a
 * dead holder quickly: proper-lockfile only sees the folder's mtime, which a live holder refreshes
 * every second but which must then be allowed to go quite stale before anyone may take over, or a
 * holder whose event loop merely paused would lose its lock in the middle of a renewal.
 */
export interface LockOwner {
  pid: number
  /** This machine, and on Linux this pid namespace: a pid means nothing elsewhere (containers). */
  host: string
  /** Unique per acquisition, to tell this holder's file from a later one's. */
  id: string
}

const OWNER_FILE = 'owner'

/** Lock folders this process holds: a dead holder's pid may come back as ours. */
const heldHere = new Set<string>()

let hostKey: string | undefined

function thisHost(): string {
  if (hostKey === undefined) {
    let namespace = ''
    try {
      namespace = fs.readlinkSync('/proc/self/ns/pid')
    } catch {
      // Not Linux: the host name alone.
    }
    hostKey = `${hostname()}${namespace ? ` ${namespace}` : ''}`
  }
  return hostKey
}

/**
 * The file-system functions proper-lockfile uses, so that the owner file is written the moment
 * the lock folder is created (before proper-lockfile stamps its mtime, which the file would
 * otherwise change) and removed just before the folder is: on release, and in the exit handler.
 */
export function ownedLockFs(): Record<string, unknown> {
  return {
    ...fs,
    mkdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void) {
      fs.mkdir(path, (error) => {
        if (!error) {
          heldHere.add(resolve(path))
          const owner: LockOwner = {pid: process.pid, host: thisHost(), id: randomBytes(8).toString('hex')}
          // Best effort: without it, waiters fall back to the folder's mtime.
          try {
            fs.writeFileSync(join(path, OWNER_FILE), JSON.stringify(owner), {flag: 'wx', mode: 0o600})
          } catch {}
        }
        callback(error)
      })
    },
    rmdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void) {
      heldHere.delete(resolve(path))
      fs.rm(join(path, OWNER_FILE), {force: true}, () => fs.rmdir(path, callback))
    },
    rmdirSync(path: string) {
      heldHere.delete(resolve(path))
      fs.rmSync(join(path, OWNER_FILE), {force: true})
      fs.rmdirSync(path)
    },
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.id === 'string' ? (value as LockOwner) : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number, lockDir: string): boolean {
  if (pid === process.pid) return heldHere.has(resolve(lockDir))
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove `lockDir` if its holder is gone: a holder on this machine whose process no longer exists
 * (at once), or, when the holder cannot be checked (another machine, an older alipan, a holder
 * killed before it wrote its name), a folder untouched for `staleMs`. A live holder on this
 * machine is never taken over, however long it takes. Returns true when the caller should try
 * to lock again at once.
 */
export async function takeOverAbandoned(lockDir: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockDir).catch(() => undefined)
  if (!info) return true
  const owner = await readOwner(join(lockDir, OWNER_FILE))
  const untouched = Date.now() - info.mtimeMs > staleMs
  const abandoned = owner?.host === thisHost() ? !isAlive(owner.pid, lockDir) : untouched
  if (!abandoned) return false
  return owner ? removeClaimed(lockDir, owner) : removeStale(lockDir, info.ino)
}

/**
 * Two waiters may find the same dead holder. Each first renames the owner file to a name of its
 * own; only one rename can succeed, and the winner then moves the folder (its claim inside) out of
 * the way. A live lock is never moved: its owner file is its holder's, not a dead one's.
 */
async function removeClaimed(lockDir: string, owner: LockOwner): Promise<boolean> {
  const me = randomBytes(8).toString('hex')
  const claim = join(lockDir, `${OWNER_FILE}.claimed-${me}`)
  try {
    await rename(join(lockDir, OWNER_FILE), claim)
  } catch {
    return false // another waiter claimed it, or the holder released
  }
  if ((await readOwner(claim))?.id !== owner.id) {
    // The folder changed hands since we looked: put the new holder's file back.
    await rename(claim, join(lockDir, OWNER_FILE)).catch(() => undefined)
    return false
  }
  const grave = `${lockDir}.abandoned-${me}`
  try {
    await rename(lockDir, grave)
  } catch {
    await rename(claim, join(lockDir, OWNER_FILE)).catch(() => undefined)
    return false
  }
  await rm(grave, {recursive: true, force: true}).catch(() => undefined)
  return true
}

/**
 * An owner-less folder (nobody to ask), long untouched: move it aside and remove it, provided it
 * is still the folder judged stale (same inode); a fresh lock moved by mistake is put back.
 */
async function removeStale(lockDir: string, ino: number): Promise<boolean> {
  const grave = `${lockDir}.abandoned-${randomBytes(8).toString('hex')}`
  try {
    await rename(lockDir, grave)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
  if ((await stat(grave).catch(() => undefined))?.ino !== ino) {
    await rename(grave, lockDir).catch(() => undefined)
    return false
  }
  await rm(grave, {recursive: true, force: true}).catch(() => undefined)
  return true
}
