import type {Readable} from 'node:stream'

import type {RemoteEntry} from '../drive/drive.js'
import type {ByteRange, RangeRead} from '../transfer/range-read.js'

/**
 * The narrow seam between the WebDAV server and a drive: everything the server does to the drive
 * goes through these operations, with paths relative to the served folder. The server never calls
 * an API endpoint itself, so another drive (one that encrypts, say) can be served by implementing
 * this, and a drive whose bytes must pass through the server simply has no `link`.
 *
 * Nothing here caches across requests (listing-cache.ts does, above it). Errors are the project's
 * typed errors (NotFoundError, ConflictError, QuotaError, …); errors.ts turns them into statuses.
 */
export interface ServeBackend {
  /** The entry at `path`, or undefined when nothing is there. */
  stat(path: string, signal?: AbortSignal): Promise<RemoteEntry | undefined>
  /** Every entry of a folder. */
  list(folder: RemoteEntry, signal?: AbortSignal): Promise<RemoteEntry[]>
  /** Bytes of a file (`--proxy`, and files whose URL may not be handed out). */
  openRange(file: RemoteEntry, range: ByteRange | undefined, signal?: AbortSignal): Promise<RangeRead>
  /**
   * A URL a client may fetch the bytes from itself (a 302), cached for as long as it stays
   * valid; `undefined` when this file's URL must not be handed out. Optional: a drive without it
   * is always proxied.
   */
  link?(file: RemoteEntry, signal?: AbortSignal): Promise<string | undefined>
  /**
   * Store a file: the body is streamed (`size` known) or spooled (unknown). With `replace`, the
   * old entry is removed only once the new one is complete; the answer is the new entry.
   */
  put(parent: RemoteEntry, name: string, body: Readable, options: PutOptions): Promise<RemoteEntry>
  /** A new empty folder; ConflictError when the name is taken. */
  mkdir(parent: RemoteEntry, name: string, signal?: AbortSignal): Promise<RemoteEntry>
  /** Move or rename; `replace` (an entry at the destination) is removed once the move is done. */
  move(entry: RemoteEntry, toParent: RemoteEntry, name: string, options: PlaceOptions): Promise<RemoteEntry>
  /** Server-side copy of a file or a whole folder; `replace` as for move. */
  copy(entry: RemoteEntry, toParent: RemoteEntry, name: string, options: PlaceOptions): Promise<RemoteEntry>
  /** To the recycle bin, or deleted, as the drive's removal setting says. */
  remove(entry: RemoteEntry, signal?: AbortSignal): Promise<void>
  /** Give a file another modification time; the answer may be a new entry (a new id). Optional. */
  setModTime?(file: RemoteEntry, mtimeMs: number, signal?: AbortSignal): Promise<RemoteEntry>
  /** Bytes used and in all. Optional. */
  quota?(signal?: AbortSignal): Promise<{used: number; total: number}>
}

export interface PutOptions {
  /** Bytes the body will carry, when the client said. */
  size?: number
  mtimeMs?: number
  replace?: RemoteEntry
  /** The SHA-1 the client says the body has (OC-Checksum): a mismatch keeps the old file and fails. */
  expectSha1?: string
  signal?: AbortSignal
  /** The replaced entry could not be removed once the new one was in place: the write stands, and this is called instead of failing. */
  replaceFailed?: (old: RemoteEntry, error: unknown) => void
}

export interface PlaceOptions {
  replace?: RemoteEntry
  signal?: AbortSignal
  /** As for PutOptions. */
  replaceFailed?: (old: RemoteEntry, error: unknown) => void
}
