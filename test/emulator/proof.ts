// Pure hashing functions of the rapid-upload protocol (§5.3, §5.4). The server side recomputes the
// proof range from the caller's own access token and compares the 8 bytes it finds there.
import {createHash} from 'node:crypto'

/** Byte range [start, end) that proof_code v1 covers for this token and file size. */
export function proofRange(accessToken: string, size: number): {start: number; end: number} {
  if (size <= 0) return {start: 0, end: 0}
  const md5 = createHash('md5').update(accessToken, 'utf8').digest('hex')
  // the 16-hex prefix often exceeds 2^63: unsigned BigInt arithmetic (§5.4)
  const n = BigInt('0x' + md5.slice(0, 16))
  const start = Number(n % BigInt(size))
  return {start, end: Math.min(start + 8, size)}
}

/** proof_code v1 of a whole file held in memory; "" for the empty file. */
export function proofCode(accessToken: string, data: Buffer): string {
  if (data.length === 0) return ''
  const {start, end} = proofRange(accessToken, data.length)
  return data.subarray(start, end).toString('base64')
}

/** pre_hash: SHA-1 of the first 1024 bytes (or fewer), uppercase hex. */
export function preHash(data: Buffer): string {
  return sha1Hex(data.subarray(0, 1024))
}

export function sha1Hex(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex').toUpperCase()
}
