import {writeAll, writeFailure} from './positional-writer.js'

/**
 * When the bytes a drive stores are not the file (an encrypted location's), a download decodes
 * them on the way. Decoding never runs ahead of the stored bytes: decoded [0, d) comes from
 * stored [0, s) with d ≤ s. So a download writes the stored bytes into its `.alipan-part` as it
 * always does (any stream, any order), and its in-order pass over them (the SHA-1 of what the
 * service stores, `OrderedHash`) also feeds the decoder, whose output lands in the same file,
 * behind that pass; at the end the file is cut to the decoded size. Every stored byte is hashed
 * once and decoded once, and nothing beyond the `.part` touches the disk.
 */
export interface StoredCodec {
  /** Bytes of the file once decoded: what lands under the final name. */
  readonly decodedSize: number
  /**
   * A decoder from the start of the stored bytes, or from a point an interrupted download
   * recorded (`DecodePoint`), fed the stored bytes from `from.stored` on.
   */
  decoder(from?: DecodePoint): StreamDecoder
  /**
   * The stored bytes [0, from.stored) re-created from the decoded bytes [0, from.decoded): how a
   * resumed download gets the SHA-1 of a prefix it already decoded in place.
   */
  reencode(from: DecodePoint, decoded: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncIterable<Buffer>
  /** Chunk size for reading the decoded prefix back (a whole number of the codec's units). */
  readonly unit: number
}

export interface StreamDecoder {
  /** The decoded bytes this chunk completes (none until a unit is whole). Throws when the stored bytes do not decode. */
  push(chunk: Buffer): Buffer[]
  /** The rest; throws when the stored bytes end where they cannot. */
  finish(): Buffer[]
  /** A point to resume from once `decoded` bytes of output are on disk (the last whole unit at or before it). */
  pointAt(decoded: number): DecodePoint | undefined
  /** An output chunk may be reused once written. */
  recycle?(chunk: Buffer): void
}

/** Where decoding can start again: stored and decoded offsets of a unit boundary, and what else the codec needs (JSON, no secret). */
export interface DecodePoint {
  stored: number
  decoded: number
  state?: Record<string, string>
}

/**
 * A decoder's output written in place into the `.part`, in order, from decoded offset `at` on:
 * behind the stored bytes it came from (the codec's promise), so it never overwrites a stored
 * byte not yet read. One write at a time, so what is on disk is always a prefix; `pointAt` of
 * that prefix is where a resumed download picks decoding up again.
 */
export class DecodeWriter {
  /** Decoded bytes on disk from the start. */
  onDisk: number
  private next: number
  private chain: Promise<void> = Promise.resolve()
  private pending = 0
  private failure?: unknown

  constructor(
    private readonly fd: number,
    private readonly decoder: StreamDecoder,
    at = 0,
    /** The `.part`, for messages. */
    private readonly path?: string,
  ) {
    this.onDisk = at
    this.next = at
  }

  /** A write failed (the disk, not the bytes): what is on disk still resumes. */
  get writeFailed(): boolean {
    return this.failure !== undefined
  }

  take(chunk: Buffer): void {
    this.throwIfFailed()
    const out = this.decoder.push(chunk)
    if (out.length === 0) return
    // The output of every chunk taken in one go (a batch of a stream, a read-back) goes down in one write.
    if (this.batch.length === 0) queueMicrotask(() => this.flush())
    for (const piece of out) this.batch.push(piece)
  }

  private batch: Buffer[] = []

  private flush(): void {
    const out = this.batch
    this.batch = []
    this.write(out)
  }

  /** Resolves once at most a few MiB of output wait to be written. */
  async settled(): Promise<void> {
    while (this.pending > MAX_PENDING && !this.failure) await this.chain
    this.throwIfFailed()
  }

  /** The rest of the output (the decoder's last check), all of it on disk. */
  async finish(): Promise<void> {
    this.flush()
    this.write(this.decoder.finish())
    await this.chain
    this.throwIfFailed()
  }

  /** Every write issued so far has ended. */
  idle(): Promise<void> {
    this.flush()
    return this.chain
  }

  private throwIfFailed(): void {
    if (this.failure) throw writeFailure(this.failure, this.path)
  }

  /** Where decoding can resume, judged by what is on disk. */
  point(): DecodePoint | null {
    return this.decoder.pointAt(this.onDisk) ?? null
  }

  private write(out: Buffer[]): void {
    if (out.length === 0) return
    if (out.length > MAX_IOV) {
      for (let i = 0; i < out.length; i += MAX_IOV) this.write(out.slice(i, i + MAX_IOV))
      return
    }
    const at = this.next
    const length = out.reduce((n, b) => n + b.length, 0)
    this.next += length
    this.pending += length
    this.chain = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          writeAll(this.fd, out, at, (error) => {
            this.pending -= length
            if (error) this.failure ??= error
            else {
              this.onDisk = at + length
              for (const chunk of out) this.decoder.recycle?.(chunk)
            }
            resolve()
          })
        }),
    )
  }
}

/** Decoded output waiting for the disk before the in-order pass waits for it. */
const MAX_PENDING = 8 << 20
/** Buffers in one writev (the system's limit is 1024). */
const MAX_IOV = 512
