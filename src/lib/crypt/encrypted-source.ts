import type {Hash} from 'node:crypto'
import {randomBytes} from 'node:crypto'

import {throwIfAborted} from '../errors.js'
import type {ByteSource} from '../transfer/byte-source.js'
import {BufferPool} from '../transfer/file-chunks.js'
import type {Crypt} from './crypt.js'
import {BLOCK_DATA_SIZE, BLOCK_SIZE, HEADER_SIZE, NONCE_SIZE, encryptedSize, fileHeader} from './format.js'

const TOKEN = /^crypt-nonce:([0-9a-f]{48})$/

/**
 * A local file as an encrypted location stores it, readable at any byte range of the ciphertext
 * with no temp file: the header from the nonce, and each 64 KiB block sealed from the plain block
 * under the nonce plus its index. The same nonce gives the same bytes every time, so the upload
 * engine can send a part again, hash the prefix a resumed upload already sent, or answer a
 * PartAlreadyExist by hashing, exactly as it does with a plain file; the nonce travels with the
 * upload's resume state (`resumeToken`), so a resumed upload re-creates the very same ciphertext.
 */
export class EncryptedSource implements ByteSource {
  readonly size: number
  readonly chunkSize = BLOCK_SIZE
  private plainPool = new BufferPool(BLOCK_DATA_SIZE)

  constructor(
    private readonly plain: ByteSource,
    private readonly crypt: Crypt,
    /** The file's nonce: random for a new upload, the saved one when resuming. */
    private currentNonce: Buffer = randomBytes(NONCE_SIZE),
  ) {
    this.size = encryptedSize(plain.size)
  }

  get origin(): {path: string} | undefined {
    return this.plain.origin
  }

  /** The nonce the bytes are sealed under (what `check` needs to compare a local file with the upload). */
  get nonce(): Buffer {
    return this.currentNonce
  }

  get resumeToken(): string {
    return `crypt-nonce:${this.currentNonce.toString('hex')}`
  }

  resumeFrom(token: string): boolean {
    const match = TOKEN.exec(token)
    if (!match) return false
    this.currentNonce = Buffer.from(match[1], 'hex')
    return true
  }

  async *chunks(start: number, end: number, pool: BufferPool): AsyncIterable<Buffer> {
    end = Math.min(end, this.size)
    if (end <= start) return
    if (start < HEADER_SIZE) {
      yield fileHeader(this.currentNonce).subarray(start, Math.min(end, HEADER_SIZE))
      if (end <= HEADER_SIZE) return
      start = HEADER_SIZE
    }
    const first = Math.floor((start - HEADER_SIZE) / BLOCK_SIZE)
    const last = Math.floor((end - 1 - HEADER_SIZE) / BLOCK_SIZE)
    const encryptor = this.crypt.encryptor(this.currentNonce, {firstBlock: first, output: pool})
    let block = first
    // Where the sealed bytes of block `block` start in the file, and what of them is wanted.
    const emit = (sealed: Buffer): Buffer | undefined => {
      const at = HEADER_SIZE + block++ * BLOCK_SIZE
      const from = Math.max(0, start - at)
      const to = Math.min(sealed.length, end - at)
      if (to <= from) {
        pool.give(sealed)
        return undefined
      }
      return from === 0 && to === sealed.length ? sealed : sealed.subarray(from, to)
    }
    const plainEnd = Math.min(this.plain.size, (last + 1) * BLOCK_DATA_SIZE)
    for await (const chunk of this.plain.chunks(first * BLOCK_DATA_SIZE, plainEnd, this.plainPool)) {
      const sealed = encryptor.push(chunk)
      this.plainPool.give(chunk)
      for (const out of sealed) {
        const piece = emit(out)
        if (piece) yield piece
      }
    }
    for (const out of encryptor.finish()) {
      const piece = emit(out)
      if (piece) yield piece
    }
  }

  async hashInto(hash: Hash, start: number, end: number, options: {signal?: AbortSignal; onBytes?: (n: number) => void} = {}): Promise<void> {
    const pool = new BufferPool(BLOCK_SIZE)
    for await (const chunk of this.chunks(start, end, pool)) {
      throwIfAborted(options.signal)
      hash.update(chunk)
      options.onBytes?.(chunk.length)
      pool.give(chunk)
    }
  }

  async read(start: number, end: number): Promise<Buffer> {
    const pieces: Buffer[] = []
    for await (const chunk of this.chunks(start, end, new BufferPool(BLOCK_SIZE))) pieces.push(Buffer.from(chunk))
    return Buffer.concat(pieces)
  }
}
