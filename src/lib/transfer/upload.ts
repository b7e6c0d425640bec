import type {Hash} from 'node:crypto'

import {ApiError} from '../api/api-error.js'
import type {ApiClient} from '../api/client.js'
import {getFile, trashFile} from '../api/files.js'
import {completeUpload, createFile, listUploadedParts} from '../api/upload.js'
import {uploadCreatedCheck} from '../api/write-checks.js'
import type {CheckNameMode, CreateFileRequest, CreateResponse, FileItem} from '../api/wire.js'
import {debug} from '../debug.js'
import {AlipanError, ExitCode, throwIfAborted} from '../errors.js'
import {newSha1} from './hashing.js'
import {DEFAULT_PART_SIZE, MAX_PARTS, choosePartSize, partCount, partRange} from './part-size.js'
import {PRE_HASH_BYTES, proofCodeFromBytes, proofRange, sha1Hex} from './proof.js'
import {type ByteSource, fileSource, poolFor} from './byte-source.js'
import {type PartBody, putPart} from './put-part.js'
import type {ResumeStore, UploadKey, UploadState} from './resume-state.js'
import type {BandwidthLimiter} from './bandwidth.js'
import {UploadUrls} from './upload-urls.js'
import {StreamParts} from './stream-parts.js'

export interface TransferProgress {
  /** `hash`: reading to compute SHA-1 (rapid upload, resume); `upload`/`download`: bytes on the wire. */
  phase: 'hash' | 'upload' | 'download'
  done: number
  total?: number
}

export interface UploadTarget {
  client: ApiClient
  driveId: string
  parentId: string
  name: string
  checkNameMode: CheckNameMode
  /**
   * Ids of the entries known to hold the name before this upload (an overwrite's old file; [] when
   * it was free). After a lost answer, the check never takes them for the file this upload made:
   * without it, a rapid upload of unchanged bytes would find the old file and call it done.
   */
  occupants: readonly string[]
}

export interface UploadOptions {
  rapid: boolean
  /**
   * The file's SHA-1 when the caller has just read it (sync compares by it): a rapid attempt then
   * goes straight to the full-hash create, without the pre-hash probe and a second read.
   */
  knownSha1?: string
  partSize?: number
  internalUpload?: boolean
  resume?: ResumeStore
  /** `--bwlimit`: the command's one bucket, shared with every other transfer it runs. */
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  onProgress?: (progress: TransferProgress) => void
}

export type UploadOutcome =
  | {status: 'uploaded'; file: FileItem; rapid: boolean; bytesSent: number; resumedParts: number}
  /** `check_name_mode: refuse` met an entry of the same name (§5.2): nothing was uploaded. */
  | {status: 'exists'; fileId: string}

/** Files up to this size are hashed in memory and go straight to a full-hash rapid attempt (§5.3). */
const SMALL_FILE = 1024 * 1024

export class IntegrityError extends AlipanError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.unexpected, {code: 'ChecksumMismatch', hint})
  }
}

/**
 * Upload one local file (§5): rapid upload when the service already has the content, else a
 * sequential multipart upload that can resume, verified against the SHA-1 computed while reading.
 */
export function uploadFile(path: string, stat: {size: number; mtimeMs: number}, target: UploadTarget, options: UploadOptions): Promise<UploadOutcome> {
  return uploadBytes(fileSource(path, stat.size), stat.mtimeMs, target, options)
}

/**
 * Upload any byte source (a local file, or an encrypted view of one): as `uploadFile`. The
 * resumable session is keyed by the source's local file, and carries what else its bytes depend
 * on (`resumeToken`), so a resumed upload sends the very bytes the service already holds.
 */
