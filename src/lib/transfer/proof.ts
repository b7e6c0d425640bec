import {createHash} from 'node:crypto'

/**
 * Rapid-upload proof (§5.4, v1): 8 bytes of the file at an offset derived from the MD5 of the
 * access token sent with the create call. All official SDKs and OpenList agree on this.
 */
export function proofRange(accessToken: string, size: number): {start: number; end: number} {
  if (size <= 0) return {start: 0, end: 0}
  const md5 = createHash('md5').update(accessToken, 'utf8').digest('hex')
  // The 16-hex prefix often exceeds 2^63: unsigned BigInt arithmetic, never Number.
  const start = Number(BigInt(`0x${md5.slice(0, 16)}`) % BigInt(size))
  return {start, end: Math.min(start + 8, size)}
}

/** The proof code from the bytes at `proofRange` (empty file → ""). */
export function proofCodeFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

/** pre_hash (§5.3): SHA-1 of the first 1024 bytes (fewer if the file is shorter), uppercase hex. */
export const PRE_HASH_BYTES = 1024

export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').toUpperCase()
}
