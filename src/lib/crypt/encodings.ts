/**
 * How encrypted name bytes become text (rclone's `filename_encoding`):
 * - `base32`: RFC 4648 base32hex, lower-case, no padding (rclone's default); decoding ignores case,
 *   since some drives change it.
 * - `base64`: URL-safe base64 without padding (shorter names, case-sensitive).
 * - `base32768`: qntm's base32768 (one character per 15 bits; for drives that count UTF-16 units).
 * Decoding is strict: a name that is not valid text of its encoding throws, so a plain name never
 * decodes by accident.
 */
export type NameEncoding = 'base32' | 'base64' | 'base32768'

export const NAME_ENCODINGS: readonly NameEncoding[] = ['base32', 'base64', 'base32768']

/**
 * The base32768 package builds its tables when imported (0.1–0.3 s here), so it is loaded only
 * for a location that uses it: `loadNameEncoding` before the first encode or decode.
 */
let base32768: typeof import('base32768') | undefined

export async function loadNameEncoding(encoding: NameEncoding): Promise<void> {
  if (encoding === 'base32768') base32768 ??= await import('base32768')
}

function codec32768(): typeof import('base32768') {
  if (!base32768) throw new Error('internal: base32768 used before loadNameEncoding')
  return base32768
}

export function encodeName(bytes: Uint8Array, encoding: NameEncoding): string {
  switch (encoding) {
    case 'base32':
      return base32hexEncode(bytes)
    case 'base64':
      return Buffer.from(bytes).toString('base64url')
    case 'base32768':
      return codec32768().encode(bytes)
  }
}

/** The bytes of an encoded name; throws `Error` with the reason when it is not one. */
export function decodeName(text: string, encoding: NameEncoding): Buffer {
  switch (encoding) {
    case 'base32':
      return base32hexDecode(text)
    case 'base64':
      // Node's own decoder skips characters it does not know; rclone's refuses them.
      if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64 (URL-safe, unpadded)')
      return Buffer.from(text, 'base64url')
    case 'base32768':
      try {
        return Buffer.from(codec32768().decode(text))
      } catch (error) {
        throw new Error(`not base32768 (${(error as Error).message})`)
      }
  }
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv'

function base32hexEncode(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32HEX[(buffer >> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32HEX[(buffer << (5 - bits)) & 31]
  return out
}

function base32hexDecode(text: string): Buffer {
  if (text.endsWith('=')) throw new Error('base32 with padding')
  // Unpadded lengths a base32 text can have: 8k, 8k+2, 8k+4, 8k+5, 8k+7.
  if ([1, 3, 6].includes(text.length % 8)) throw new Error('not base32 (impossible length)')
  const out = Buffer.allocUnsafe(Math.floor((text.length * 5) / 8))
  let buffer = 0
  let bits = 0
  let at = 0
  for (const char of text.toLowerCase()) {
    const value = BASE32HEX.indexOf(char)
    if (value < 0) throw new Error('not base32')
    buffer = ((buffer << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      out[at++] = (buffer >> (bits - 8)) & 0xff
      bits -= 8
    }
  }
  return out.subarray(0, at)
}
