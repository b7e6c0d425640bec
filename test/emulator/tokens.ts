// Access/refresh tokens and authorization codes (§2.4–§2.6).
//
// Tokens are JWT-shaped (`header.payload.sig`, base64url). The payload JSON holds only ASCII
// letters, digits and JSON punctuation: base64 of such bytes never yields `-` or `_` (those need
// a 6-bit group of 62/63, which ASCII text only produces for `>`, `?`, `~`), so OpenList/alist,
// which decode the payload with *standard* base64, can read `sub` (§2.6 caveat).
// Each token is also a key into an in-memory table, so a forged or tampered token is unknown.
import {createHmac, randomBytes} from 'node:crypto'
import type {Clock} from './clock.js'
import {ApiError} from './errors.js'
import {hex, newAuthCode} from './ids.js'
import type {TokenPair} from './types.js'

const PKCE_ACCESS_TTL_SEC = 30 * 86400 // §2.5: PKCE access tokens live ~30 days, no refresh token
const AUTH_CODE_TTL_MS = 10 * 60 * 1000 // §2.2: 10 minutes, single use

interface TokenRecord {
  kind: 'access' | 'refresh'
  userId: string
  clientId: string
  scopes: string[]
  exp: number
  consumed: boolean
  revoked: boolean
}

export interface AuthCode {
  code: string
  clientId: string
  userId: string
  scopes: string[]
  exp: number
  used: boolean
  challenge?: {value: string; method: 'S256' | 'plain'}
}

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url')
const HEADER = b64url(JSON.stringify({alg: 'HS256', typ: 'JWT'}))

export const invalidAccessToken = (): ApiError => new ApiError(401, 'AccessTokenInvalid', 'AccessToken is invalid.')

export class TokenStore {
  private readonly records = new Map<string, TokenRecord>()
  private readonly codes = new Map<string, AuthCode>()
  private readonly secret = randomBytes(32)

  constructor(
    private readonly clock: Clock,
    private readonly ttl: {accessSec: number; refreshSec: number},
  ) {}

  private mint(kind: TokenRecord['kind'], userId: string, clientId: string, scopes: string[], ttlSec: number): string {
    const iat = this.clock.unix()
    const exp = iat + ttlSec
    const payload = b64url(JSON.stringify({sub: userId, aud: clientId, typ: kind, iat, exp, jti: hex(16)}))
    const sig = createHmac('sha256', this.secret).update(`${HEADER}.${payload}`).digest('base64url')
    const token = `${HEADER}.${payload}.${sig}`
    this.records.set(token, {kind, userId, clientId, scopes, exp: exp * 1000, consumed: false, revoked: false})
    return token
  }

  /** A fresh pair as `/oauth/access_token` returns it; PKCE grants get no refresh token. */
  issue(userId: string, clientId: string, scopes: string[], pkce = false): TokenPair {
    if (pkce) {
      const access_token = this.mint('access', userId, clientId, scopes, PKCE_ACCESS_TTL_SEC)
      return {token_type: 'Bearer', access_token, expires_in: PKCE_ACCESS_TTL_SEC}
    }
    const access_token = this.mint('access', userId, clientId, scopes, this.ttl.accessSec)
    const refresh_token = this.mint('refresh', userId, clientId, scopes, this.ttl.refreshSec)
    return {token_type: 'Bearer', access_token, refresh_token, expires_in: this.ttl.accessSec}
  }

  /** Validates a bearer token; 401 AccessTokenInvalid / AccessTokenExpired (§7.2). */
  checkAccess(token: string | undefined): TokenRecord {
    const rec = token === undefined ? undefined : this.records.get(token)
    if (!rec || rec.kind !== 'access' || rec.revoked) throw invalidAccessToken()
    if (this.clock.now() >= rec.exp) throw new ApiError(401, 'AccessTokenExpired', 'AccessToken is expired.')
    return rec
  }

  /**
   * Consumes a refresh token (single use, §2.6). The old access token is left alone: it keeps
   * working until its own expiry. A token minted for another app is "invalid" for this one.
   */
  redeemRefresh(token: string, clientId: string): TokenRecord {
    if (token.split('.').length !== 3) {
      throw new ApiError(400, 'RefreshTokenInvalid', 'refresh_token is invalid')
    }
    const rec = this.records.get(token)
    if (!rec || rec.kind !== 'refresh' || rec.consumed || rec.revoked || rec.clientId !== clientId) {
      throw new ApiError(400, 'AccessDenied', 'invalid token')
    }
    if (this.clock.now() >= rec.exp) throw new ApiError(401, 'RefreshTokenExpired', 'expired refresh_token')
    rec.consumed = true
    return rec
  }

  /** The user revokes the app: every token and pending code of theirs dies. */
  revokeUser(userId?: string): void {
    for (const rec of this.records.values()) if (!userId || rec.userId === userId) rec.revoked = true
    for (const c of this.codes.values()) if (!userId || c.userId === userId) c.used = true
  }

  /** Every access token issued so far is expired; refresh tokens still work. */
  expireAccessTokens(userId?: string): void {
    const now = this.clock.now()
    for (const rec of this.records.values()) {
      if (rec.kind === 'access' && (!userId || rec.userId === userId)) rec.exp = Math.min(rec.exp, now)
    }
  }

  newCode(clientId: string, userId: string, scopes: string[], challenge?: AuthCode['challenge']): AuthCode {
    const code: AuthCode = {
      code: newAuthCode(),
      clientId,
      userId,
      scopes,
      exp: this.clock.now() + AUTH_CODE_TTL_MS,
      used: false,
      challenge,
    }
    this.codes.set(code.code, code)
    return code
  }

  /** Looks a code up without consuming it; InvalidCode for unknown, used, expired or foreign codes. */
  peekCode(code: string | undefined, clientId: string): AuthCode {
    const rec = code ? this.codes.get(code) : undefined
    if (!rec || rec.used || rec.clientId !== clientId) throw new ApiError(400, 'InvalidCode', 'code is invalid')
    if (this.clock.now() >= rec.exp) throw new ApiError(400, 'InvalidCode', 'code is expired')
    return rec
  }
}
