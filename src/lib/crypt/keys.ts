import {scrypt} from 'node:crypto'

/** The three keys rclone's crypt derives from the passwords, in the order scrypt yields them. */
export interface CryptKeys {
  /** XSalsa20-Poly1305 (secretbox) key for file contents: bytes 0–31. */
  dataKey: Buffer
  /** AES-256 key for EME name encryption: bytes 32–63. */
  nameKey: Buffer
  /** EME tweak: bytes 64–79. */
  nameTweak: Buffer
}

/** rclone's salt when no password2 is set (backend/crypt `defaultSalt`). */
export const DEFAULT_SALT = Buffer.from([0xa8, 0x0d, 0xf4, 0x3a, 0x8f, 0xbd, 0x03, 0x08, 0xa7, 0xca, 0xb8, 0x3e, 0x58, 0x1f, 0x86, 0xb1])

/** rclone's scrypt cost: N=16384, r=8, p=1 (~100 ms and 16 MiB here). */
export const SCRYPT_PARAMS = {N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024} as const
const KEY_BYTES = 32 + 32 + 16

/** scrypt with rclone's parameters; exported so a published scrypt vector can pin them. */
export function scryptBytes(password: string | Buffer, salt: string | Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, SCRYPT_PARAMS, (error, key) => (error ? reject(error) : resolve(key))))
}

/**
 * scrypt(password, salt = password2 or rclone's built-in salt) → 80 bytes: data key, name key,
 * name tweak. Both passwords are the plain (revealed) strings, as UTF-8. An empty password gives
 * all-zero keys, as in rclone (its tests use that; a crypt remote itself refuses an empty one).
 */
export async function deriveKeys(password: string, password2 = ''): Promise<CryptKeys> {
  const key = password === '' ? Buffer.alloc(KEY_BYTES) : await scryptBytes(password, password2 === '' ? DEFAULT_SALT : Buffer.from(password2, 'utf8'), KEY_BYTES)
  return {dataKey: key.subarray(0, 32), nameKey: key.subarray(32, 64), nameTweak: key.subarray(64, 80)}
}
