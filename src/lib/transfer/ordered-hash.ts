import type {Hash} from 'node:crypto'
import type {FileHandle} from 'node:fs/promises'

import {ByteRanges} from './byte-ranges.js'
import {BULK_CHUNK} from './data-plane.js'
import {newSha1} from './hashing.js'

/**
 * SHA-1 of a file written out of order by several streams, computed while they write.
 *
 * Bytes written exactly where the hash has got to are hashed straight from the buffers just
 * written, with no second read. Bytes written further on are recorded; when the hash reaches
 * them it reads them back from the file (from the page cache: they were just written) and
 * catches up to whichever stream is writing at its position, which it then follows in place
 * again. The streams take work lowest offset first, so the hash trails them by about one piece,
 * and at the end only the last pieces are left to read: measured here, that costs less wall time
 * than a pass over the finished file (see README, "Multi-stream downloads").
 */
export class OrderedHash {
  readonly hash: Hash
  /** Everything before this offset is in the hash. */
  private position: number
  private catchingUp?: Promise<void>
  private failure?: unknown
  private buffer?: Buffer
  /** Bytes read back from the file rather than hashed as written (for measurements and tests). */
  readBack = 0

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    /** What is on disk; shared with the download, which adds to it as writes complete. */
    private readonly written: ByteRanges,
    private readonly options: {
      /** A hash that has taken the bytes before `start` already (a resumed download that decoded them). */
      hash?: Hash
      start?: number
      /** Every byte in order, after the hash (a decoder: codec.ts). Throwing stops the hash. */
      consume?: InOrderConsumer
      /** Called once, when hashing (or consuming) fails: the download need not go on. */
      onFailure?: (error: unknown) => void
    } = {},
  ) {
    this.hash = options.hash ?? newSha1()
    this.position = options.start ?? 0
    this.catchUp()
  }

  get hashed(): number {
    return this.position
  }

  /**
   * `buffers` now lie on disk at [start, start + their length): hash them if they are next in
   * line. The caller has already added the interval to `written`.
   */
  wrote(start: number, buffers: readonly Buffer[], length: number): void {
    if (!this.catchingUp && !this.failure && start === this.position) {
      try {
        for (const buffer of buffers) {
          this.hash.update(buffer)
          this.options.consume?.take(buffer)
        }
      } catch (error) {
        return this.fail(error)
      }
      this.position += length
    }
    this.catchUp()
  }

  /** The digest, once every byte is written and hashed (and consumed). */
  async digest(): Promise<string> {
    while (this.catchingUp) await this.catchingUp
    if (this.failure) throw this.failure
    if (this.position !== this.size) throw new Error(`internal: hashed ${this.position} of ${this.size} bytes`)
    return this.hash.digest('hex').toUpperCase()
  }

  private fail(error: unknown): void {
    if (this.failure) return
    this.failure = error
    this.options.onFailure?.(error)
  }

  private catchUp(): void {
    if (this.catchingUp || this.failure || this.written.runEnd(this.position) <= this.position) return
    this.catchingUp = this.readForward().then(
      () => {
        this.catchingUp = undefined
        this.catchUp()
      },
      (error: unknown) => {
        this.fail(error)
        this.catchingUp = undefined
      },
    )
  }

  private async readForward(): Promise<void> {
    this.buffer ??= Buffer.allocUnsafe(BULK_CHUNK)
    for (let end = this.written.runEnd(this.position); end > this.position; end = this.written.runEnd(this.position)) {
      const {bytesRead} = await this.handle.read(this.buffer, 0, Math.min(this.buffer.length, end - this.position), this.position)
      if (bytesRead === 0) throw new Error(`internal: ${this.position} is recorded as written but the file ends there`)
      const chunk = this.buffer.subarray(0, bytesRead)
      this.hash.update(chunk)
      if (this.options.consume) {
        this.options.consume.take(chunk)
        // The consumer's own writes must not fall far behind what is read back.
        await this.options.consume.settled?.()
      }
      this.position += bytesRead
      this.readBack += bytesRead
    }
  }
}

/** What follows the hash through the bytes in order (a decoder writing the decoded file in place). */
export interface InOrderConsumer {
  /** The next bytes in order; never kept past the call. */
  take(chunk: Buffer): void
  /** Resolves once the consumer is not too far behind (its writes). */
  settled?(): Promise<void>
}
