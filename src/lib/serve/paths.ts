import {badRequest} from './errors.js'

/**
 * Request targets as served paths, and paths back as hrefs (pure). A served path is absolute
 * POSIX-style under the served folder (`/` is that folder). Every segment is percent-decoded
 * once and then checked, so `..` never leaves the served folder however it is written (`..`,
 * `%2e%2e`, `%2E.`), and a decoded `/` or NUL never splits or ends a name.
 */

/** Alipan's limit for one name (§1.3). */
export const MAX_NAME_BYTES = 1024

export interface ServedTarget {
  path: string
  /** The target ended in `/` (a folder was meant, e.g. `MKCOL /new/`). */
  slash: boolean
}

/** `req.url` (origin-form, or absolute-form from a proxy) → served path. Query and fragment are dropped. */
export function servedPathOf(target: string): ServedTarget {
  let path = target
  if (!path.startsWith('/')) {
    // absolute-form (`http://host/a`), as in a Destination header: the path as sent, not as a
    // URL parser would normalize it (it resolves `..` itself, which would hide it from the check)
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path)
    if (!authority) throw badRequest(`Not a request target: ${printable(target)}`)
    path = path.slice(authority[0].length) || '/'
  }
  // A fragment is never sent in a request (RFC 9110 §7.1): `DELETE /dir/#x` must not delete /dir.
  if (path.includes('#')) throw badRequest(`A request target may not carry a fragment: ${printable(target)}`)
  path = path.replace(/\?.*$/s, '')
  const names: string[] = []
  for (const raw of path.split('/')) {
    if (raw === '') continue
    let name: string
    try {
      name = decodeURIComponent(raw)
    } catch {
      throw badRequest(`Bad percent-encoding in ${printable(raw)}.`)
    }
    checkName(name)
    names.push(name)
  }
  return {path: `/${names.join('/')}`, slash: path.length > 1 && path.endsWith('/')}
}

/** A name the drive can hold and that cannot step outside its folder. */
export function checkName(name: string): void {
  if (name === '.' || name === '..') throw badRequest('Paths with `.` or `..` segments are refused.')
  if (name.includes('/') || name.includes('\0')) throw badRequest(`A name may not contain "/" or NUL: ${printable(name)}`)
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw badRequest(`A name is longer than ${MAX_NAME_BYTES} bytes (the drive's limit).`)
}

/** The href of a served path: each segment percent-encoded, folders with a trailing `/`. */
export function hrefOf(path: string, folder: boolean): string {
  const encoded = path
    .split('/')
    .filter(Boolean)
    .map((name) => encodeURIComponent(name))
    .join('/')
  if (!encoded) return '/'
  return `/${encoded}${folder ? '/' : ''}`
}

/** `/a/b/c` → [`/a/b`, `c`]; `/` → [`/`, ``]. */
export function splitPath(path: string): [string, string] {
  const at = path.lastIndexOf('/')
  if (path === '/' || at < 0) return ['/', '']
  return [at === 0 ? '/' : path.slice(0, at), path.slice(at + 1)]
}

export function joinPath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`
}

/** Is `path` the same as `ancestor` or inside it? */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '/' || path === ancestor || path.startsWith(`${ancestor}/`)
}

/** A request target for a log line or an error: no control characters, bounded length. */
export function printable(text: string): string {
  const clean = [...text].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('')
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}

/** macOS Finder's metadata files: `.DS_Store` and AppleDouble `._name`. */
export function isFinderFile(name: string): boolean {
  return name === '.DS_Store' || name.startsWith('._')
}
