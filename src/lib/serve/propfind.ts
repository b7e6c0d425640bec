import type {ServerResponse} from 'node:http'

import type {RemoteEntry} from '../drive/drive.js'
import {InterruptedError} from '../errors.js'
import type {DavRequest} from './dav.js'
import {DAV_NS_PROPS_TIME, timeProperty} from './proppatch-time.js'
import type {DeadProperty} from './dead-props.js'
import {DavError, badRequest, notFound, statusFor} from './errors.js'
import {parseDepth} from './headers.js'
import {joinPath} from './paths.js'
import {MULTISTATUS_CLOSE, MULTISTATUS_OPEN, type PropfindRequest, isLiveProperty, mtimeOf, parsePropfind, propstats, responseXml} from './properties.js'
import {DAV_NS, childOf, elementsOf, isElement, parseXml, propertyXml, serializeChildren, textOf} from './xml.js'

/** Responses written to the socket at a time in a big listing. */
const BATCH = 200

/**
 * PROPFIND, Depth 0 or 1 (Depth infinity, or none, which means infinity: 403
 * propfind-finite-depth, as RFC 4918 §9.1 allows: a whole drive is not listed in one request).
 * A folder's children come from one cached listing (listing-cache.ts).
 */
export async function propfind(r: DavRequest): Promise<void> {
  const depth = parseDepth(r.header('depth'), 'infinity')
  if (depth === 'infinity') throw new DavError(403, 'PROPFIND with Depth: infinity is refused; use Depth 0 or 1.', 'propfind-finite-depth')
  const request = parsePropfind(await r.text())
  const {path} = r
  let entry = await r.dav.cache.stat(path, r.signal)
  if (entry && !r.dav.visible(entry.name)) entry = undefined
  if (!entry && !r.dav.locks.isLockNull(path)) throw notFound(`Not found: ${path}`)
  const quota = wantsQuota(request) ? await r.dav.quota() : undefined
  let children: RemoteEntry[] = []
  let lockNulls: string[] = []
  if (depth === '1' && entry?.type === 'folder') {
    children = (await r.dav.cache.list(entry, r.signal)).filter((c) => r.dav.visible(c.name))
    const names = new Set(children.map((c) => c.name))
    lockNulls = r.dav.locks.lockNullChildren(path).filter((p) => !names.has(p.slice(p.lastIndexOf('/') + 1)))
  }
  const {res} = r
  res.writeHead(207, {'content-type': 'application/xml; charset=utf-8'})
  const self = r.dav.resource(path, entry, quota)
  let batch = MULTISTATUS_OPEN + responseXml(self.href, propstats(self, request))
  let count = 0
  const flush = async () => {
    if (!res.write(batch)) await drainedOrGone(res, r.signal)
    batch = ''
    // A client that went away never drains: stop here (the server cuts the connection).
    if (res.destroyed || r.signal.aborted) throw new InterruptedError()
  }
  for (const child of children) {
    const resource = r.dav.resource(joinPath(path, child.name), child, quota)
    batch += responseXml(resource.href, propstats(resource, request))
    if (++count % BATCH === 0) await flush()
  }
  for (const lockNull of lockNulls) {
    const resource = r.dav.resource(lockNull, undefined, quota)
    batch += responseXml(resource.href, propstats(resource, request))
  }
  res.end(batch + MULTISTATUS_CLOSE)
}

/** Resolves once the response can take more, or once nobody is left to take it (closed, aborted). */
function drainedOrGone(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
    signal.addEventListener('abort', done)
    if (res.destroyed || signal.aborted) done()
  })
}

function wantsQuota(request: PropfindRequest): boolean {
  const asked = request.kind === 'prop' ? request.props : request.kind === 'allprop' ? request.include : []
  return asked.some((p) => p.ns === DAV_NS && p.name.startsWith('quota-'))
}

interface Update {
  op: 'set' | 'remove'
  ns: string
  name: string
  /** The new value as self-contained XML, and its text. */
  value: string
  text: string
}

