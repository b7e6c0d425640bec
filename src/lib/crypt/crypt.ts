import {createHash} from 'node:crypto'
import type {Transform} from 'node:stream'

import {type ChunkSource, type DecryptOptions, Decryptor, Encryptor, decryptIterable, decryptStream, encryptIterable, encryptStream} from './data.js'
import type {NameEncoding} from './encodings.js'
import {NotEncryptedError, TruncatedError} from './errors.js'
import {FILE_MAGIC, HEADER_SIZE, decryptedSizeOrReason, encryptedSize} from './format.js'
import {deriveKeys} from './keys.js'
import {NameCipher, type NameMode} from './names.js'
import type {CryptRemoteConfig} from './rclone-conf.js'
import {type Secretbox, type SecretboxBackend, loadSecretbox} from './secretbox.js'

export interface CryptOptions {
  password: string
  password2?: string
  filenameEncryption?: NameMode
  directoryNameEncryption?: boolean
  filenameEncoding?: NameEncoding
  suffix?: string
  /** Force a secretbox library (tests, benchmarks); default: the fastest that loads. */
  backend?: SecretboxBackend
}

/**
 * One encrypted location's cipher, as rclone's crypt `Cipher`: the keys derived once (scrypt,
 * ~0.1 s), the name mapping, and the file-content transforms. The keys live in private fields,
 * so printing or serializing this object shows none of them.
 */
export class Crypt {
  readonly names: NameCipher
  readonly #dataKey: Buffer
  readonly #box: Secretbox
  /** Tells ciphers apart (same keys and name options: same value) without showing anything of the keys. */
  readonly id: string

  private constructor(names: NameCipher, dataKey: Buffer, box: Secretbox, id: string) {
    this.names = names
    this.#dataKey = dataKey
    this.#box = box
    this.id = id
  }

  static async create(options: CryptOptions): Promise<Crypt> {
    const [keys, box] = await Promise.all([deriveKeys(options.password, options.password2 ?? ''), loadSecretbox(options.backend)])
    const names = await NameCipher.create(keys, {
      mode: options.filenameEncryption ?? 'standard',
      encoding: options.filenameEncoding ?? 'base32',
      encryptDirectories: options.directoryNameEncryption ?? true,
      suffix: options.suffix,
    })
    // A one-way digest of everything that decides the stored bytes and names.
    const id = createHash('sha256')
      .update(Buffer.concat([keys.dataKey, keys.nameKey, keys.nameTweak]))
      .update(JSON.stringify([names.mode, names.encoding, names.encryptDirectories, names.suffix]))
      .digest('hex')
      .slice(0, 16)
    return new Crypt(names, keys.dataKey, box, id)
  }

  static fromRcloneConfig(config: CryptRemoteConfig, backend?: SecretboxBackend): Promise<Crypt> {
    return Crypt.create({
      password: config.password,
      password2: config.password2,
      filenameEncryption: config.filenameEncryption,
      directoryNameEncryption: config.directoryNameEncryption,
      filenameEncoding: config.filenameEncoding,
      suffix: config.suffix,
      backend,
    })
  }

  /** Which secretbox library seals the blocks (`sodium-native` or `libsodium-wrappers`). */
  get backend(): string {
    return this.#box.name
  }

  /** Plain bytes → encrypted file, as a Transform. `nonce` re-creates a known ciphertext (check). */
  encryptStream(nonce?: Uint8Array): Transform {
    return encryptStream(this.#box, this.#dataKey, nonce)
  }

  /** Encrypted file (or, with `range`, whole blocks of one) → plain bytes, as a Transform. */
  decryptStream(options?: DecryptOptions): Transform {
    return decryptStream(this.#box, this.#dataKey, options)
  }

  /** The push-style encryptor (`firstBlock`: seal one range of a file's ciphertext, without its header). */
  encryptor(nonce: Uint8Array, options: {firstBlock?: number; output?: ChunkSource} = {}): Encryptor {
    return new Encryptor(this.#box, this.#dataKey, nonce, options.output, options.firstBlock)
  }

  /** The push-style decryptor (a download decodes with it in place, transfer/codec.ts). */
  decryptor(options?: DecryptOptions): Decryptor {
    return new Decryptor(this.#box, this.#dataKey, options)
  }

  encrypt(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, nonce?: Uint8Array): AsyncGenerator<Buffer> {
    return encryptIterable(source, this.#box, this.#dataKey, nonce)
  }

  decrypt(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: DecryptOptions): AsyncGenerator<Buffer> {
    return decryptIterable(source, this.#box, this.#dataKey, options)
  }

  /**
   * SHA-1 (upper-case hex, as the drive lists `content_hash`) of the file that encrypting `source`
   * under `nonce` gives, without keeping it: how `check` compares a local file with an uploaded
   * one whose nonce it recorded or read from the first 32 bytes (rclone's `cryptcheck`).
   */
  async ciphertextSha1(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, nonce: Uint8Array): Promise<{sha1: string; size: number}> {
    const hash = createHash('sha1')
    const encryptor = new Encryptor(this.#box, this.#dataKey, nonce)
    let size = 0
    const take = (blocks: Buffer[]) => {
      for (const block of blocks) {
        hash.update(block)
        size += block.length
      }
    }
    for await (const chunk of source) take(encryptor.push(chunk))
    take(encryptor.finish())
    return {sha1: hash.digest('hex').toUpperCase(), size}
  }
}

/** The encrypted size of a plain size (what a listing shows for it). */
export {encryptedSize}

/** The plain size of an encrypted file; a size no encrypted file can have is a truncated (or foreign) file. */
export function decryptedSize(size: number, label?: string): number {
  const plain = decryptedSizeOrReason(size)
  if (plain === 'short') throw size === 0 ? new NotEncryptedError(label, 'it is empty; an encrypted file has at least 32 bytes') : new TruncatedError(label, `${size} bytes is shorter than the 32-byte header`)
  if (plain === 'bad-block') throw new TruncatedError(label, `${size} bytes ends inside a block's 16-byte tag`)
  return plain
}

/** The nonce of an encrypted file from its first 32 bytes (one Range request before a Range read). */
export function headerNonce(header: Uint8Array, label?: string): Buffer {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength)
  if (bytes.length === 0) throw new NotEncryptedError(label, 'it is empty; an encrypted file has at least 32 bytes')
  const magic = Math.min(bytes.length, FILE_MAGIC.length)
  if (!bytes.subarray(0, magic).equals(FILE_MAGIC.subarray(0, magic))) throw new NotEncryptedError(label)
  if (bytes.length < HEADER_SIZE) throw new TruncatedError(label, `${bytes.length} of the ${HEADER_SIZE} header bytes`)
  return Buffer.from(bytes.subarray(FILE_MAGIC.length, HEADER_SIZE))
}
