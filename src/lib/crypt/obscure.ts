import {createCipheriv, randomBytes} from 'node:crypto'

import {UsageError} from '../errors.js'

/**
 * rclone "obscures" the passwords it writes into rclone.conf: AES-256-CTR under a key fixed in its
 * source (fs/config/obscure), a random 16-byte IV in front, URL-safe base64 without padding. It
 * keeps a password from being read over a shoulder, nothing more: anyone with the file can reveal
 * it, which is why the file itself must stay private (0600).
 */
const OBSCURE_KEY = Buffer.from('9c935b48730a554d6bfd7c63c886a92bd390198eb8128afbf4de162b8b95f638', 'hex')
const IV_BYTES = 16
const HINT = 'rclone.conf keeps passwords obscured: write them with `rclone obscure` (or let rclone config do it)'

export function obscure(plain: string, iv: Uint8Array = randomBytes(IV_BYTES)): string {
  return Buffer.concat([iv, ctr(iv, Buffer.from(plain, 'utf8'))]).toString('base64url')
}

/** The plain value of an obscured one; a value that cannot be one is a usage error (exit 2). */
export function reveal(obscured: string, what = 'the value'): string {
  if (!/^[A-Za-z0-9_-]*$/.test(obscured) || obscured.length % 4 === 1) {
    throw new UsageError(`Cannot reveal ${what}: it is not rclone-obscured (not URL-safe base64).`, {code: 'BadObscuredValue', hint: HINT})
  }
  const bytes = Buffer.from(obscured, 'base64url')
  if (bytes.length < IV_BYTES) {
    throw new UsageError(`Cannot reveal ${what}: it is too short to be rclone-obscured.`, {code: 'BadObscuredValue', hint: HINT})
  }
  // A password typed in clear where an obscured one belongs often passes the checks above, and
  // reveals to bytes that are not text: rclone would hash those bytes, a lenient decoding other
  // ones, and the two tools would no longer read each other's files.
  const plain = ctr(bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES))
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(plain)
  } catch {
    throw new UsageError(`Cannot reveal ${what}: it does not reveal to text, so it is not rclone-obscured (a password written in clear?).`, {code: 'BadObscuredValue', hint: HINT})
  }
}

function ctr(iv: Uint8Array, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', OBSCURE_KEY, iv)
  return Buffer.concat([cipher.update(data), cipher.final()])
}
