import type {RemoteEntry} from '../drive/drive.js'
import type {ServeBackend} from './backend.js'
import {isWithin, splitPath} from './paths.js'

/**
 * Listings and lookups reused for `--dir-cache-time`. WebDAV clients ask the same things over
 * and over (Finder and Explorer re-read a folder on every view, a player PROPFINDs before each
 * GET), and `openFile/list` is limited to 4 calls/s: one listing per folder per cache period.
 *
 * A lookup is answered from a fresh listing of the parent when there is one, else from a fresh
 * lookup of its own, else by asking the backend. Concurrent requests for the same folder or path
 * share one call. The server's own writes update the entries they touch at once (`added`,
 * `removed`, `invalidate`), so a client sees its own PUT in the next PROPFIND; changes made
 * elsewhere show once the cache time has passed. An answer that was in flight while one of our
 * writes touched its path is handed to its callers but not kept.
 */
export class ListingCache {
  private readonly folders = new Map<string, {at: number; entries: Map<string, RemoteEntry>}>()
  private readonly lookups = new Map<string, {at: number; entry: RemoteEntry | undefined}>()
  private readonly pendingLists = new Map<string, Promise<RemoteEntry[]>>()
  private readonly pendingLookups = new Map<string, Promise<RemoteEntry | undefined>>()
  /** When each path last changed under our own writes (a logical clock), to discard answers that raced them. */
  private readonly changed = new Map<string, number>()
  private clock = 0
  private inFlight = 0

  constructor(
    private readonly backend: ServeBackend,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async stat(path: string, signal?: AbortSignal): Promise<RemoteEntry | undefined> {
    if (path !== '/') {
      const [parent, name] = splitPath(path)
      const listing = this.freshFolder(parent)
      if (listing) return listing.get(name)
    }
    const known = this.lookups.get(path)
    if (known && this.fresh(known.at)) return known.entry
    let pending = this.pendingLookups.get(path)
    if (!pending) {
      pending = this.fetch(path, () => this.backend.stat(path, signal), (entry) => this.lookups.set(path, {at: this.now(), entry}))
      this.pendingLookups.set(path, pending)
      void pending.finally(() => this.pendingLookups.delete(path)).catch(() => undefined)
    }
    return pending
  }

  async list(folder: RemoteEntry, signal?: AbortSignal): Promise<RemoteEntry[]> {
    const cached = this.freshFolder(folder.path)
    if (cached) return [...cached.values()]
    let pending = this.pendingLists.get(folder.path)
    if (!pending) {
      pending = this.fetch(folder.path, () => this.backend.list(folder, signal), (entries) => this.folders.set(folder.path, {at: this.now(), entries: new Map(entries.map((e) => [e.name, e]))}))
      this.pendingLists.set(folder.path, pending)
      void pending.finally(() => this.pendingLists.delete(folder.path)).catch(() => undefined)
    }
    return pending
  }

  /** Our write put `entry` at its path; `emptyFolder`: a folder just made, known to hold nothing. */
  added(entry: RemoteEntry, options: {emptyFolder?: boolean} = {}): void {
    this.forgetBelow(entry.path, false)
    this.touch(entry.path)
    const at = this.now()
    this.lookups.set(entry.path, {at, entry})
    this.folderOf(entry.path)?.set(entry.name, entry)
    if (options.emptyFolder) this.folders.set(entry.path, {at, entries: new Map()})
  }

  /** Our write took whatever was at `path` (and below it) away. */
  removed(path: string): void {
    this.forgetBelow(path, false)
    this.touch(path)
    this.lookups.set(path, {at: this.now(), entry: undefined})
    this.folderOf(path)?.delete(splitPath(path)[1])
  }

  /** Something at or below `path` changed in a way we cannot describe entry by entry (a folder copy): ask again. */
  invalidate(path: string): void {
    this.forgetBelow(path, true)
    this.touch(path)
    if (path !== '/') this.folders.delete(splitPath(path)[0])
  }

  private folderOf(path: string): Map<string, RemoteEntry> | undefined {
    return path === '/' ? undefined : this.folders.get(splitPath(path)[0])?.entries
  }

  private freshFolder(path: string): Map<string, RemoteEntry> | undefined {
    const folder = this.folders.get(path)
    return folder && this.fresh(folder.at) ? folder.entries : undefined
  }

  private fresh(at: number): boolean {
    return this.now() - at < this.ttlMs
  }

  /** Drop what is cached below `path` (and at it, when `self`). */
  private forgetBelow(path: string, self: boolean): void {
    for (const map of [this.folders, this.lookups] as Array<Map<string, unknown>>) {
      for (const key of map.keys()) if ((self || key !== path) && isWithin(key, path)) map.delete(key)
    }
  }

  private touch(path: string): void {
    this.clock++
    this.changed.set(path, this.clock)
    if (path !== '/') this.changed.set(splitPath(path)[0], this.clock)
  }

  /** Did a write touch `path` or a folder above it after `since`? */
  private touchedSince(path: string, since: number): boolean {
    for (let p = path; ; p = splitPath(p)[0]) {
      if ((this.changed.get(p) ?? 0) > since) return true
      if (p === '/') return false
    }
  }

  private async fetch<T>(path: string, ask: () => Promise<T>, keep: (value: T) => void): Promise<T> {
    const started = this.clock
    this.inFlight++
    try {
      const value = await ask()
      if (!this.touchedSince(path, started)) keep(value)
      this.prune()
      return value
    } finally {
      this.inFlight--
    }
  }

  /** Old entries go once nothing is in flight that could still need them. */
  private prune(): void {
    if (this.inFlight > 1) return
    if (this.changed.size > 10_000) this.changed.clear()
    if (this.folders.size + this.lookups.size < 20_000) return
    for (const map of [this.folders, this.lookups] as Array<Map<string, {at: number}>>) {
      for (const [key, value] of map) if (!this.fresh(value.at)) map.delete(key)
    }
  }
}

