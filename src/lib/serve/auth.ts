import {createHash, timingSafeEqual} from 'node:crypto'
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'
import {parseBasicAuth} from './headers.js'

/**
 * Who may talk to the server (pure): the listen address and its exposure rule, and HTTP Basic
 * credentials. A drive served to the network without a password is one anybody on it can read
 * and empty, and Alipan freezes accounts whose files are fetched from many addresses: so a
 * non-loopback address needs `--user` (or an explicit `--no-auth`).
 */

export interface ListenAddress {
  host: string
  port: number
}

/** `HOST:PORT`, `[v6]:PORT`, `:PORT` (every interface) or `PORT` (loopback). */
export function parseAddr(addr: string): ListenAddress {
  const text = addr.trim()
  let host: string
  let port: string
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text)
  if (v6) [, host, port] = v6
  else if (/^\d+$/.test(text)) [host, port] = ['127.0.0.1', text]
  else {
    const colon = text.lastIndexOf(':')
    if (colon < 0) throw new UsageError(`--addr needs HOST:PORT (got "${addr}").`, {hint: 'e.g. --addr 127.0.0.1:8080, or --addr 0.0.0.0:8080 for every interface'})
    host = text.slice(0, colon) || '0.0.0.0'
    port = text.slice(colon + 1)
  }
  const n = Number(port)
  if (!/^\d+$/.test(port) || n > 65_535) throw new UsageError(`--addr has no valid port (got "${addr}").`, {hint: 'a port from 0 (any free one) to 65535'})
  return {host, port: n}
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

/**
 * Is this Host header one a server without credentials may answer (pure)? A web page the user
 * opens can make the browser send requests to a loopback server under the page's own name (DNS
 * rebinding: `rebind.attacker.example` first resolving to the attacker, then to 127.0.0.1), and
 * read and delete the drive through it. Such a request carries that name as its Host, so only
 * loopback names, the listen address itself (with or without a port) and, when the server was
 * put on the network without a password on purpose (`--no-auth`), an IP address pass. A server
 * with credentials needs no such check: the page does not know them.
 */
export function hostAllowed(header: string | undefined, listenHost: string): boolean {
  if (!header) return false
  const value = header.trim().toLowerCase()
  let host: string
  let port: string | undefined
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(value)
  if (v6) {
    ;[, host, port] = v6
    if (isIP(host) !== 6) return false
  } else {
    const colon = value.indexOf(':')
    host = colon < 0 ? value : value.slice(0, colon)
    port = colon < 0 ? undefined : value.slice(colon + 1)
    if (!host || /[^a-z0-9.-]/.test(host)) return false
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false
  const listen = listenHost.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (host === listen || isLoopback(host)) return true
  // Exposed without a password (--no-auth): devices on the network name it by address; a rebinding page can only send a name.
  return !isLoopback(listen) && isIP(host) !== 0
}

export interface AuthSettings {
  user?: string
  pass?: string
  /** `--no-auth`: serve a non-loopback address without credentials, on purpose. */
  noAuth?: boolean
}

/** The credentials to require, or undefined for none; refuses an exposed address without any (exit 2). */
export function authPolicy(address: ListenAddress, settings: AuthSettings): {user: string; pass: string} | undefined {
  if (settings.pass !== undefined && settings.user === undefined) throw new UsageError('A password needs --user too.')
  if (settings.user !== undefined) {
    if (!settings.pass) throw new UsageError('--user needs a password: --pass, or ALIPAN_SERVE_PASS (kept out of the process list).')
    return {user: settings.user, pass: settings.pass}
  }
  if (!isLoopback(address.host) && !settings.noAuth) {
    throw new UsageError(`Refusing to serve ${address.host} without a password: anyone who can reach it could read and delete the drive.`, {
      hint: 'add --user NAME with ALIPAN_SERVE_PASS (or --pass), or pass --no-auth if that is really meant',
    })
  }
  return undefined
}

/** Does the Authorization header carry these credentials? Compared in constant time. */
export function checkBasicAuth(header: string | undefined, expected: {user: string; pass: string}): boolean {
  const given = parseBasicAuth(header)
  if (!given) return false
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
  const userOk = timingSafeEqual(digest(given.user), digest(expected.user))
  const passOk = timingSafeEqual(digest(given.pass), digest(expected.pass))
  return userOk && passOk
}
