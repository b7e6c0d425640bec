import type {IncomingMessage, ServerResponse} from 'node:http'

import type {RemoteEntry} from '../drive/drive.js'
import {redactText} from '../redact.js'
import type {ServeBackend} from './backend.js'
import {DeadPropertyStore} from './dead-props.js'
import {DavError, conflict, forbidden, locked, notFound, preconditionFailed} from './errors.js'
import {type IfList, evaluateIf, matchesEtagList, parseIfHeader, submittedTokens} from './if-header.js'
import {ListingCache} from './listing-cache.js'
import {LockManager} from './locks.js'
import {PathQueue} from './path-queue.js'
import {type ServedTarget, hrefOf, isFinderFile, printable, servedPathOf, splitPath} from './paths.js'
import {type Resource, errorXml, etagOf} from './properties.js'
import {MAX_XML_BYTES} from './xml.js'

export interface DavOptions {
  /** Every write answers 403. */
  readOnly: boolean
  /** GETs stream the bytes through the server instead of redirecting to the signed URL. */
  proxy: boolean
  /** How long listings and lookups are reused. */
  dirCacheMs: number
  /** PUT, MKCOL, COPY and MOVE of `.DS_Store` and `._*` answer 403, and they are left out of listings. */
  refuseFinderFiles: boolean
}

/** What lives for the whole server: the drive behind the seam, its caches, the locks and dead properties. */
export class Dav {
  readonly cache: ListingCache
  readonly locks = new LockManager()
  readonly dead = new DeadPropertyStore()
  /** PUTs of one path run one after another (path-queue.ts). */
  readonly writes = new PathQueue()
  private quotaCache?: {at: number; value: Promise<{used: number; total: number} | undefined>}

  constructor(
    readonly backend: ServeBackend,
    readonly options: DavOptions,
  ) {
    this.cache = new ListingCache(backend, options.dirCacheMs)
  }

  /** Space used and total, fetched at most once per cache period. */
  quota(): Promise<{used: number; total: number} | undefined> {
    if (!this.backend.quota) return Promise.resolve(undefined)
    if (!this.quotaCache || Date.now() - this.quotaCache.at >= this.options.dirCacheMs) {
      this.quotaCache = {at: Date.now(), value: this.backend.quota().catch(() => undefined)}
    }
    return this.quotaCache.value
  }

  /** The properties' raw material for a path. */
  resource(path: string, entry: RemoteEntry | undefined, quota?: {used: number; total: number}): Resource {
    return {
      path,
      href: hrefOf(path, entry?.type === 'folder'),
      entry,
      locks: this.locks.covering(path),
      dead: entry ? this.dead.get(entry.file_id) : [],
      quota,
    }
  }

  /** Does the listing show this name? (Finder's files are hidden when they are refused.) */
  visible(name: string): boolean {
    return !(this.options.refuseFinderFiles && isFinderFile(name))
  }
}

/** What a write changes, for the lock check (locks.ts `blocking`). */
export interface Change {
  changed?: string[]
  membership?: string[]
  subtrees?: string[]
}

/** One request: its target, headers, body and answer, with the checks every method shares. */
export class DavRequest {
  readonly target: ServedTarget
  private ifLists?: IfList[] | null

  /** Entries a write replaced but could not remove (see replaceFailed). */
  readonly leftBehind: string[] = []

  constructor(
    readonly dav: Dav,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Aborted when the client goes away or the server shuts down. */
    readonly signal: AbortSignal,
  ) {
    this.target = servedPathOf(req.url ?? '/')
  }

  get path(): string {
    return this.target.path
  }

