import {STATUS_CODES} from 'node:http'
import {extname} from 'node:path'

import type {RemoteEntry} from '../drive/drive.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import type {DeadProperty} from './dead-props.js'
import {badRequest} from './errors.js'
import type {Lock} from './locks.js'
import {hrefOf} from './paths.js'
import {DAV_NS, type XmlElement, childOf, elementsOf, escapeText, isElement, parseXml, propertyXml} from './xml.js'

/**
 * Properties (RFC 4918 §15, RFC 4331 quotas, ownCloud's checksums) of an entry, PROPFIND
 * bodies, and the multistatus they are answered with (pure).
 */

export const OC_NS = 'http://owncloud.org/ns'

export interface PropName {
  ns: string
  name: string
}

export type PropfindRequest = {kind: 'allprop'; include: PropName[]} | {kind: 'propname'} | {kind: 'prop'; props: PropName[]}

/** An empty body is `allprop` (RFC 4918 §9.1). */
export function parsePropfind(body: string): PropfindRequest {
  if (!body.trim()) return {kind: 'allprop', include: []}
  const root = parseXml(body)
  if (!isElement(root, DAV_NS, 'propfind')) throw badRequest('A PROPFIND body must be a DAV:propfind element.')
  const children = elementsOf(root)
  const names = (element: XmlElement | undefined) => (element ? elementsOf(element).map((e) => ({ns: e.ns, name: e.name})) : [])
  if (childOf(root, DAV_NS, 'propname')) return {kind: 'propname'}
  if (childOf(root, DAV_NS, 'allprop')) return {kind: 'allprop', include: names(childOf(root, DAV_NS, 'include'))}
  const prop = childOf(root, DAV_NS, 'prop')
  if (!prop || children.length === 0) throw badRequest('A PROPFIND body needs prop, allprop or propname.')
  return {kind: 'prop', props: names(prop)}
}

/** What the properties of one resource are made from. */
export interface Resource {
  path: string
  href: string
  /** Undefined for a lock-null resource (a locked name with nothing behind it). */
  entry?: RemoteEntry
  locks: Lock[]
  dead: DeadProperty[]
  quota?: {used: number; total: number}
}

/** Live properties in `allprop` (quotas and checksums only when asked, as RFC 4331 says for quotas). */
const ALLPROP_LIVE = ['resourcetype', 'displayname', 'getcontentlength', 'getlastmodified', 'creationdate', 'getetag', 'getcontenttype', 'supportedlock', 'lockdiscovery']
const ASKED_ONLY: PropName[] = [
  {ns: DAV_NS, name: 'quota-available-bytes'},
  {ns: DAV_NS, name: 'quota-used-bytes'},
  {ns: OC_NS, name: 'checksums'},
]

/** Does the server compute this property (so a client cannot set it)? */
export function isLiveProperty(ns: string, name: string): boolean {
  return (ns === DAV_NS && (ALLPROP_LIVE.includes(name) || name === 'quota-available-bytes' || name === 'quota-used-bytes')) || (ns === OC_NS && name === 'checksums')
}

/** The `<D:propstat>` groups of one resource for a PROPFIND: status → property XML. */
export function propstats(resource: Resource, request: PropfindRequest): Map<number, string[]> {
  const groups = new Map<number, string[]>()
  const add = (status: number, xml: string) => groups.set(status, [...(groups.get(status) ?? []), xml])
  if (request.kind === 'propname') {
    const names = [...ALLPROP_LIVE.map((name) => ({ns: DAV_NS, name})), ...ASKED_ONLY, ...resource.dead]
    for (const {ns, name} of names) if (liveValue(resource, ns, name) !== undefined || resource.dead.some((d) => d.ns === ns && d.name === name)) add(200, propertyXml(ns, name))
    return groups
  }
  const wanted = request.kind === 'prop' ? request.props : [...ALLPROP_LIVE.map((name) => ({ns: DAV_NS, name})), ...resource.dead, ...request.include]
  const seen = new Set<string>()
  for (const {ns, name} of wanted) {
    const key = `{${ns}}${name}`
    if (seen.has(key)) continue
    seen.add(key)
    const value = liveValue(resource, ns, name) ?? resource.dead.find((d) => d.ns === ns && d.name === name)?.value
    if (value !== undefined) add(200, propertyXml(ns, name, value))
    else if (request.kind === 'prop' || request.include.some((p) => p.ns === ns && p.name === name)) add(404, propertyXml(ns, name))
  }
  return groups
}

