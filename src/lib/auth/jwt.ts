/**
 * Alipan tokens are JWT-shaped (§2.6). We never verify them (only the service can); we read the
 * payload for the user (`sub`) and, when present, the expiry (`exp`). Properly base64url, unlike
 * OpenList's standard-base64 decode the spec warns about.
 */
export interface TokenClaims {
  sub?: string
  exp?: number
  iat?: number
}

export function decodeClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const json = Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')
    const claims: unknown = JSON.parse(json)
    if (!claims || typeof claims !== 'object') return undefined
    const {sub, exp, iat} = claims as Record<string, unknown>
    return {
      sub: typeof sub === 'string' ? sub : undefined,
      exp: typeof exp === 'number' ? exp : undefined,
      iat: typeof iat === 'number' ? iat : undefined,
    }
  } catch {
    return undefined
  }
}

/** Same-length comparison-free fingerprint, safe to store next to the token it identifies. */
export async function fingerprint(token: string): Promise<string> {
  const {createHash} = await import('node:crypto')
  return createHash('sha256').update(token).digest('hex').slice(0, 16)
}
