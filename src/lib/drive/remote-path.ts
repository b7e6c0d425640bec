import {UsageError} from '../errors.js'

/** Remote paths may be written `alipan:/backups/x`, as with `s3://`; `sync` needs it to tell the sides apart. */
export const REMOTE_PREFIX = 'alipan:'

export function hasRemotePrefix(path: string): boolean {
  return path.startsWith(REMOTE_PREFIX)
}

/** `alipan:/x` → `/x`; anything else unchanged. */
export function stripRemotePrefix(path: string): string {
  return hasRemotePrefix(path) ? path.slice(REMOTE_PREFIX.length) : path
}

/**
 * Remote paths are absolute POSIX-style (`/backups/2026/db.tar`) relative to the configured root
 * folder, optionally prefixed `alipan:`. Names may hold spaces, quotes and any Unicode, but never
 * `/` (§1.3).
 */
export function normalizeRemotePath(path: string): string {
  path = stripRemotePrefix(path)
  if (!path.startsWith('/')) path = `/${path}`
  const segments: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (segments.length === 0) throw new UsageError(`Remote path goes above the root: ${path}`)
      segments.pop()
      continue
    }
    if (Buffer.byteLength(part, 'utf8') > 1024) throw new UsageError(`A remote name is longer than 1024 bytes: ${part.slice(0, 40)}…`)
    segments.push(part)
  }
  return `/${segments.join('/')}`
}

/**
 * A remote path as the user gave it. An empty one (`""`, `alipan:`) would normalize to the root
 * folder, so `mkdir ""` or `mv x ""` would act on the root: it is a usage error instead.
 */
export function remotePathArg(raw: string, what = 'remote path'): string {
  if (stripRemotePrefix(raw) === '') throw new UsageError(`The ${what} is empty.`, {hint: 'give an absolute remote path such as /backups (/ is the root folder)'})
  return raw
}

export function splitRemotePath(path: string): string[] {
  return normalizeRemotePath(path).split('/').filter(Boolean)
}

export function joinRemotePath(...parts: string[]): string {
  return normalizeRemotePath(parts.join('/'))
}

/** Parent folder and base name: `/a/b/c.txt` → [`/a/b`, `c.txt`]; `/` → [`/`, ``]. */
export function parentAndName(path: string): [string, string] {
  const segments = splitRemotePath(path)
  const name = segments.pop() ?? ''
  return [`/${segments.join('/')}`, name]
}

/** Does the user mean "into this folder"? (`put x /dir/`) */
export function endsWithSlash(path: string): boolean {
  return path.length > 1 && path.endsWith('/')
}
