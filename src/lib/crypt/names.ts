import {UsageError} from '../errors.js'
import {BadNameError} from './errors.js'
import {EME_MAX_BYTES, emeTransform} from './eme.js'
import {type NameEncoding, decodeName, encodeName, loadNameEncoding} from './encodings.js'
import type {CryptKeys} from './keys.js'
import {addVersion, hasVersion, removeVersion} from './versions.js'

/**
 * rclone's `filename_encryption`:
 * - `standard`: each path segment PKCS#7-padded to 16 bytes, EME-encrypted, then encoded;
 * - `obfuscate`: a keyed rotation of the characters (hides nothing from a determined reader);
 * - `off`: names in clear, files get a suffix (`.bin`).
 */
export type NameMode = 'standard' | 'obfuscate' | 'off'

export const NAME_MODES: readonly NameMode[] = ['standard', 'obfuscate', 'off']

export interface NameOptions {
  mode: NameMode
  encoding: NameEncoding
  /** `directory_name_encryption`: folder names too (default true), or only file names. */
  encryptDirectories: boolean
  /** `off` mode's file suffix (rclone's `suffix`, default `.bin`; `none` = no suffix). */
  suffix?: string
}

const AES_BLOCK = 16
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Maps plain names to the names stored on the drive and back, as rclone's crypt does, for paths
 * relative to the encrypted location's root (`a/b/c.txt`). Files and folders map differently:
 * with `off` or without directory encryption, folders keep their names.
 */
export class NameCipher {
  readonly mode: NameMode
  readonly encoding: NameEncoding
  readonly encryptDirectories: boolean
  readonly suffix: string
  private readonly nameKeySum: number

  /** A NameCipher with its encoding loaded (base32768 is imported only when used). */
  static async create(keys: Pick<CryptKeys, 'nameKey' | 'nameTweak'>, options: NameOptions): Promise<NameCipher> {
    await loadNameEncoding(options.encoding)
    return new NameCipher(keys, options)
  }

  private constructor(
    private readonly keys: Pick<CryptKeys, 'nameKey' | 'nameTweak'>,
    options: NameOptions,
  ) {
    this.mode = options.mode
    this.encoding = options.encoding
    this.encryptDirectories = options.encryptDirectories
    this.suffix = options.suffix === undefined ? '.bin' : options.suffix.toLowerCase() === 'none' ? '' : options.suffix
    this.nameKeySum = keys.nameKey.reduce((sum, byte) => sum + byte, 0)
  }

  /** A file's path as stored (rclone's `EncryptFileName`). */
  encryptFilePath(path: string): string {
    if (this.mode === 'off') return path + this.suffix
    return this.mapSegments(path, true, (segment) => this.encryptSegment(segment))
  }

  /** A folder's path as stored (rclone's `EncryptDirName`). */
  encryptDirPath(path: string): string {
    if (this.mode === 'off' || !this.encryptDirectories) return path
    return this.mapSegments(path, false, (segment) => this.encryptSegment(segment))
  }

  /** The plain path of a stored file path; throws BadNameError for a name these keys never wrote. */
  decryptFilePath(path: string): string {
    if (this.mode === 'off') {
      if (this.suffix === '') return path
      if (!path.endsWith(this.suffix) || path.length === this.suffix.length) throw new BadNameError(path, `it does not end in ${this.suffix}`)
      const plain = path.slice(0, -this.suffix.length)
      if (hasVersion(plain) && removeVersion(plain)?.name === '') throw new BadNameError(path, 'it is only a version suffix')
      return plain
    }
    return this.mapSegments(path, true, (segment) => this.decryptSegment(segment))
  }

  /** The plain path of a stored folder path. */
  decryptDirPath(path: string): string {
    if (this.mode === 'off' || !this.encryptDirectories) return path
    return this.mapSegments(path, false, (segment) => this.decryptSegment(segment))
  }

  /**
   * One segment, standard or obfuscated. rclone applies this to every segment of a path, except
   * that without directory encryption only a file's own name is touched, and that the last
   * segment keeps a version suffix (`-v2001-02-03-040506-123`) in clear.
   */
  encryptSegment(segment: string): string {
    if (segment === '') return ''
    if (this.mode === 'obfuscate') return this.obfuscate(segment)
    const padded = pkcs7Pad(Buffer.from(segment, 'utf8'))
    if (padded.length > EME_MAX_BYTES) throw new UsageError(`A name is too long to encrypt (over ${EME_MAX_BYTES - 1} bytes): ${segment.slice(0, 40)}…`)
    return encodeName(emeTransform(this.keys.nameKey, this.keys.nameTweak, padded, 'encrypt'), this.encoding)
  }

  decryptSegment(segment: string): string {
    if (segment === '') return ''
    if (this.mode === 'obfuscate') return this.deobfuscate(segment)
    let raw: Buffer
    try {
      raw = decodeName(segment, this.encoding)
    } catch (error) {
      throw new BadNameError(segment, (error as Error).message)
    }
    if (raw.length === 0 || raw.length % AES_BLOCK !== 0) throw new BadNameError(segment, 'its length is not a whole number of cipher blocks')
    if (raw.length > EME_MAX_BYTES) throw new BadNameError(segment, 'it is too long to be an encrypted name')
    const plain = pkcs7Unpad(emeTransform(this.keys.nameKey, this.keys.nameTweak, raw, 'decrypt'))
    if (!plain) throw new BadNameError(segment, 'its padding is wrong (another password, or not an encrypted name)')
    const text = plain.toString('utf8')
    if (!Buffer.from(text, 'utf8').equals(plain)) throw new BadNameError(segment, 'it decrypts to invalid UTF-8')
    return text
  }

