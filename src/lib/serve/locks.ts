import {randomUUID} from 'node:crypto'

import {isWithin, splitPath} from './paths.js'

/**
 * WebDAV write locks (RFC 4918 §6–7), kept in memory: they protect clients of this server from
 * each other (Windows Explorer and Office lock what they edit); the drive knows nothing of them
 * and they end with the server. Pure apart from the clock, so it is tested without a socket.
 *
 * A lock on a path covers that path, and with depth infinity everything below it. A write needs
 * the token of every lock covering what it changes; adding or removing a name also changes the
 * parent folder's membership, which a lock on the folder (any depth) protects. A lock on a name
 * with nothing behind it is a lock-null resource: the name is reserved for the lock holder
 * (Windows locks a new name before it PUTs it) and vanishes with the lock.
 */

export type LockScope = 'exclusive' | 'shared'

/** Locks held at once, across clients: memory stays bounded whatever a client asks for. */
export const MAX_LOCKS = 100_000

export interface Lock {
  token: string
  /** The locked path (the lock root). */
  path: string
  depth: '0' | 'infinity'
  scope: LockScope
  /** The client's `<owner>` content, as self-contained XML. */
  owner: string
  timeoutSec: number
  expiresAt: number
  /** Locked while nothing existed at the path. */
  lockNull: boolean
}

export interface LockRequest {
  depth: '0' | 'infinity'
  scope: LockScope
  owner: string
  timeoutSec: number
  lockNull: boolean
}

export class LockManager {
  private readonly locks = new Map<string, Lock>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Live locks (expired ones are dropped on the way). */
  all(): Lock[] {
    const now = this.now()
    for (const [token, lock] of this.locks) if (lock.expiresAt <= now) this.locks.delete(token)
    return [...this.locks.values()]
  }

  byToken(token: string): Lock | undefined {
    return this.all().find((l) => l.token === token)
  }

  /** Locks whose scope includes `path`: on it, or depth-infinity on a folder above it. */
  covering(path: string): Lock[] {
    return this.all().filter((l) => l.path === path || (l.depth === 'infinity' && isWithin(path, l.path)))
  }

  /** Locks rooted strictly below `path`. */
  below(path: string): Lock[] {
    return this.all().filter((l) => l.path !== path && isWithin(l.path, path))
  }

  /** Is `path` a lock-null resource (reserved by a lock, nothing on the drive)? */
  isLockNull(path: string): boolean {
    return this.all().some((l) => l.path === path && l.lockNull)
  }

  /** Lock-null resources directly inside `folder`, for its listing. */
  lockNullChildren(folder: string): string[] {
    return [...new Set(this.all().filter((l) => l.lockNull && splitPath(l.path)[0] === folder && l.path !== folder).map((l) => l.path))]
  }

  /** The locks a new lock on `path` would clash with (an exclusive lock clashes with any). */
  conflicts(path: string, request: Pick<LockRequest, 'scope' | 'depth'>): Lock[] {
    const overlapping = [...this.covering(path), ...(request.depth === 'infinity' ? this.below(path) : [])]
    return overlapping.filter((l) => l.scope === 'exclusive' || request.scope === 'exclusive')
  }

  /** A new lock, the locks in the way, or `full` when the table holds as many as it may. */
  lock(path: string, request: LockRequest): {lock: Lock} | {conflicts: Lock[]} | {full: true} {
    const conflicts = this.conflicts(path, request)
    if (conflicts.length > 0) return {conflicts}
    if (this.locks.size >= MAX_LOCKS) return {full: true}
    const lock: Lock = {token: `opaquelocktoken:${randomUUID()}`, path, ...request, expiresAt: this.now() + request.timeoutSec * 1000}
    this.locks.set(lock.token, lock)
    return {lock}
  }

  /** Extend a lock the client names, if it covers `path`. */
  refresh(token: string, path: string, timeoutSec: number): Lock | undefined {
    const lock = this.covering(path).find((l) => l.token === token)
    if (!lock) return undefined
    lock.timeoutSec = timeoutSec
    lock.expiresAt = this.now() + timeoutSec * 1000
    return lock
  }

  /** UNLOCK: the token must name a lock that covers `path`. */
  unlock(token: string, path: string): boolean {
    const lock = this.covering(path).find((l) => l.token === token)
    if (!lock) return false
    this.locks.delete(token)
    return true
  }

  /**
   * The first lock a write would break without its token. `changed`: paths whose content or
   * properties change; `membership`: folders gaining or losing a name; `subtrees`: paths whose
   * whole subtree goes (DELETE, MOVE's source).
   */
  blocking(tokens: ReadonlySet<string>, change: {changed?: string[]; membership?: string[]; subtrees?: string[]}): Lock | undefined {
    const needed: Lock[] = []
    for (const path of change.changed ?? []) needed.push(...this.covering(path))
    for (const folder of change.membership ?? []) needed.push(...this.all().filter((l) => l.path === folder || (l.depth === 'infinity' && isWithin(folder, l.path))))
    for (const path of change.subtrees ?? []) needed.push(...this.covering(path), ...this.below(path))
    return needed.find((l) => !tokens.has(l.token))
  }

  /** A resource was created where a lock-null one was: its locks now protect a real entry. */
  materialized(path: string): void {
    for (const lock of this.all()) if (lock.path === path) lock.lockNull = false
  }

  /** Everything at or below `path` is gone (DELETE, MOVE's source): its locks go too. */
  removeAt(path: string): void {
    for (const lock of this.all()) if (isWithin(lock.path, path)) this.locks.delete(lock.token)
  }
}