export async function uploadBytes(source: ByteSource, mtimeMs: number | undefined, target: UploadTarget, options: UploadOptions): Promise<UploadOutcome> {
  const {size} = source
  const key: UploadKey | undefined = source.origin && mtimeMs !== undefined ? {localPath: source.origin.path, size, mtimeMs, driveId: target.driveId, parentId: target.parentId, name: target.name} : undefined
  const resume = key ? options.resume : undefined
  const partSize = choosePartSize(size, options.partSize)
  const parts = partCount(size, partSize)

  const saved = key ? await resume?.load(key) : undefined
  if (saved && saved.part_size === partSize && resumable(source, saved)) {
    try {
      return await resumeSession(source, saved, target, options)
    } catch (error) {
      if (!isSessionGone(error)) throw error
      debug('upload', `saved session for ${target.name} is gone; starting over`)
    }
  }
  if (saved) await resume?.discard(key!)

  const base = fileCreateRequest(target, size, parts, mtimeMs)
  const created = options.rapid && size > 0 ? await createRapid(source, base, target, options) : await createFile(target.client, base, {signal: options.signal, check: createdCheck(target, size)})
  if (created.exist) return {status: 'exists', fileId: created.file_id}
  const session = {driveId: target.driveId, fileId: created.file_id, uploadId: created.upload_id ?? ''}

  if (created.rapid_upload) {
    const file = await finishRapid(target.client, session, options.signal)
    return {status: 'uploaded', file, rapid: true, bytesSent: 0, resumedParts: 0}
  }

  if (key && parts > 1) {
    const state: UploadState = {
      version: 1,
      local_path: key.localPath,
      size,
      mtime_ms: key.mtimeMs,
      drive_id: target.driveId,
      parent_file_id: target.parentId,
      name: target.name,
      file_id: created.file_id,
      upload_id: session.uploadId,
      part_size: partSize,
      created_at: Date.now(),
      ...(source.resumeToken === undefined ? {} : {source_token: source.resumeToken}),
    }
    await resume?.save(key, state)
  }
  const urls = new UploadUrls(target.client, session, parts, options)
  urls.seed(created.part_info_list ?? [])
  const outcome = await sendParts({source, partSize, parts, firstPart: 1, hash: newSha1(), urls, target, session, options})
  if (key) await resume?.discard(key)
  return outcome
}

/** A saved session fits this source when the source can produce the bytes it was sending (the same nonce, for an encrypted view). */
function resumable(source: ByteSource, saved: UploadState): boolean {
  if (saved.source_token === undefined) return source.resumeToken === undefined
  return source.resumeFrom?.(saved.source_token) ?? false
}

/** A file `create` (§5.2) of `size` bytes in `parts` parts, the file's time as `local_modified_at`. */
export function fileCreateRequest(target: UploadTarget, size: number, parts: number, mtimeMs: number | undefined): CreateFileRequest {
  return {
    drive_id: target.driveId,
    parent_file_id: target.parentId,
    name: target.name,
    type: 'file',
    check_name_mode: target.checkNameMode,
    size,
    part_info_list: Array.from({length: parts}, (_, i) => ({part_number: i + 1})),
    ...(mtimeMs === undefined ? {} : {local_modified_at: new Date(mtimeMs).toISOString()}),
  }
}

/**
 * Rapid upload (§5.3–5.4). Small files: hash in memory and offer the full hash at once. Larger
 * files: probe with pre_hash (first KiB); only on PreHashMatched read the whole file for its SHA-1
 * and create again with the proof — so a file the service does not have is read just once.
 */
async function createRapid(source: ByteSource, base: CreateFileRequest, target: UploadTarget, options: UploadOptions): Promise<CreateResponse> {
  const {client} = target
  const {size} = source
  const signal = options.signal
  if (size <= SMALL_FILE) {
    const bytes = await source.read(0, size)
    const contentHash = sha1Hex(bytes)
    const check = createdCheck(target, size, contentHash)
    return createFile(client, (token) => withProof(base, contentHash, bytes.subarray(...bounds(proofRange(token, size)))), {signal, check})
  }
  let contentHash = options.knownSha1?.toUpperCase()
  if (!contentHash) {
    try {
      return await createFile(client, {...base, pre_hash: sha1Hex(await source.read(0, PRE_HASH_BYTES))}, {signal, check: createdCheck(target, size)})
    } catch (error) {
      if (!(error instanceof ApiError && error.apiCode === 'PreHashMatched')) throw error
    }
    debug('upload', `pre-hash matched for ${base.name}; computing the full SHA-1`)
    const hash = newSha1()
    let done = 0
    await source.hashInto(hash, 0, size, {
      signal,
      onBytes: (n) => options.onProgress?.({phase: 'hash', done: (done += n), total: size}),
    })
    contentHash = hash.digest('hex').toUpperCase()
  }
  const fullHash = contentHash
  // The proof is computed from the token this very request carries (§5.4).
  return createFile(
    client,
    async (token) => {
      const {start, end} = proofRange(token, size)
      return withProof(base, fullHash, await source.read(start, end))
    },
    {signal, check: createdCheck(target, size, fullHash)},
  )
}

