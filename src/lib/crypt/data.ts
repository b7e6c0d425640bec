import {randomBytes} from 'node:crypto'
import {Transform, type TransformCallback} from 'node:stream'

import {CorruptBlockError, NotEncryptedError, TruncatedError, WrongPasswordError} from './errors.js'
import {BLOCK_DATA_SIZE, BLOCK_SIZE, FILE_MAGIC, HEADER_SIZE, NONCE_SIZE, TAG_SIZE, fileHeader, incrementNonce, nonceForBlock} from './format.js'
import type {Secretbox} from './secretbox.js'

/**
 * The streaming halves of rclone's file format. Both are push-style cores (bytes in, chunks out,
 * a final flush) so that one implementation serves a Node Transform (`encryptStream`,
 * `decryptStream`) and an async iterable (`encryptIterable`, `decryptIterable`). Memory is one
 * block of carry-over plus the blocks of the chunk at hand: nothing depends on the file's size.
 *
 * Output comes one block per Buffer. Fresh memory is what streaming costs most here (page faults:
 * see `BufferPool`), so a caller that knows when a chunk is done with (the upload engine's
 * `recycle`, a file write's callback) can pass pools and give each chunk back; without one, a
 * block-sized chunk comes from the allocator's reusable heap rather than fresh mapped pages. The
 * input chunk is never kept: it can be reused as soon as `push` returns.
 */

