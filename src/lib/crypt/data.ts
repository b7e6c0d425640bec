import {randomBytes} from 'node:crypto'
import {Transform, type TransformCallback} from 'node:stream'

import {CorruptBlockError, NotEncryptedError, TruncatedError, WrongPasswordError} from './errors.js'
import {BLOCK_DATA_SIZE, BLOCK_SIZE, FILE_MAGIC, HEADER_SIZE, NONCE_SIZE, TAG_SIZE, fileHeader, incrementNonce, nonceForBlock} from './format.js'
import type {Secretbox} from './secretbox.js'

/**
 * The streaming halves of rclone's file format. Both are push-style cores (bytes in, bytes out,
 * a final flush) so that one implementation serves a Node Transform (`encryptStream`,
 * `decryptStream`) and an async iterable (`encryptIterable`, `decryptIterable`). Memory is one
 * block of carry-over plus the output of the chunk at hand: nothing depends on the file's size.
 */

/** Plain bytes → the encrypted file: header first, then one sealed block per 64 KiB. */
export class Encryptor {
  private readonly nonce: Buffer
  private readonly pending = Buffer.allocUnsafe(BLOCK_DATA_SIZE)
  private filled = 0
  private headerSent = false
  /** Plain bytes taken so far. */
  plainBytes = 0

  constructor(
    private readonly box: Secretbox,
    private readonly dataKey: Uint8Array,
    /** The file's nonce (random unless given: a given one re-creates a known ciphertext, for `check`). */
    nonce: Uint8Array = randomBytes(NONCE_SIZE),
  ) {
    this.nonce = Buffer.from(fileHeader(nonce).subarray(FILE_MAGIC.length))
  }

  /** The ciphertext this chunk completes (possibly empty). */
  push(input: Uint8Array): Buffer {
    const chunk = asBuffer(input)
    this.plainBytes += chunk.length
    const header = this.takeHeader()
    // Whole blocks this chunk completes: the carried-over one, then any lying wholly in the chunk,
    // sealed straight from it.
    const topUp = this.filled > 0 ? Math.min(BLOCK_DATA_SIZE - this.filled, chunk.length) : 0
    const completesPending = this.filled > 0 && this.filled + topUp === BLOCK_DATA_SIZE
    const whole = Math.floor((chunk.length - topUp) / BLOCK_DATA_SIZE) + (completesPending ? 1 : 0)
    const out = Buffer.allocUnsafe(header.length + whole * BLOCK_SIZE)
    header.copy(out)
    let at = header.length
    if (topUp > 0) {
      chunk.copy(this.pending, this.filled, 0, topUp)
      this.filled += topUp
      if (completesPending) {
        at = this.seal(this.pending, out, at)
        this.filled = 0
      }
    }
    let offset = topUp
    while (chunk.length - offset >= BLOCK_DATA_SIZE) {
      at = this.seal(chunk.subarray(offset, offset + BLOCK_DATA_SIZE), out, at)
      offset += BLOCK_DATA_SIZE
    }
    if (offset < chunk.length) {
      chunk.copy(this.pending, this.filled, offset)
      this.filled += chunk.length - offset
    }
    return out
  }

  /** The header (for an empty file, all there is) and the last, short block. */
  finish(): Buffer {
    const header = this.takeHeader()
    if (this.filled === 0) return header
    const out = Buffer.allocUnsafe(header.length + TAG_SIZE + this.filled)
    header.copy(out)
    this.seal(this.pending.subarray(0, this.filled), out, header.length)
    this.filled = 0
    return out
  }

  private takeHeader(): Buffer {
    if (this.headerSent) return EMPTY
    this.headerSent = true
    return fileHeader(this.nonce)
  }

  private seal(plain: Uint8Array, out: Buffer, at: number): number {
    this.box.seal(out.subarray(at, at + TAG_SIZE + plain.length), plain, this.nonce, this.dataKey)
    incrementNonce(this.nonce)
    return at + TAG_SIZE + plain.length
  }
}