/** What a lost `create` may have left in the target folder (a rapid hit, an open session), looked at before it is sent again. */
function createdCheck(target: UploadTarget, size?: number, contentHash?: string) {
  const {client, driveId, parentId, name, checkNameMode, occupants} = target
  return uploadCreatedCheck({client, driveId, parentId, name, checkNameMode, size, contentHash, occupants})
}

function bounds(range: {start: number; end: number}): [number, number] {
  return [range.start, range.end]
}

export function withProof(base: CreateFileRequest, contentHash: string, proofBytes: Uint8Array): CreateFileRequest {
  return {...base, content_hash: contentHash, content_hash_name: 'sha1', proof_code: proofCodeFromBytes(proofBytes), proof_version: 'v1'}
}

/** A rapid hit exists at once (§5.4); `complete` is idempotent there and returns the file object. */
export async function finishRapid(client: ApiClient, session: {driveId: string; fileId: string; uploadId: string}, signal?: AbortSignal): Promise<FileItem> {
  if (!session.uploadId) return getFile(client, session.driveId, session.fileId)
  return completeUpload(client, session, {signal})
}

/** Continue a saved session from the parts the server already holds. */
async function resumeSession(source: ByteSource, state: UploadState, target: UploadTarget, options: UploadOptions): Promise<UploadOutcome> {
  const {size} = source
  const session = {driveId: state.drive_id, fileId: state.file_id, uploadId: state.upload_id}
  const parts = partCount(size, state.part_size)
  const uploaded = await listUploadedParts(target.client, session, {signal: options.signal})
  const done = contiguousParts(uploaded)
  debug('upload', `resuming ${target.name}: ${done} of ${parts} parts already uploaded`)
  // The SHA-1 of what the server already has, re-read locally (fast) so verification stays whole.
  const hash = newSha1()
  let hashed = 0
  const prefix = Math.min(size, done * state.part_size)
  await source.hashInto(hash, 0, prefix, {
    signal: options.signal,
    onBytes: (n) => options.onProgress?.({phase: 'hash', done: (hashed += n), total: prefix}),
  })
  const urls = new UploadUrls(target.client, session, parts, options)
  const outcome = await sendParts({source, partSize: state.part_size, parts, firstPart: done + 1, hash, urls, target, session, options})
  if (outcome.status === 'uploaded') outcome.resumedParts = done
  await options.resume?.discard({localPath: state.local_path, size, mtimeMs: state.mtime_ms, driveId: state.drive_id, parentId: state.parent_file_id, name: state.name})
  return outcome
}

/** Parts 1..k all present: everything up to k counts as done (as tickstep resyncs, §5.8). */
function contiguousParts(uploaded: Array<{part_number: number}>): number {
  const have = new Set(uploaded.map((p) => p.part_number))
  let k = 0
  while (have.has(k + 1)) k++
  return k
}

interface SendPartsArgs {
  source: ByteSource
  partSize: number
  parts: number
  firstPart: number
  hash: Hash
  urls: UploadUrls
  target: UploadTarget
  session: {driveId: string; fileId: string; uploadId: string}
  options: UploadOptions
}

/** PUT parts strictly in order (§5.6), then complete and verify. */
async function sendParts(args: SendPartsArgs): Promise<UploadOutcome> {
  const {source, partSize, parts, urls, target, session, options} = args
  const {size} = source
  let hash = args.hash
  let bytesSent = 0
  let resyncs = 0
  const pool = poolFor(source)
  for (let n = args.firstPart; n <= parts; n++) {
    throwIfAborted(options.signal)
    const {start, end} = partRange(n, partSize, size)
    const body: PartBody = () => source.chunks(start, end, pool)
    const result = await putPart({
      urls,
      partNumber: n,
      length: end - start,
      body: end > start ? body : () => Buffer.alloc(0),
      hash,
      pool,
      bandwidth: options.bandwidth,
      signal: options.signal,
      onBytes: (sent) => options.onProgress?.({phase: 'upload', done: start + sent, total: size}),
    })
    if (result.status === 'not-sequential') {
      // The server's idea of the next part differs from ours: resync from its list.
      if (++resyncs > 3) throw new AlipanError(`The service keeps refusing part ${n} as out of order.`, ExitCode.network, {hint: 'run the same command again: it resumes'})
      const uploaded = await listUploadedParts(target.client, session, {signal: options.signal})
      const done = contiguousParts(uploaded)
      debug('upload', `PartNotSequential at part ${n}; server has ${done} contiguous parts`)
      hash = newSha1()
      await source.hashInto(hash, 0, Math.min(size, done * partSize), {signal: options.signal})
      n = done // the loop's n++ makes it done + 1
      continue
    }
    hash = result.hash
    if (result.status === 'sent') bytesSent += end - start
  }
  const file = await completeUpload(target.client, session, {signal: options.signal})
  await verifyUploaded(target.client, file, hash.digest('hex').toUpperCase())
  return {status: 'uploaded', file, rapid: false, bytesSent, resumedParts: 0}
}

