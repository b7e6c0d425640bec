import type {Writable} from 'node:stream'

import type {ApiClient} from '../api/client.js'
import type {CheckNameMode, FileItem, FileType, OrderBy, OrderDirection} from '../api/wire.js'
import type {TaskEvents} from '../manage/async-task.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {DownloadOptions, DownloadResult} from '../transfer/download.js'
import type {ByteSource} from '../transfer/byte-source.js'
import type {ByteRange, RangeRead} from '../transfer/range-read.js'
import type {Semaphore} from '../transfer/semaphore.js'
import type {UploadOptions} from '../transfer/upload.js'
import {UsageError} from '../errors.js'
import {joinRemotePath} from './remote-path.js'

/** A file or folder at a path of a drive, with what callers need from the wire object. */
export interface RemoteEntry {
  /** Absolute path under the drive's root, e.g. `/backups/db.tar`. */
  path: string
  name: string
  type: FileType
  size: number
  file_id: string
  parent_file_id: string
  /**
   * The SHA-1 the service lists (uppercase hex) of the bytes it stores. For a drive whose stored
   * bytes are not the file's (an encrypted one), compare it through `Drive.localHash`.
   */
  content_hash?: string
  created_at?: string
  updated_at?: string
  /** A live photo (`.livp`): a package the service serves as one of its streams. Unset: judged by the name. */
  livePhoto?: boolean
  /** The wire object as the service stores it (for a drive that maps names or sizes, the stored ones). */
  item?: FileItem
}

export interface ListOrder {
  orderBy?: OrderBy
  direction?: OrderDirection
}

/**
 * What a drive can do beyond what every drive does (rclone's `Features`). A command that needs
 * one of these asks for the capability, never for the kind of drive.
 */
export interface DriveFeatures {
  /** Rapid ("instant") upload by SHA-1 and proof code: the service may already hold the bytes. */
  rapidUpload: boolean
  /**
   * `content_hash` is the SHA-1 of the file's own bytes: it can be printed (sha1sum), grouped by
   * (dedupe --by-hash) and compared across drives without reading anything.
   */
  contentHash: boolean
  /** Entries named `.livp` are live-photo packages, served as one of their streams. */
  livePhotos: boolean
}

/** Alipan's own endpoints over a drive's ids: what only a drive storing Alipan's own names and bytes offers (search, links, video, rapid copies between drives). */
export interface AlipanApi {
  client: ApiClient
  driveId: string
}

/** Where an entry ended up after a move, copy or rename: its id and its (final) name. */
export interface Placed {
  fileId: string
  name: string
}

/** What an upload reads. */
export type UploadSource =
  /** A local file (its time becomes the remote file's `local_modified_at`). */
  | {kind: 'file'; path: string; size: number; mtimeMs: number}
  /** Any byte range of known content, as often as needed (retries, resume): see transfer/byte-source.ts. */
  | {kind: 'bytes'; source: ByteSource; mtimeMs?: number}
  /** A body of known length read once, front to back (a WebDAV PUT): nothing is spooled. */
  | {kind: 'stream'; body: AsyncIterable<unknown> | Iterable<unknown>; size: number; mtimeMs?: number}
  /** A body of unknown length read once (standard input without rapid upload). */
  | {kind: 'unsized'; body: AsyncIterable<unknown>}

/** An upload into a drive: the engine's options (transfer/upload.ts), and how the name is taken. */
export interface UploadRequest extends UploadOptions {
  checkNameMode: CheckNameMode
  /**
   * Ids of the entries known to hold the name before this upload (an overwrite's old file; [] when
   * it was free): after a lost answer, they are never taken for the file this upload made.
   */
  occupants: readonly string[]
}

export type DriveUploadOutcome =
  | {status: 'uploaded'; entry: RemoteEntry; rapid: boolean; bytesSent: number; resumedParts: number}
  /** `check_name_mode: refuse` met an entry of that name: nothing was uploaded. */
  | {status: 'exists'; fileId: string}

/** A download's options, as any drive takes them (the drive knows its own login and ids; `decode` is how a drive that wraps it reads what it stored). */
export type DriveDownloadOptions = Omit<DownloadOptions, 'client' | 'driveId' | 'noListUrl'>

export interface RangeOptions {
  /** The per-user connection limit, shared with the command's other readers. */
  slots?: Semaphore
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  /** A live photo's stream to read (the `livp-format` setting). */
  livp?: 'jpeg' | 'mov'
}

export type RemovalMethod = 'trash' | 'delete'

export interface HashOptions {
  signal?: AbortSignal
  onBytes?: (n: number) => void
}

/**
 * A drive, shaped like rclone's Fs: path-addressed lookups over an id-addressed service, changes
 * by entry, and file bodies in and out. Every engine (put, get, sync, check, the manage commands)
 * and the WebDAV server work through this and nothing else, so a drive that wraps a drive (an
 * encrypted location) works everywhere unchanged. Paths are absolute under the drive's root.
 */