  /**
   * A write whose new entry is in place but whose replaced entry could not be removed: the write
   * succeeded, so it is answered as such; the failure goes to stderr, and the handler drops the
   * cached listing so the next PROPFIND shows both entries as they are.
   */
  readonly replaceFailed = (old: RemoteEntry, error: unknown): void => {
    this.leftBehind.push(old.path)
    const reason = error instanceof Error ? error.message : String(error)
    process.stderr.write(`${redactText(`${this.req.method} ${printable(old.path)}: the new entry is in place, but the one it replaces could not be removed (${reason}).`)}
`)
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()]
    return Array.isArray(value) ? value.join(', ') : value
  }

  /** The lock tokens the client holds (named in its If header). */
  get tokens(): Set<string> {
    return submittedTokens(this.ifHeader() ?? [])
  }

  ifHeader(): IfList[] | undefined {
    if (this.ifLists === undefined) {
      const value = this.header('if')
      this.ifLists = value ? parseIfHeader(value) : null
    }
    return this.ifLists ?? undefined
  }

  /** Does the body carry anything? (MKCOL refuses bodies; LOCK without one is a refresh.) */
  get hasBody(): boolean {
    const length = Number(this.header('content-length') ?? 0)
    return length > 0 || /chunked/i.test(this.header('transfer-encoding') ?? '')
  }

  /** An XML body, read whole (bounded: 413 past MAX_XML_BYTES). */
  async text(): Promise<string> {
    if (Number(this.header('content-length') ?? 0) > MAX_XML_BYTES) throw new DavError(413, 'The request body is too large.')
    this.continue()
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length
      if (size > MAX_XML_BYTES) throw new DavError(413, 'The request body is too large.')
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  /** `Expect: 100-continue`: the checks passed, let the client send its body. */
  continue(): void {
    if (/100-continue/i.test(this.header('expect') ?? '') && !this.res.headersSent) this.res.writeContinue()
  }

  /** Refuse names the server was told to refuse. */
  checkName(path: string): void {
    const name = splitPath(path)[1]
    if (!this.dav.visible(name)) throw forbidden(`${name}: macOS Finder's metadata files are refused (--refuse-finder-files).`)
  }

  /** The entry at `path`, or 404. */
  async entry(path = this.path): Promise<RemoteEntry> {
    const entry = await this.dav.cache.stat(path, this.signal)
    if (!entry || !this.dav.visible(entry.name)) throw notFound(`Not found: ${path}`)
    return entry
  }

  /** The folder a new name goes into: missing or not a folder is 409 (RFC 4918 §9.7.1, §9.3.1). */
  async parentFolder(path = this.path): Promise<RemoteEntry> {
    if (path === '/') throw forbidden('The served folder itself cannot be replaced.')
    const parent = await this.dav.cache.stat(splitPath(path)[0], this.signal)
    if (!parent) throw conflict(`The parent folder of ${path} does not exist.`)
    if (parent.type !== 'folder') throw conflict(`The parent of ${path} is a file.`)
    return parent
  }

  /**
   * The checks before a write: 412 when an If, If-Match or If-None-Match condition fails; then
   * 423 when a lock protects what it changes and the client did not name its token (RFC 4918
   * §10.4.1: a header that holds without the right token is a lock problem, not a failed condition).
   */
  async checkWrite(change: Change, current: RemoteEntry | undefined): Promise<void> {
    await this.checkConditions(current)
    const blocking = this.dav.locks.blocking(this.tokens, change)
    if (blocking) throw locked(`${blocking.path} is locked.`, hrefOf(blocking.path, false))
  }

  /** If (lock tokens and entity tags), If-Match and If-None-Match against the current entry. */
  async checkConditions(current: RemoteEntry | undefined, path = this.path): Promise<void> {
    const lists = this.ifHeader()
    if (lists) {
      const holds = await evaluateIf(lists, async (resource) => {
        const at = resource === undefined ? path : servedPathOf(resource).path
        const entry = at === path ? current : await this.dav.cache.stat(at, this.signal)
        return {etag: entry ? etagOf(entry) : undefined, lockTokens: this.dav.locks.covering(at).map((l) => l.token)}
      })
      if (!holds) throw preconditionFailed('The If header does not hold.')
    }
    const etag = current ? etagOf(current) : undefined
    const ifMatch = this.header('if-match')
    if (ifMatch !== undefined && !matchesEtagList(ifMatch, etag)) throw preconditionFailed('If-Match does not hold.')
    const ifNoneMatch = this.header('if-none-match')
    if (ifNoneMatch !== undefined && matchesEtagList(ifNoneMatch, etag) && !['GET', 'HEAD'].includes(this.req.method ?? '')) {
      throw preconditionFailed('If-None-Match does not hold.')
    }
  }

  send(status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
    send(this.res, status, headers, body)
  }

  sendXml(status: number, xml: string, headers: Record<string, string | number> = {}): void {
    send(this.res, status, {'content-type': 'application/xml; charset=utf-8', ...headers}, xml)
  }

}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
  if (res.headersSent) return void res.end()
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  res.writeHead(status, {...headers, 'content-length': payload?.length ?? 0})
  res.end(payload)
}

/** An error with a precondition element in its body (RFC 4918 §16), or a short plain-text reason. */
export function sendError(res: ServerResponse, status: number, message: string, condition?: string, headers: Record<string, string> = {}, hrefs: string[] = []): void {
  if (condition) send(res, status, {'content-type': 'application/xml; charset=utf-8', ...headers}, errorXml(condition, hrefs))
  else send(res, status, {'content-type': 'text/plain; charset=utf-8', ...headers}, `${message}\n`)
}