/** The service's SHA-1 of what it stored must equal ours; if not, the bad copy goes to the recycle bin. */
async function verifyUploaded(client: ApiClient, file: FileItem, localHash: string): Promise<void> {
  const remote = file.content_hash?.toUpperCase()
  if (!remote || remote === localHash) return
  await trashFile(client, file.drive_id, file.file_id).catch(() => undefined)
  throw new IntegrityError(
    `Upload of ${file.name} was corrupted in transit: the service stored SHA-1 ${remote}, the local file has ${localHash}. The bad copy was moved to the recycle bin.`,
    'run the same command again',
  )
}

/**
 * Upload from a stream of unknown length (stdin with rapid upload off): create without a size,
 * then one getUploadUrl per part as OpenDAL does (§5.5), each part buffered to know its length.
 */
export async function uploadStream(source: AsyncIterable<unknown>, target: UploadTarget, options: UploadOptions): Promise<UploadOutcome> {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE
  const created = await createFile(
    target.client,
    {drive_id: target.driveId, parent_file_id: target.parentId, name: target.name, type: 'file', check_name_mode: target.checkNameMode},
    {signal: options.signal, check: createdCheck(target)},
  )
  if (created.exist) return {status: 'exists', fileId: created.file_id}
  const session = {driveId: target.driveId, fileId: created.file_id, uploadId: created.upload_id ?? ''}
  const urls = new UploadUrls(target.client, session, undefined, options)
  let hash = newSha1()
  let total = 0
  let n = 0
  const send = async (chunk: Buffer) => {
    if (++n > MAX_PARTS) throw new AlipanError(`Standard input is longer than ${MAX_PARTS} parts of ${partSize} bytes.`, ExitCode.usage, {hint: 'use a bigger --part-size'})
    const base = total
    const result = await putPart({
      urls,
      partNumber: n,
      length: chunk.length,
      body: () => chunk,
      hash,
      bandwidth: options.bandwidth,
      signal: options.signal,
      onBytes: (sent) => options.onProgress?.({phase: 'upload', done: base + sent}),
    })
    if (result.status === 'not-sequential') throw new AlipanError('The service lost track of the part order of a streamed upload.', ExitCode.network, {hint: 'run the command again'})
    hash = result.hash
    total += chunk.length
  }
  let pending: Buffer[] = []
  let pendingBytes = 0
  for await (const data of source) {
    throwIfAborted(options.signal)
    let chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string)
    while (pendingBytes + chunk.length >= partSize) {
      const take = partSize - pendingBytes
      pending.push(chunk.subarray(0, take))
      await send(Buffer.concat(pending))
      chunk = chunk.subarray(take)
      pending = []
      pendingBytes = 0
    }
    if (chunk.length > 0) {
      pending.push(chunk)
      pendingBytes += chunk.length
    }
  }
  if (pendingBytes > 0 || n === 0) await send(Buffer.concat(pending))
  const file = await completeUpload(target.client, session, {signal: options.signal})
  await verifyUploaded(target.client, file, hash.digest('hex').toUpperCase())
  return {status: 'uploaded', file, rapid: false, bytesSent: total, resumedParts: 0}
}

/**
 * Upload a body of known length from a stream (a WebDAV PUT with Content-Length), with no temp
 * file: create with the size and every part number, then each part straight from the stream,
 * kept in memory only until it is acknowledged (stream-parts.ts). The SHA-1 is computed while
 * sending and checked against the service's, as for a file. Up to 1 MiB the body is read first
 * and offered for a rapid upload; larger bodies cannot be, since their SHA-1 is only known at the
 * end. An `exists` answer (check_name_mode refuse) comes before any byte is read, so the caller
 * may try again with the same source.
 */
