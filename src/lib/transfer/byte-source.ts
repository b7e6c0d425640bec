import type {Hash} from 'node:crypto'

import {BufferPool, FileChunks, UPLOAD_CHUNK} from './file-chunks.js'
import {hashRangeInto, readRange} from './hashing.js'

/**
 * What the upload engine reads: any byte range of a known content, as often as it needs (a part
 * sent again after a dropped connection, the prefix hashed again on resume, the 8 proof bytes).
 * A local file is one (`fileSource`); an encrypted view of a local file is another, re-creating
 * the same ciphertext for any range from its nonce (crypt/encrypted-source.ts).
 */
export interface ByteSource {
  readonly size: number
  /** The size of the chunks `chunks` takes from its pool (the pool is made for it). */
  readonly chunkSize: number
  /** Bytes [start, end) as chunks taken from `pool`; the consumer gives each back when done. */
  chunks(start: number, end: number, pool: BufferPool): AsyncIterable<Buffer>
  /** Feed bytes [start, end) into `hash`. */
  hashInto(hash: Hash, start: number, end: number, options?: {signal?: AbortSignal; onBytes?: (n: number) => void}): Promise<void>
  /** Bytes [start, end) in memory (the pre-hash's KiB, a proof's 8 bytes, a small file). */
  read(start: number, end: number): Promise<Buffer>
  /** The local file these bytes come from: what a resumable upload is keyed by. */
  readonly origin?: {path: string}
  /**
   * What else the bytes depend on (an encrypted view's nonce), saved with an upload's session so a
   * resumed upload produces the very bytes the service already holds.
   */
  readonly resumeToken?: string
  /** Produce the bytes of the attempt that saved `token` from now on; false when that cannot be. */
  resumeFrom?(token: string): boolean
}

/** A local file, read as it is. */
export function fileSource(path: string, size: number): ByteSource {
  return {
    size,
    chunkSize: UPLOAD_CHUNK,
    chunks: (start, end, pool) => new FileChunks(path, start, end, pool),
    hashInto: (hash, start, end, options) => hashRangeInto(hash, path, start, end, options),
    read: (start, end) => readRange(path, start, end),
    origin: {path},
  }
}

/** A pool whose buffers fit this source's chunks. */
export function poolFor(source: ByteSource): BufferPool {
  return new BufferPool(source.chunkSize)
}
