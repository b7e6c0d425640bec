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

export function obscure(plain: string, iv: Uint8Array = randomBytes(IV_BYTES)): string {
  return Buffer.concat([iv, ctr(iv, Buffer.from(plain, 'utf8'))]).toString('base64url')
}

/** The plain value of an obscured one; a value that cannot be one is a usage error (exit 2). */
export function reveal(obscured: string, what = 'the value'): string {
  if (!/^[A-Za-z0-9_-]*$/.test(obscured) || obscured.length % 4 === 1) {
    throw new UsageError(`Cannot reveal ${what}: it is not rclone-obscured (not URL-safe base64).`, {code: 'BadObscuredValue', hint: 'rclone.conf keeps passwords obscured: write them with `rclone obscure` (or let rclone config do it)'})
  }
  const bytes = Buffer.from(obscured, 'base64url')
  if (bytes.length < IV_BYTES) {
    throw new UsageError(`Cannot reveal ${what}: it is too short to be rclone-obscured.`, {code: 'BadObscuredValue', hint: 'rclone.conf keeps passwords obscured: write them with `rclone obscure` (or let rclone config do it)'})
  }
  return ctr(bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES)).toString('utf8')
}

function ctr(iv: Uint8Array, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', OBSCURE_KEY, iv)
  return Buffer.concat([cipher.update(data), cipher.final()])
}
