/**
 * Facts about signed OSS URLs (§5.7, §6) that transfers need: when they expire, whether an error
 * says "expired", and the internal-endpoint rewrite (§5.9).
 */

/** Epoch ms at which a signed URL expires, or undefined if it does not say. */
export function urlExpiresAt(url: string): number | undefined {
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    return undefined
  }
  const version = params.get('x-oss-signature-version') ?? ''
  const expires = Number(params.get('x-oss-expires'))
  if (/OSS4/i.test(version)) {
    // OSS4: x-oss-expires is relative seconds after x-oss-date (YYYYMMDDTHHMMSSZ).
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('x-oss-date') ?? '')
    if (!date || !Number.isFinite(expires)) return undefined
    const [, y, mo, d, h, mi, s] = date.map(Number)
    return Date.UTC(y, mo - 1, d, h, mi, s) + expires * 1000
  }
  if (version && Number.isFinite(expires) && expires > 0) return expires * 1000
  const legacy = Number(params.get('Expires'))
  return Number.isFinite(legacy) && legacy > 0 ? legacy * 1000 : undefined
}

/** True when the URL expires within `marginMs` (or has expired). Unknown expiry counts as fine. */
export function urlExpiresSoon(url: string, marginMs: number, now = Date.now()): boolean {
  const at = urlExpiresAt(url)
  return at !== undefined && at - now < marginMs
}

/** OSS XML error fields (§5.6): `<Code>`, `<Message>`. */
export function parseOssError(body: string): {code?: string; message?: string} {
  const field = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1]?.trim()
  return {code: field('Code'), message: field('Message')}
}

/** The data plane says the signed URL is past its time: fetch a new one and retry. */
export function isExpiredUrlError(status: number, body: string): boolean {
  return status === 403 && /Request has expired/i.test(body)
}

/** ExceedMaxConcurrency (§6): too many simultaneous downloads for this user. */
export function isConcurrencyError(status: number, body: string): boolean {
  return status === 403 && /ExceedMaxConcurrency/.test(body)
}

const PUBLIC_UPLOAD_PREFIX = 'https://cn-beijing-data.aliyundrive.net/'
const INTERNAL_UPLOAD_PREFIX = 'http://ccp-bj29-bj-1592982087.oss-cn-beijing-internal.aliyuncs.com/'

/** Internal upload (§5.9): only reachable from Alibaba Cloud ECS in Beijing. Other URLs pass unchanged. */
export function toInternalUploadUrl(url: string): string {
  return url.startsWith(PUBLIC_UPLOAD_PREFIX) ? INTERNAL_UPLOAD_PREFIX + url.slice(PUBLIC_UPLOAD_PREFIX.length) : url
}