/**
 * PROPPATCH: all or nothing (RFC 4918 §9.2). Dead properties are kept (dead-props.ts). Of the
 * live ones only the modification time can change (DAV:getlastmodified, ownCloud's
 * DAV:lastmodified, Windows' Win32LastModifiedTime), and only for files; the others answer 403
 * cannot-modify-protected-property. When one property fails, the rest answer 424 and nothing
 * changes.
 */
export async function proppatch(r: DavRequest): Promise<void> {
  const entry = await r.entry()
  await r.checkWrite({changed: [r.path]}, entry)
  const updates = parseUpdates(await r.text())
  const statuses = new Map<Update, number>()
  let newTime: number | undefined
  const dead: Update[] = []
  for (const update of updates) {
    const time = timeProperty(update.ns, update.name)
    if (time && update.op === 'set' && entry.type === 'file' && r.dav.backend.setModTime) {
      const ms = time.parse(update.text)
      if (ms === undefined) statuses.set(update, 409)
      else newTime = ms
      if (time.dead) dead.push(update)
    } else if (isLiveProperty(update.ns, update.name) || (update.ns === DAV_NS && DAV_NS_PROPS_TIME.has(update.name))) {
      statuses.set(update, 403)
    } else {
      dead.push(update)
    }
  }
  const sets = dead.filter((u) => u.op === 'set').map((u): DeadProperty => ({ns: u.ns, name: u.name, value: u.value}))
  // Past the store's bounds: 507 for the properties being set (RFC 4918 §9.2.1).
  if (!r.dav.dead.fits(entry.file_id, sets)) for (const u of dead) if (u.op === 'set') statuses.set(u, 507)

  let current = entry
  if (statuses.size === 0 && newTime !== undefined && !sameSecond(mtimeOf(entry), newTime)) {
    try {
      current = await r.dav.backend.setModTime!(entry, newTime, r.signal)
      r.dav.cache.added(current)
      r.dav.dead.rename(entry.file_id, current.file_id)
    } catch (error) {
      const status = statusFor(error).status
      for (const u of updates) if (timeProperty(u.ns, u.name)) statuses.set(u, status)
    }
  }
  if (statuses.size === 0) {
    for (const u of dead) {
      if (u.op === 'set') r.dav.dead.set(current.file_id, {ns: u.ns, name: u.name, value: u.value})
      else r.dav.dead.remove(current.file_id, u.ns, u.name)
    }
  }
  const groups = new Map<number, string[]>()
  for (const u of updates) {
    const status = statuses.size === 0 ? 200 : statuses.get(u) ?? 424
    groups.set(status, [...(groups.get(status) ?? []), propertyXml(u.ns, u.name)])
  }
  r.sendXml(207, MULTISTATUS_OPEN + responseXml(r.dav.resource(r.path, current).href, groups) + MULTISTATUS_CLOSE)
}

function parseUpdates(body: string): Update[] {
  const root = parseXml(body)
  if (!isElement(root, DAV_NS, 'propertyupdate')) throw badRequest('A PROPPATCH body must be a DAV:propertyupdate element.')
  const updates: Update[] = []
  for (const action of elementsOf(root)) {
    if (action.ns !== DAV_NS || (action.name !== 'set' && action.name !== 'remove')) continue
    const prop = childOf(action, DAV_NS, 'prop')
    if (!prop) throw badRequest(`DAV:${action.name} without DAV:prop.`)
    for (const element of elementsOf(prop)) {
      const set = action.name === 'set'
      updates.push({op: action.name, ns: element.ns, name: element.name, value: set ? serializeChildren(element) : '', text: set ? textOf(element) : ''})
    }
  }
  if (updates.length === 0) throw badRequest('The PROPPATCH changes nothing.')
  return updates
}

/** HTTP dates carry whole seconds: a time within the same second is the time the file has. */
function sameSecond(a: number | undefined, b: number): boolean {
  return a !== undefined && Math.floor(a / 1000) === Math.floor(b / 1000)
}

