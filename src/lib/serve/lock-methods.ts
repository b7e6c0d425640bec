import type {DavRequest} from './dav.js'
import {DavError, badRequest} from './errors.js'
import {parseDepth, parseLockToken, parseTimeout} from './headers.js'
import type {LockScope} from './locks.js'
import {hrefOf} from './paths.js'
import {activeLockXml} from './properties.js'
import {DAV_NS, childOf, elementsOf, isElement, parseXml, serializeChildren} from './xml.js'

/**
 * LOCK and UNLOCK (RFC 4918 §9.10–9.11) over the in-memory lock table (locks.ts). A LOCK of a
 * name with nothing behind it reserves it (a lock-null resource, 201) until it is written or
 * unlocked. A LOCK without a body refreshes the lock whose token the If header names.
 */
export async function lock(r: DavRequest): Promise<void> {
  const depth = parseDepth(r.header('depth'), 'infinity')
  if (depth === '1') throw badRequest('LOCK takes Depth 0 or infinity.')
  const timeoutSec = parseTimeout(r.header('timeout'))
  const {path} = r
  if (!r.hasBody) return refresh(r, timeoutSec)

  const info = parseLockInfo(await r.text())
  const entry = await r.dav.cache.stat(path, r.signal)
  if (!entry) {
    r.checkName(path)
    await r.parentFolder()
  }
  await r.checkConditions(entry)
  const result = r.dav.locks.lock(path, {
    depth: entry?.type === 'folder' ? depth : '0',
    scope: info.scope,
    owner: info.owner,
    timeoutSec,
    lockNull: !entry,
  })
  if ('full' in result) throw new DavError(503, 'Too many locks are held; try again later.', undefined, {'retry-after': '60'})
  if ('conflicts' in result) {
    const hrefs = result.conflicts.map((l) => hrefOf(l.path, false))
    throw new DavError(423, `${path} is locked.`, 'no-conflicting-lock', {}, hrefs)
  }
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(result.lock, hrefOf(path, entry?.type === 'folder'))}</D:lockdiscovery></D:prop>\n`
  r.sendXml(entry ? 200 : 201, body, {'lock-token': `<${result.lock.token}>`})
}

async function refresh(r: DavRequest, timeoutSec: number): Promise<void> {
  const tokens = r.tokens
  const held = r.dav.locks.covering(r.path).find((l) => tokens.has(l.token))
  if (!held) throw new DavError(412, 'A LOCK refresh must name a lock on this resource in its If header.', 'lock-token-matches-request-uri')
  const lock = r.dav.locks.refresh(held.token, r.path, timeoutSec)!
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock, hrefOf(lock.path, false))}</D:lockdiscovery></D:prop>\n`
  r.sendXml(200, body)
}

function parseLockInfo(body: string): {scope: LockScope; owner: string} {
  const root = parseXml(body)
  if (!isElement(root, DAV_NS, 'lockinfo')) throw badRequest('A LOCK body must be a DAV:lockinfo element.')
  const scope = childOf(root, DAV_NS, 'lockscope')
  const type = childOf(root, DAV_NS, 'locktype')
  const kind = scope ? elementsOf(scope)[0] : undefined
  if (!kind || kind.ns !== DAV_NS || (kind.name !== 'exclusive' && kind.name !== 'shared')) throw badRequest('DAV:lockscope must be exclusive or shared.')
  if (!type || !childOf(type, DAV_NS, 'write')) throw badRequest('Only DAV:write locks exist.')
  const owner = childOf(root, DAV_NS, 'owner')
  return {scope: kind.name, owner: owner ? serializeChildren(owner) : ''}
}

export async function unlock(r: DavRequest): Promise<void> {
  const token = parseLockToken(r.header('lock-token'))
  if (!token) throw badRequest('UNLOCK needs a Lock-Token header.')
  if (!r.dav.locks.unlock(token, r.path)) throw new DavError(409, 'No such lock on this resource.', 'lock-token-matches-request-uri')
  r.send(204)
}