export interface Drive {
  /**
   * Same value: the same ids, names and stored bytes, so an entry of one can be moved or copied
   * server-side into the other (same Alipan drive, and the same encryption if any).
   */
  readonly storage: string
  /** Same value: the same path space (storage and root), so two paths of them can overlap. */
  readonly place: string
  readonly features: DriveFeatures
  /** Alipan's own endpoints over this drive's ids; absent on a drive that maps names or bytes. */
  readonly api?: AlipanApi
  readonly signal?: AbortSignal

  /** The entry at `path`; NotFoundError (exit 3) naming the path when there is none. */
  stat(path: string): Promise<RemoteEntry>
  tryStat(path: string): Promise<RemoteEntry | undefined>
  /** Pages of a folder's children, through to the end; a failed page throws. */
  pages(folder: RemoteEntry, order?: ListOrder): AsyncGenerator<RemoteEntry[]>
  /** All children of a folder (by path or entry). */
  list(target: string | RemoteEntry, order?: ListOrder): Promise<RemoteEntry[]>
  /** `mkdir -p`: every missing folder on the way; safe to run concurrently and twice. */
  mkdirp(path: string): Promise<RemoteEntry>
  /**
   * One folder; `created: false` when a folder of that name was already there. `resent`: the
   * first attempt's answer was lost, so an existing folder may be the one it made.
   */
  createFolderIn(parent: RemoteEntry, name: string): Promise<{entry: RemoteEntry; created: boolean; resent: boolean}>
  /** Drop a path and everything under it from the lookup cache (after remove, move, rename). */
  forget(path: string): void
  /** Forget every remembered path (a long-running server keeps its own, expiring cache). */
  forgetAll(): void
  /** The same drive with `folder` as its root: no path of it can name anything outside. */
  at(folder: RemoteEntry): Drive
  /** The id of the folder holding `fileId` (undefined at the top of the drive). */
  parentIdOf(fileId: string): Promise<string | undefined>

  /** To the recycle bin or deleted; a folder goes as one call, whatever it holds. */
  remove(entry: RemoteEntry, method: RemovalMethod, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<void>
  /** A new name in the same folder (`refuse`: a taken name is a ConflictError). */
  rename(entry: RemoteEntry, name: string, mode: CheckNameMode): Promise<string>
  /** Into `folder` under `name` (a rename when it is the entry's own folder). */
  move(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<Placed>
  /**
   * A server-side copy of an entry of the same storage into `folder` under `name`. `occupant`:
   * what holds the entry's name in the folder (null = nothing), when the caller already looked.
   */
  copy(entry: RemoteEntry, folder: RemoteEntry, name: string, mode: CheckNameMode, occupant: RemoteEntry | null | undefined, options?: {signal?: AbortSignal; events?: TaskEvents}): Promise<Placed>

  /** A new file `name` in `parent`, verified by SHA-1 against what the service stored. */
  upload(parent: RemoteEntry, name: string, source: UploadSource, request: UploadRequest): Promise<DriveUploadOutcome>
  /** A file to a local path, landing atomically through `.alipan-part` (download.ts). */
  download(entry: RemoteEntry, destination: string, options: DriveDownloadOptions): Promise<DownloadResult>
  /** A file to a stream (standard output). */
  downloadToStream(entry: RemoteEntry, output: Writable, options: DriveDownloadOptions): Promise<DownloadResult>
  /** Bytes [start, end) of a file (the whole file without a range), as a stream (serve --proxy, proofs). */
  openRange(entry: RemoteEntry, range: ByteRange | undefined, options?: RangeOptions): Promise<RangeRead>
  /**
   * The local file at `path` as this drive would store it, hashed to compare with `entry`'s
   * `content_hash` (equal: the same content). For Alipan's plain drive, the file's SHA-1.
   */
  localHash(entry: RemoteEntry, path: string, size: number, options?: HashOptions): Promise<string>

  /**
   * A URL the bytes of a file can be fetched from by anyone holding it (a 302), cached while it
   * stays valid; undefined when this file's may not be handed out. Absent on a drive whose bytes
   * must pass through alipan (an encrypted one).
   */
  link?(entry: RemoteEntry, options?: {signal?: AbortSignal; livp?: 'jpeg' | 'mov'}): Promise<string | undefined>
  /** Bytes used and in all, for the account the drive belongs to. */
  quota?(signal?: AbortSignal): Promise<{used: number; total: number}>
}

export function entryFromItem(item: FileItem, parentPath: string): RemoteEntry {
  return {
    path: joinRemotePath(parentPath, item.name),
    name: item.name,
    type: item.type,
    size: Number(item.size ?? 0),
    file_id: item.file_id,
    parent_file_id: item.parent_file_id,
    content_hash: item.content_hash ? item.content_hash.toUpperCase() : undefined,
    created_at: item.created_at,
    updated_at: item.updated_at,
    item,
  }
}

/** `Drive.list` for any drive: every page of a folder (given by path or entry), in one array. */
export async function listAll(drive: Pick<Drive, 'stat' | 'pages'>, target: string | RemoteEntry, order?: ListOrder): Promise<RemoteEntry[]> {
  const folder = typeof target === 'string' ? await drive.stat(target) : target
  if (folder.type !== 'folder') throw new UsageError(`Not a folder: ${folder.path}`)
  const all: RemoteEntry[] = []
  for await (const page of drive.pages(folder, order)) all.push(...page)
  return all
}
