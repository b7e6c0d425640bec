import {DAV_NS} from './xml.js'

/**
 * The properties through which WebDAV clients set a file's modification time (pure):
 * `DAV:getlastmodified` (an HTTP date; protected by RFC 4918, but what generic clients send),
 * ownCloud's `DAV:lastmodified` (Unix seconds, as rclone's owncloud and nextcloud vendors send),
 * and Windows Explorer's `Win32LastModifiedTime` (an HTTP date), which is also kept as a dead
 * property since Windows reads it back.
 */
export const MS_NS = 'urn:schemas-microsoft-com:'

/** DAV: names that mean the modification time. */
export const DAV_NS_PROPS_TIME = new Set(['getlastmodified', 'lastmodified'])

export interface TimeProperty {
  /** The property's text content → ms, or undefined when it is not a time. */
  parse(value: string): number | undefined
  /** Also kept as a dead property (read back by the client that set it). */
  dead: boolean
}

export function timeProperty(ns: string, name: string): TimeProperty | undefined {
  if (ns === DAV_NS && name === 'getlastmodified') return {parse: parseHttpDate, dead: false}
  if (ns === DAV_NS && name === 'lastmodified') return {parse: (v) => parseUnixSeconds(v) ?? parseHttpDate(v), dead: false}
  if (ns === MS_NS && name === 'Win32LastModifiedTime') return {parse: parseHttpDate, dead: true}
  return undefined
}

/** An IMF-fixdate (`Tue, 14 Nov 2023 22:13:20 GMT`, what HTTP and Windows send) or an ISO 8601 time. */
function parseHttpDate(value: string): number | undefined {
  const text = value.trim()
  if (!/^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text) && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

function parseUnixSeconds(value: string): number | undefined {
  const text = value.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  return Math.round(Number(text) * 1000)
}