  private mapSegments(path: string, isFile: boolean, map: (segment: string) => string): string {
    const segments = path.split('/')
    const last = segments.length - 1
    return segments
      .map((segment, i) => {
        // Without directory encryption, only a file's own name changes.
        if (!this.encryptDirectories && (!isFile || i !== last)) return segment
        // The last segment of any path keeps a version suffix in clear (rclone does this for
        // folder paths too).
        const version = i === last && hasVersion(segment) ? removeVersion(segment) : undefined
        return version ? addVersion(map(version.name), version.version) : map(segment)
      })
      .join('/')
  }

  /** rclone's `obfuscateSegment`: rotate digits, ASCII letters, Latin-1 and other BMP ranges. */
  private obfuscate(plain: string): string {
    // Go's test for valid UTF-8; in a JS string the only invalid text is a lone surrogate.
    if (LONE_SURROGATE.test(plain)) return `!.${plain}`
    let dir = 0
    for (const char of plain) dir += char.codePointAt(0)!
    dir %= 256
    let out = `${dir}.`
    dir += this.nameKeySum
    for (const char of plain) {
      const rune = char.codePointAt(0)!
      if (char === '!') out += '!!'
      else if (rune >= 0x30 && rune <= 0x39) out += String.fromCodePoint(0x30 + ((rune - 0x30 + (dir % 9) + 1) % 10))
      else if ((rune >= 0x41 && rune <= 0x5a) || (rune >= 0x61 && rune <= 0x7a)) out += fromLetterIndex((letterIndex(rune) + (dir % 25) + 1) % 52)
      else if (rune >= 0xa0 && rune <= 0xff) out += String.fromCodePoint(0xa0 + ((rune - 0xa0 + (dir % 95) + 1) % 96))
      else if (rune >= 0x100) {
        const base = rune - (rune % 256)
        const rotated = base + ((rune - base + (dir % 127) + 1) % 256)
        // A rotation into the surrogates (or past Unicode) is not a character: quote the original.
        out += isScalar(rotated) ? String.fromCodePoint(rotated) : `!${char}`
      } else out += char
    }
    return out
  }

  private deobfuscate(stored: string): string {
    const dot = stored.indexOf('.')
    if (dot === -1) throw new BadNameError(stored, 'it has no rotation prefix')
    const prefix = stored.slice(0, dot)
    if (prefix === '!') return stored.slice(dot + 1)
    if (!/^[+-]?\d+$/.test(prefix)) throw new BadNameError(stored, 'its rotation prefix is not a number')
    const dir = Number(prefix) + this.nameKeySum
    let out = ''
    let quoted = false
    for (const char of stored.slice(dot + 1)) {
      const rune = char.codePointAt(0)!
      if (quoted) {
        out += char
        quoted = false
      } else if (char === '!') quoted = true
      else if (rune >= 0x30 && rune <= 0x39) out += String.fromCodePoint(0x30 + mod(rune - 0x30 - (dir % 9) - 1, 10))
      else if ((rune >= 0x41 && rune <= 0x5a) || (rune >= 0x61 && rune <= 0x7a)) out += fromLetterIndex(mod(letterIndex(rune) - (dir % 25) - 1, 52))
      else if (rune >= 0xa0 && rune <= 0xff) out += String.fromCodePoint(0xa0 + mod(rune - 0xa0 - (dir % 95) - 1, 96))
      else if (rune >= 0x100) {
        const base = rune - (rune % 256)
        out += String.fromCodePoint(base + mod(rune - base - (dir % 127) - 1, 256))
      } else out += char
    }
    return out
  }
}

/** A–Z → 0–25, a–z → 26–51. */
function letterIndex(rune: number): number {
  return rune <= 0x5a ? rune - 0x41 : rune - 0x61 + 26
}

function fromLetterIndex(index: number): string {
  return String.fromCharCode(index < 26 ? 0x41 + index : 0x61 + index - 26)
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n
}

function isScalar(rune: number): boolean {
  return rune <= 0x10ffff && (rune < 0xd800 || rune > 0xdfff)
}

/** PKCS#7 to a multiple of 16 (a full block of 16s when already aligned). */
function pkcs7Pad(bytes: Buffer): Buffer {
  const pad = AES_BLOCK - (bytes.length % AES_BLOCK)
  return Buffer.concat([bytes, Buffer.alloc(pad, pad)])
}

/** The bytes without their PKCS#7 padding, or undefined when the padding is not valid. */
function pkcs7Unpad(bytes: Buffer): Buffer | undefined {
  const pad = bytes[bytes.length - 1]
  if (pad === 0 || pad > AES_BLOCK || pad > bytes.length) return undefined
  for (let i = bytes.length - pad; i < bytes.length; i++) if (bytes[i] !== pad) return undefined
  return bytes.subarray(0, bytes.length - pad)
}