/** A live property's XML content, or undefined when this resource has no such property. */
export function liveValue(resource: Resource, ns: string, name: string): string | undefined {
  const {entry} = resource
  if (ns === OC_NS && name === 'checksums') {
    return entry?.type === 'file' && entry.content_hash ? `<checksum xmlns="${OC_NS}">SHA1:${entry.content_hash.toLowerCase()}</checksum>` : undefined
  }
  if (ns !== DAV_NS) return undefined
  switch (name) {
    case 'resourcetype':
      return entry?.type === 'folder' ? '<D:collection/>' : ''
    case 'displayname':
      return escapeText(resource.path === '/' ? '' : resource.path.slice(resource.path.lastIndexOf('/') + 1))
    case 'supportedlock':
      return SUPPORTED_LOCK
    case 'lockdiscovery':
      return resource.locks.map((lock) => activeLockXml(lock, hrefOf(lock.path, false))).join('')
    case 'quota-available-bytes':
      return resource.quota ? String(Math.max(0, resource.quota.total - resource.quota.used)) : undefined
    case 'quota-used-bytes':
      return resource.quota ? String(resource.quota.used) : undefined
  }
  if (!entry) return undefined
  switch (name) {
    case 'getcontentlength':
      return entry.type === 'file' ? String(entry.size) : undefined
    case 'getlastmodified': {
      const ms = mtimeOf(entry)
      return ms === undefined ? undefined : new Date(ms).toUTCString()
    }
    case 'creationdate': {
      const ms = entry.created_at ? Date.parse(entry.created_at) : Number.NaN
      return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
    }
    case 'getetag':
      return escapeText(etagOf(entry))
    case 'getcontenttype':
      return entry.type === 'file' ? escapeText(contentTypeOf(entry)) : undefined
    default:
      return undefined
  }
}

/** The modification time a client sees: the file's own (as sync stores it), else the service's. */
export function mtimeOf(entry: RemoteEntry): number | undefined {
  return remoteMtimeMs(entry)
}

/** Strong entity tag: the SHA-1 for files (same bytes, same tag), id and time for folders. */
export function etagOf(entry: RemoteEntry): string {
  if (entry.type === 'file' && entry.content_hash) return `"${entry.content_hash.toLowerCase()}"`
  return `"${entry.file_id}-${Date.parse(entry.updated_at ?? '') || 0}${entry.type === 'file' ? `-${entry.size}` : ''}"`
}

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.avi': 'video/x-msvideo',
  '.ts': 'video/mp2t',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
  '.srt': 'application/x-subrip',
  '.ass': 'text/x-ssa',
  '.vtt': 'text/vtt',
}

export function contentTypeOf(entry: RemoteEntry): string {
  return TYPES[extname(entry.name).toLowerCase()] ?? entry.item?.mime_type ?? 'application/octet-stream'
}

const SUPPORTED_LOCK =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>'

export function activeLockXml(lock: Lock, href?: string): string {
  return (
    '<D:activelock>' +
    `<D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
    `<D:depth>${lock.depth === '0' ? '0' : 'infinity'}</D:depth>` +
    (lock.owner ? `<D:owner>${lock.owner}</D:owner>` : '') +
    `<D:timeout>Second-${Math.max(0, lock.timeoutSec)}</D:timeout>` +
    `<D:locktoken><D:href>${escapeText(lock.token)}</D:href></D:locktoken>` +
    (href ? `<D:lockroot><D:href>${escapeText(href)}</D:href></D:lockroot>` : '') +
    '</D:activelock>'
  )
}

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`
}

export const MULTISTATUS_OPEN = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">'
export const MULTISTATUS_CLOSE = '</D:multistatus>\n'

/** One `<D:response>` with its propstat groups. */
export function responseXml(href: string, groups: Map<number, string[]>): string {
  const stats = [...groups]
    .map(([status, props]) => `<D:propstat><D:prop>${props.join('')}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`)
    .join('')
  return `<D:response><D:href>${escapeText(href)}</D:href>${stats}</D:response>\n`
}

/** One `<D:response>` with a status of its own (a member a DELETE could not remove). */
export function statusResponseXml(href: string, status: number, condition?: string): string {
  const error = condition ? `<D:error><D:${condition}/></D:error>` : ''
  return `<D:response><D:href>${escapeText(href)}</D:href><D:status>${statusLine(status)}</D:status>${error}</D:response>\n`
}

/** The body of an error answer with a precondition (RFC 4918 §16). */
export function errorXml(condition: string, hrefs: string[] = []): string {
  const inner = hrefs.length ? hrefs.map((h) => `<D:href>${escapeText(h)}</D:href>`).join('') : ''
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:">${inner ? `<D:${condition}>${inner}</D:${condition}>` : `<D:${condition}/>`}</D:error>\n`
}
