import {badRequest} from './errors.js'

/** The WebDAV and HTTP request headers handlers decide on, parsed (pure). */

export type Depth = '0' | '1' | 'infinity'

/** `Depth`: missing → `fallback` (RFC 4918 gives each method its own default). */
export function parseDepth(value: string | undefined, fallback: Depth): Depth {
  if (value === undefined) return fallback
  const depth = value.trim().toLowerCase()
  if (depth === '0' || depth === '1' || depth === 'infinity') return depth
  throw badRequest(`Bad Depth header: ${value}`)
}

/** `Overwrite`: T (the default) or F. */
export function parseOverwrite(value: string | undefined): boolean {
  if (value === undefined) return true
  const v = value.trim().toUpperCase()
  if (v === 'T') return true
  if (v === 'F') return false
  throw badRequest(`Bad Overwrite header: ${value}`)
}

/** Longest lock a client gets; it may refresh. */
export const MAX_LOCK_SECONDS = 3600
export const DEFAULT_LOCK_SECONDS = 3600

/** `Timeout: Second-600, Infinite` → seconds, capped (RFC 4918 §10.7: the server may give less). */
export function parseTimeout(value: string | undefined): number {
  if (!value) return DEFAULT_LOCK_SECONDS
  for (const part of value.split(',')) {
    const item = part.trim().toLowerCase()
    if (item === 'infinite') return MAX_LOCK_SECONDS
    const match = /^second-(\d+)$/.exec(item)
    if (match) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(match[1])))
  }
  return DEFAULT_LOCK_SECONDS
}

/** `Lock-Token: <opaquelocktoken:…>` → the token. */
export function parseLockToken(value: string | undefined): string | undefined {
  const match = value ? /^\s*<([^>]+)>\s*$/.exec(value) : null
  return match ? match[1] : undefined
}

/**
 * The length of a PUT body when the client says it: Content-Length, or with chunked encoding
 * `X-Expected-Entity-Length` (macOS Finder). Undefined: unknown until the body ends.
 */
export function announcedLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const chunked = /chunked/i.test(String(headers['transfer-encoding'] ?? ''))
  const raw = chunked ? headers['x-expected-entity-length'] : headers['content-length'] ?? headers['x-expected-entity-length']
  if (raw === undefined) return undefined
  const text = String(Array.isArray(raw) ? raw[0] : raw).trim()
  if (!/^\d+$/.test(text)) throw badRequest(`Bad body length: ${text}`)
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw badRequest(`Bad body length: ${text}`)
  return n
}

/** `X-OC-Mtime` (ownCloud, rclone): Unix seconds, maybe fractional → ms. */
export function parseOcMtime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value.trim())
  if (!Number.isFinite(seconds) || seconds < 0 || value.trim() === '') throw badRequest(`Bad X-OC-Mtime: ${value}`)
  return Math.round(seconds * 1000)
}

/** `OC-Checksum: SHA1:abc… [MD5:…]` (rclone's owncloud vendor) → the SHA-1, uppercase, if given. */
export function parseOcChecksum(value: string | undefined): string | undefined {
  if (!value) return undefined
  for (const item of value.split(/\s+/)) {
    const [kind, hex] = item.split(':')
    if (kind?.toUpperCase() === 'SHA1' && /^[0-9a-f]{40}$/i.test(hex ?? '')) return hex.toUpperCase()
  }
  return undefined
}

export interface ByteRangeRequest {
  start: number
  /** Exclusive. */
  end: number
}

/**
 * `Range: bytes=…` against a size → the one range to serve, `undefined` to serve it all
 * (no header, another unit, several ranges), or `unsatisfiable` (416).
 */
export function parseRange(value: string | undefined, size: number): ByteRangeRequest | undefined | 'unsatisfiable' {
  if (!value) return undefined
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value)
  if (!match) return undefined
  const [, first, last] = match
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return {start: Math.max(0, size - suffix), end: size}
  }
  const start = Number(first)
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size : Math.min(size, Number(last) + 1)
  if (end <= start) return undefined
  return {start, end}
}

/** Basic credentials, or undefined when the header is missing or not Basic. */
export function parseBasicAuth(value: string | undefined): {user: string; pass: string} | undefined {
  const match = value ? /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value) : null
  if (!match) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return {user: decoded.slice(0, colon), pass: decoded.slice(colon + 1)}
}
