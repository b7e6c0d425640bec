// Signed data-plane URLs (§5.7, §6). They point back at the emulator under `/oss/<object key>`
// (the key is one %2F-encoded path segment, as observed) and carry OSS2-style parameters with an
// absolute `x-oss-expires`. `x-oss-signature` is an HMAC over the method class, the decoded path
// and every other query parameter, so any edit to the URL is a SignatureDoesNotMatch.
import {createHmac, randomBytes} from 'node:crypto'
import type {Clock} from './clock.js'
import {OssError} from './errors.js'
import {strictEncode} from './http.js'

/** what a URL may be used for: uploads are PUT, downloads GET/HEAD */
export type UrlKind = 'PUT' | 'GET'

export const EC = {
  expired: '0002-00000069',
  signature: '0002-00000040',
  noSuchUpload: '0042-00000002',
  partNotSequential: '0042-00000105',
  partAlreadyExist: '0042-00000108',
  concurrency: '0007-00000209',
  missingLength: '0016-00000101',
  noSuchKey: '0026-00000001',
  invalidRange: '0003-00000001',
  invalidArgument: '0017-00000101',
  entityTooLarge: '0048-00000001',
} as const

export class Signer {
  private readonly secret = randomBytes(32)
  /** stand-ins for the STS credentials embedded in real URLs */
  readonly securityToken = 'CAIS' + randomBytes(48).toString('base64')
  readonly accessKeyId = 'STS.' + randomBytes(12).toString('base64url')
  readonly keyPrefix = randomBytes(6).toString('base64url')

  constructor(private readonly clock: Clock) {}

  /**
   * `/oss/<key>?<params>&x-oss-signature=…&x-oss-signature-version=OSS2`. `params` keep their
   * order; the credential and expiry parameters are merged in alphabetically like the real URLs.
   */
  sign(kind: UrlKind, key: string, params: Array<[string, string]>, ttlSec: number): {path: string; expires: number} {
    const expires = this.clock.unix() + ttlSec
    const all: Array<[string, string]> = [
      ...params,
      ['security-token', this.securityToken],
      ['x-oss-access-key-id', this.accessKeyId],
      ['x-oss-expires', String(expires)],
    ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) as Array<[string, string]>
    const signature = this.hmac(kind, key, all)
    all.push(['x-oss-signature', signature], ['x-oss-signature-version', 'OSS2'])
    const query = all.map(([k, v]) => `${k}=${strictEncode(v)}`).join('&')
    return {path: `/oss/${strictEncode(key)}?${query}`, expires}
  }

  /** Checks expiry first (OSS answers "Request has expired." even for a URL it cannot verify), then the signature. */
  verify(kind: UrlKind, key: string, query: URLSearchParams): void {
    const expiresRaw = query.get('x-oss-expires')
    const expires = Number(expiresRaw)
    if (!expiresRaw || !Number.isFinite(expires) || query.get('x-oss-signature-version') !== 'OSS2') {
      throw signatureMismatch()
    }
    const now = this.clock.now()
    if (now >= expires * 1000) {
      throw new OssError(403, 'AccessDenied', 'Request has expired.', EC.expired, [
        ['Expires', new Date(expires * 1000).toISOString()],
        ['ServerTime', new Date(now).toISOString()],
      ])
    }
    const params = [...query.entries()].filter(([k]) => k !== 'x-oss-signature' && k !== 'x-oss-signature-version')
    params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    if (query.get('x-oss-signature') !== this.hmac(kind, key, params)) throw signatureMismatch()
  }

  private hmac(kind: UrlKind, key: string, params: Array<[string, string]>): string {
    const canonical = params.map(([k, v]) => `${k}=${v}`).join('&')
    return createHmac('sha1', this.secret).update(`${kind}\n/${key}\n${canonical}`).digest('base64')
  }
}

export const signatureMismatch = (): OssError =>
  new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    EC.signature,
  )
