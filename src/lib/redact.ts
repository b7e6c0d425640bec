/**
 * Nothing secret reaches a log, an error message or debug output: tokens, client secrets, auth
 * codes and the query strings of signed URLs (the signature and STS token live there).
 */

const secrets = new Set<string>()

/** Remember a secret value so that every later redaction hides it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value)
}

const SECRET_FIELDS = new Set([
  'access_token',
  'refresh_token',
  'client_secret',
  'code',
  'authCode',
  'code_verifier',
  'refresh_ui',
  'client_key',
  'security-token',
  'x-oss-signature',
  'x-oss-access-key-id',
  'authorization',
  'cookie',
  'set-cookie',
])

/** Fields whose values are URLs that may carry signatures in their query string. */
const URL_FIELDS = new Set(['url', 'upload_url', 'download_url', 'thumbnail', 'qrCodeUrl', 'text', 'preview_url'])

// JWTs (a base64url JSON header starts with `eyJ`): the shape of Alipan's access and refresh
// tokens. Anchored on the header so that file names like `db_backup.20261127_full.tar` survive.
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g
const BEARER = /(Bearer\s+)[^\s"',]+/gi

export const REDACTED = '[redacted]'

/** Hide the query string of a URL (signed data-plane URLs, renewapi's `refresh_ui`, …). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : `${url.slice(0, q)}?${REDACTED}`
}

/** `scheme://user:password@host`: the credentials of a proxy (or any) URL. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi

export function redactText(text: string): string {
  let out = text.replace(URL_CREDENTIALS, `$1${REDACTED}@`)
  for (const secret of secrets) out = out.split(secret).join(REDACTED)
  out = out.replace(BEARER, `$1${REDACTED}`)
  out = out.replace(JWT_LIKE, REDACTED)
  out = out.replace(/(https?:\/\/[^\s"'<>?]+)\?[^\s"'<>]*/g, `$1?${REDACTED}`)
  return out
}

/** Deep copy of a JSON-ish value with secret fields and signed URLs hidden. */
export function redactValue(value: unknown, key?: string): unknown {
  if (key !== undefined && SECRET_FIELDS.has(key) && value !== null && value !== undefined && value !== '') return REDACTED
  if (typeof value === 'string') {
    if (key !== undefined && URL_FIELDS.has(key)) return redactUrl(redactText(value))
    return redactText(value)
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, k)
    return out
  }
  return value
}