export interface DecryptOptions {
  /** Names the file in error messages. */
  label?: string
  /**
   * Ciphertext bytes the source should hold (the listing's size, or a Range's length): fewer is a
   * truncation even when the cut falls on a block boundary, which the format alone cannot see.
   */
  expectedBytes?: number
  /**
   * Decrypt part of a file: the source starts at block `firstBlock` (no header; `nonce` is the
   * file's, from its header), the first `discard` plain bytes are dropped and at most `length`
   * are returned. See `cipherRange`.
   */
  range?: {nonce: Uint8Array; firstBlock: number; discard?: number; length?: number}
}

/**
 * Encrypted bytes → plain bytes, each block authenticated before a byte of it is returned. A
 * first block that fails is judged by the next one: if that one opens, the keys are right and the
 * first block is corrupted; if it fails too (or there is none), the password is wrong.
 */
export class Decryptor {
  private nonce?: Buffer
  private header?: Buffer
  private readonly pending = Buffer.allocUnsafe(BLOCK_SIZE)
  private filled = 0
  private block: number
  private discard: number
  private remaining: number
  private received = 0
  /** The first block failed; the next one decides between a wrong password and corruption. */
  private firstFailed = false
  private anyOpened = false

  constructor(
    private readonly box: Secretbox,
    private readonly dataKey: Uint8Array,
    private readonly options: DecryptOptions = {},
  ) {
    const range = options.range
    if (range) this.nonce = nonceForBlock(range.nonce, range.firstBlock)
    else this.header = Buffer.allocUnsafe(0)
    this.block = range?.firstBlock ?? 0
    this.discard = range?.discard ?? 0
    this.remaining = range?.length ?? Number.POSITIVE_INFINITY
  }

  /** The plain bytes this chunk completes (possibly empty). */
  push(input: Uint8Array): Buffer {
    let chunk = asBuffer(input)
    this.received += chunk.length
    const {expectedBytes, label} = this.options
    if (expectedBytes !== undefined && this.received > expectedBytes) {
      throw new CorruptBlockError(this.block, label, `it holds more than the ${expectedBytes} bytes expected`)
    }
    if (this.header) {
      chunk = this.takeHeader(chunk)
      if (this.header) return EMPTY
    }
    const topUp = this.filled > 0 ? Math.min(BLOCK_SIZE - this.filled, chunk.length) : 0
    const completesPending = this.filled > 0 && this.filled + topUp === BLOCK_SIZE
    const whole = Math.floor((chunk.length - topUp) / BLOCK_SIZE) + (completesPending ? 1 : 0)
    const out = Buffer.allocUnsafe(whole * BLOCK_DATA_SIZE)
    let at = 0
    if (topUp > 0) {
      chunk.copy(this.pending, this.filled, 0, topUp)
      this.filled += topUp
      if (completesPending) {
        at = this.open(this.pending, out, at)
        this.filled = 0
      }
    }
    let offset = topUp
    while (chunk.length - offset >= BLOCK_SIZE) {
      at = this.open(chunk.subarray(offset, offset + BLOCK_SIZE), out, at)
      offset += BLOCK_SIZE
    }
    if (offset < chunk.length) {
      chunk.copy(this.pending, this.filled, offset)
      this.filled += chunk.length - offset
    }
    return this.trim(out.subarray(0, at))
  }

  /** The last, short block; throws if the file ends where no encrypted file can. */
  finish(): Buffer {
    const {label, expectedBytes} = this.options
    if (this.header) {
      const got = this.header.length
      if (got > 0 && FILE_MAGIC.subarray(0, Math.min(got, FILE_MAGIC.length)).equals(this.header.subarray(0, FILE_MAGIC.length))) {
        throw new TruncatedError(label, `${got} of the ${HEADER_SIZE} header bytes`)
      }
      if (expectedBytes !== undefined && expectedBytes > got) throw new TruncatedError(label, `${got} of ${expectedBytes} bytes`)
      throw new NotEncryptedError(label, got === 0 ? 'it is empty; an encrypted file has at least 32 bytes' : `it has only ${got} bytes`)
    }
    if (expectedBytes !== undefined && this.received < expectedBytes) {
      if (this.firstFailed && !this.anyOpened) throw new WrongPasswordError(label)
      throw new TruncatedError(label, `${this.received} of ${expectedBytes} bytes`)
    }
    let out = EMPTY
    if (this.filled > 0) {
      if (this.filled <= TAG_SIZE) {
        if (this.firstFailed && !this.anyOpened) throw new WrongPasswordError(label)
        throw new TruncatedError(label, `it ends ${this.filled} bytes into the tag of block ${this.block}`)
      }
      out = Buffer.allocUnsafe(this.filled - TAG_SIZE)
      this.open(this.pending.subarray(0, this.filled), out, 0)
      this.filled = 0
    }
    if (this.firstFailed) throw new WrongPasswordError(label)
    return this.trim(out)
  }