/** Where output blocks come from: `take()` returns a buffer of at least one block's size. */
export interface ChunkSource {
  take(): Buffer
}

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
    /** Buffers of at least BLOCK_SIZE bytes for the sealed blocks. */
    private readonly output?: ChunkSource,
    /**
     * Seal from block `firstBlock` on, without the header: the plain bytes pushed start there (an
     * upload re-creating one range of a file's ciphertext, encrypted-source.ts).
     */
    firstBlock?: number,
  ) {
    this.nonce = Buffer.from(fileHeader(nonce).subarray(FILE_MAGIC.length))
    if (firstBlock !== undefined) {
      this.nonce = nonceForBlock(this.nonce, firstBlock)
      this.headerSent = true
    }
  }

  /** The ciphertext this chunk completes: the header first time, then whole sealed blocks. */
  push(input: Uint8Array): Buffer[] {
    const chunk = asBuffer(input)
    this.plainBytes += chunk.length
    const out = this.takeHeader()
    let offset = 0
    if (this.filled > 0) {
      offset = Math.min(BLOCK_DATA_SIZE - this.filled, chunk.length)
      chunk.copy(this.pending, this.filled, 0, offset)
      this.filled += offset
      if (this.filled < BLOCK_DATA_SIZE) return out
      out.push(this.seal(this.pending))
      this.filled = 0
    }
    // Whole blocks lying in the chunk are sealed straight from it.
    for (; chunk.length - offset >= BLOCK_DATA_SIZE; offset += BLOCK_DATA_SIZE) out.push(this.seal(chunk.subarray(offset, offset + BLOCK_DATA_SIZE)))
    if (offset < chunk.length) {
      chunk.copy(this.pending, 0, offset)
      this.filled = chunk.length - offset
    }
    return out
  }

  /** The header (for an empty file, all there is) and the last, short block. */
  finish(): Buffer[] {
    const out = this.takeHeader()
    if (this.filled > 0) out.push(this.seal(this.pending.subarray(0, this.filled)))
    this.filled = 0
    return out
  }

  private takeHeader(): Buffer[] {
    if (this.headerSent) return []
    this.headerSent = true
    return [fileHeader(this.nonce)]
  }

  private seal(plain: Uint8Array): Buffer {
    const size = TAG_SIZE + plain.length
    const out = (this.output?.take() ?? Buffer.allocUnsafe(BLOCK_SIZE)).subarray(0, size)
    this.box.seal(out, plain, this.nonce, this.dataKey)
    incrementNonce(this.nonce)
    return out
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
  /** Buffers of at least BLOCK_DATA_SIZE bytes for the plain blocks. */
  output?: ChunkSource
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

  /** The plain bytes this chunk completes, a block per Buffer (none until a block is whole). */
  push(input: Uint8Array): Buffer[] {
    let chunk = asBuffer(input)
    this.received += chunk.length
    const {expectedBytes, label} = this.options
    if (expectedBytes !== undefined && this.received > expectedBytes) {
      throw new CorruptBlockError(this.block, label, `it holds more than the ${expectedBytes} bytes expected`)
    }
    if (this.header) {
      chunk = this.takeHeader(chunk)
      if (this.header) return []
    }
    const out: Buffer[] = []
    let offset = 0
    if (this.filled > 0) {
      offset = Math.min(BLOCK_SIZE - this.filled, chunk.length)
      chunk.copy(this.pending, this.filled, 0, offset)
      this.filled += offset
      if (this.filled < BLOCK_SIZE) return out
      this.open(this.pending, out)
      this.filled = 0
    }
    for (; chunk.length - offset >= BLOCK_SIZE; offset += BLOCK_SIZE) this.open(chunk.subarray(offset, offset + BLOCK_SIZE), out)
    if (offset < chunk.length) {
      chunk.copy(this.pending, 0, offset)
      this.filled = chunk.length - offset
    }
    return out
  }

  /** The last, short block; throws if the file ends where no encrypted file can. */
  finish(): Buffer[] {
    const {label, expectedBytes} = this.options
    if (this.header) {
      const got = this.header.length
      if (got > 0) throw new TruncatedError(label, `${got} of the ${HEADER_SIZE} header bytes`) // takeHeader saw the magic's start
      if (expectedBytes !== undefined && expectedBytes > 0) throw new TruncatedError(label, `0 of ${expectedBytes} bytes`)
      throw new NotEncryptedError(label, 'it is empty; an encrypted file has at least 32 bytes')
    }
    if (expectedBytes !== undefined && this.received < expectedBytes) {
      if (this.firstFailed && !this.anyOpened) throw new WrongPasswordError(label)
      throw new TruncatedError(label, `${this.received} of ${expectedBytes} bytes`)
    }
    const out: Buffer[] = []
    if (this.filled > 0) {
      if (this.filled <= TAG_SIZE) {
        if (this.firstFailed && !this.anyOpened) throw new WrongPasswordError(label)
        throw new TruncatedError(label, `it ends ${this.filled} bytes into the tag of block ${this.block}`)
      }
      this.open(this.pending.subarray(0, this.filled), out)
      this.filled = 0
    }
    if (this.firstFailed) throw new WrongPasswordError(label)
    return out
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

  /** Authenticate and decrypt one block; its plain bytes (trimmed to a range) join `out`. */
  private open(sealed: Buffer, out: Buffer[]): void {
    const length = sealed.length - TAG_SIZE
    const plain = (this.options.output?.take() ?? Buffer.allocUnsafe(BLOCK_DATA_SIZE)).subarray(0, length)
    const ok = this.box.open(plain, sealed, this.nonce!, this.dataKey)
    const index = this.block++
    incrementNonce(this.nonce!)
    const {label} = this.options
    if (!ok) {
      if (this.anyOpened) throw new CorruptBlockError(index, label)
      if (this.firstFailed) throw new WrongPasswordError(label)
      this.firstFailed = true
      return // its bytes are never returned
    }
    if (this.firstFailed) throw new CorruptBlockError(index - 1, label)
    this.anyOpened = true
    const kept = this.trim(plain)
    if (kept.length > 0) out.push(kept)
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
    this.forward(() => this.core.push(chunk), callback)
  }

  override _flush(callback: TransformCallback): void {
    this.forward(() => this.core.finish(), callback)
  }

  private forward(produce: () => Buffer[], callback: TransformCallback): void {
    let out: Buffer[]
    try {
      out = produce()
    } catch (error) {
      callback(error as Error)
      return
    }
    for (const chunk of out) this.push(chunk)
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
  for await (const chunk of source) yield* core.push(chunk)
  yield* core.finish()
}

export async function* decryptIterable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, box: Secretbox, dataKey: Uint8Array, options?: DecryptOptions): AsyncGenerator<Buffer> {
  const core = new Decryptor(box, dataKey, options)
  for await (const chunk of source) yield* core.push(chunk)
  yield* core.finish()
}