export async function uploadSizedStream(source: AsyncIterable<unknown> | Iterable<unknown>, size: number, target: UploadTarget, options: UploadOptions & {mtimeMs?: number}): Promise<UploadOutcome> {
  const partSize = choosePartSize(size, options.partSize)
  const parts = partCount(size, partSize)
  const body = new StreamParts(source, size)
  const base = fileCreateRequest(target, size, parts, options.mtimeMs)
  const {signal} = options
  let whole: Buffer | undefined
  let created: CreateResponse
  if (options.rapid && size > 0 && size <= SMALL_FILE) {
    const bytes = await body.readAll()
    whole = bytes
    const contentHash = sha1Hex(bytes)
    created = await createFile(target.client, (token) => withProof(base, contentHash, bytes.subarray(...bounds(proofRange(token, size)))), {signal, check: createdCheck(target, size, contentHash)})
  } else {
    created = await createFile(target.client, base, {signal, check: createdCheck(target, size)})
  }
  if (created.exist) return {status: 'exists', fileId: created.file_id}
  const session = {driveId: target.driveId, fileId: created.file_id, uploadId: created.upload_id ?? ''}
  if (created.rapid_upload) {
    const file = await finishRapid(target.client, session, signal)
    return {status: 'uploaded', file, rapid: true, bytesSent: 0, resumedParts: 0}
  }
  const urls = new UploadUrls(target.client, session, parts, options)
  urls.seed(created.part_info_list ?? [])
  let hash = newSha1()
  let bytesSent = 0
  for (let n = 1; n <= parts; n++) {
    throwIfAborted(signal)
    const {start, end} = partRange(n, partSize, size)
    const part = whole ? undefined : body.part(end - start)
    const result = await putPart({
      urls,
      partNumber: n,
      length: end - start,
      body: whole ? () => whole!.subarray(start, end) : () => part!.chunks(),
      hash,
      bandwidth: options.bandwidth,
      signal,
      onBytes: (sent) => options.onProgress?.({phase: 'upload', done: start + sent, total: size}),
    })
    if (result.status === 'not-sequential') throw new AlipanError('The service lost track of the part order of a streamed upload.', ExitCode.network, {hint: 'send it again'})
    hash = result.hash
    if (result.status === 'sent') bytesSent += end - start
  }
  if (!whole) await body.expectEnd()
  const file = await completeUpload(target.client, session, {signal})
  await verifyUploaded(target.client, file, hash.digest('hex').toUpperCase())
  return {status: 'uploaded', file, rapid: false, bytesSent, resumedParts: 0}
}

/**
 * A new entry holding the content of one the service already has, made by rapid upload alone
 * (§5.4): the proof bytes are read from the existing copy (`readProof`, e.g. a ranged download),
 * never the whole content. For what no other call can change, such as a file's modification
 * time. `not-rapid`: the service wanted the bytes after all; its session is left unfinished,
 * which leaves nothing visible.
 */
export async function rapidUploadFrom(
  source: {size: number; contentHash: string; readProof: (start: number, end: number) => Promise<Buffer>},
  target: UploadTarget,
  options: {mtimeMs?: number; signal?: AbortSignal},
): Promise<UploadOutcome | {status: 'not-rapid'}> {
  const {size} = source
  const contentHash = source.contentHash.toUpperCase()
  const base = fileCreateRequest(target, size, 1, options.mtimeMs)
  const created = await createFile(
    target.client,
    async (token) => {
      const {start, end} = proofRange(token, size)
      return withProof(base, contentHash, end > start ? await source.readProof(start, end) : Buffer.alloc(0))
    },
    {signal: options.signal, check: createdCheck(target, size, contentHash)},
  )
  if (created.exist) return {status: 'exists', fileId: created.file_id}
  if (!created.rapid_upload) return {status: 'not-rapid'}
  const file = await finishRapid(target.client, {driveId: target.driveId, fileId: created.file_id, uploadId: created.upload_id ?? ''}, options.signal)
  return {status: 'uploaded', file, rapid: true, bytesSent: 0, resumedParts: 0}
}

function isSessionGone(error: unknown): boolean {
  return (error instanceof ApiError && (error.apiCode === 'NotFound.UploadId' || error.apiCode === 'NoSuchUpload' || error.apiCode.startsWith('NotFound'))) || (error as {code?: string})?.code === 'NoSuchUpload'
}