  private takeHeader(chunk: Buffer): Buffer {
    const header = this.header!
    const need = HEADER_SIZE - header.length
    const joined = header.length === 0 && chunk.length >= HEADER_SIZE ? chunk.subarray(0, HEADER_SIZE) : Buffer.concat([header, chunk.subarray(0, need)])
    const magicBytes = Math.min(joined.length, FILE_MAGIC.length)
    if (!joined.subarray(0, magicBytes).equals(FILE_MAGIC.subarray(0, magicBytes))) throw new NotEncryptedError(this.options.label)
    if (joined.length < HEADER_SIZE) {
      this.header = Buffer.from(joined)
      return EMPTY
    }
    this.header = undefined
    this.nonce = Buffer.from(joined.subarray(FILE_MAGIC.length))
    return chunk.subarray(need)
  }

  private open(sealed: Buffer, out: Buffer, at: number): number {
    const length = sealed.length - TAG_SIZE
    const ok = this.box.open(out.subarray(at, at + length), sealed, this.nonce!, this.dataKey)
    const index = this.block++
    incrementNonce(this.nonce!)
    const {label} = this.options
    if (!ok) {
      if (this.anyOpened) throw new CorruptBlockError(index, label)
      if (this.firstFailed) throw new WrongPasswordError(label)
      this.firstFailed = true
      return at // its bytes are never returned
    }
    if (this.firstFailed) throw new CorruptBlockError(index - 1, label)
    this.anyOpened = true
    return at + length
  }

  /** Drop what precedes a range's start and what follows its end. */
  private trim(plain: Buffer): Buffer {
    if (this.discard > 0) {
      const drop = Math.min(this.discard, plain.length)
      this.discard -= drop
      plain = plain.subarray(drop)
    }
    if (plain.length > this.remaining) plain = plain.subarray(0, this.remaining)
    this.remaining -= plain.length
    return plain
  }
}

/** A Buffer view of the same bytes (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const EMPTY = Buffer.alloc(0)

/** A Transform (for `pipeline`, or a download's sink) over an Encryptor or Decryptor. */
class CoreTransform extends Transform {
  constructor(private readonly core: Encryptor | Decryptor) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let out: Buffer
    try {
      out = this.core.push(chunk)
    } catch (error) {
      callback(error as Error)
      return
    }
    if (out.length > 0) this.push(out)
    callback()
  }

  override _flush(callback: TransformCallback): void {
    let out: Buffer
    try {
      out = this.core.finish()
    } catch (error) {
      callback(error as Error)
      return
    }
    if (out.length > 0) this.push(out)
    callback()
  }
}

export function encryptStream(box: Secretbox, dataKey: Uint8Array, nonce?: Uint8Array): Transform {
  return new CoreTransform(new Encryptor(box, dataKey, nonce))
}

export function decryptStream(box: Secretbox, dataKey: Uint8Array, options?: DecryptOptions): Transform {
  return new CoreTransform(new Decryptor(box, dataKey, options))
}

/** An async iterable of plain chunks → the encrypted file's chunks (pull-based: bounded memory). */
export async function* encryptIterable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, box: Secretbox, dataKey: Uint8Array, nonce?: Uint8Array): AsyncGenerator<Buffer> {
  const core = new Encryptor(box, dataKey, nonce)
  for await (const chunk of source) {
    const out = core.push(chunk)
    if (out.length > 0) yield out
  }
  const last = core.finish()
  if (last.length > 0) yield last
}

export async function* decryptIterable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, box: Secretbox, dataKey: Uint8Array, options?: DecryptOptions): AsyncGenerator<Buffer> {
  const core = new Decryptor(box, dataKey, options)
  for await (const chunk of source) {
    const out = core.push(chunk)
    if (out.length > 0) yield out
  }
  const last = core.finish()
  if (last.length > 0) yield last
}
