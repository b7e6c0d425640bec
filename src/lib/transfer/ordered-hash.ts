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
  readonly hash = newSha1()
  /** Everything before this offset is in the hash. */
  private position = 0
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
  ) {
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
    if (!this.catchingUp && start === this.position) {
      for (const buffer of buffers) this.hash.update(buffer)
      this.position += length
    }
    this.catchUp()
  }

  /** The digest, once every byte is written and hashed. */
  async digest(): Promise<string> {
    while (this.catchingUp) await this.catchingUp
    if (this.failure) throw this.failure
    if (this.position !== this.size) throw new Error(`internal: hashed ${this.position} of ${this.size} bytes`)
    return this.hash.digest('hex').toUpperCase()
  }

  private catchUp(): void {
    if (this.catchingUp || this.failure || this.written.runEnd(this.position) <= this.position) return
    this.catchingUp = this.readForward().then(
      () => {
        this.catchingUp = undefined
        this.catchUp()
      },
      (error: unknown) => {
        this.failure = error
        this.catchingUp = undefined
      },
    )
  }

  private async readForward(): Promise<void> {
    this.buffer ??= Buffer.allocUnsafe(BULK_CHUNK)
    for (let end = this.written.runEnd(this.position); end > this.position; end = this.written.runEnd(this.position)) {
      const {bytesRead} = await this.handle.read(this.buffer, 0, Math.min(this.buffer.length, end - this.position), this.position)
      if (bytesRead === 0) throw new Error(`internal: ${this.position} is recorded as written but the file ends there`)
      this.hash.update(this.buffer.subarray(0, bytesRead))
      this.position += bytesRead
      this.readBack += bytesRead
    }
  }
}
