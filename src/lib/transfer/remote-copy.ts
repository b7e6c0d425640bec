import {ApiError} from '../api/api-error.js'
import {deleteFile, trashFile} from '../api/files.js'
import {completeUpload, createFile} from '../api/upload.js'
import {uploadCreatedCheck} from '../api/write-checks.js'
import type {CreateFileRequest, CreateResponse, FileItem} from '../api/wire.js'
import {debug} from '../debug.js'
import type {Drive, RemoteEntry} from '../drive/drive.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {AlipanError, ExitCode, throwIfAborted} from '../errors.js'
import type {BandwidthLimiter} from './bandwidth.js'
import {newSha1} from './hashing.js'
import {choosePartSize, partCount, partRange} from './part-size.js'
import {proofRange} from './proof.js'
import {putPart} from './put-part.js'
import {RemoteSource} from './remote-source.js'
import {IntegrityError, type TransferProgress, type UploadTarget, fileCreateRequest, finishRapid, withProof} from './upload.js'
import {UploadUrls} from './upload-urls.js'

export interface RemoteCopyOptions {
  /** Offer the source's SHA-1 and proof first (`--no-rapid`: stream every file). */
  rapid: boolean
  partSize?: number
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  onProgress?: (progress: TransferProgress) => void
}

/** How the bytes got there: a rapid upload (8 bytes read, none sent), or streamed through this machine. */
export type CopyVia = 'rapid' | 'stream'

/**
 * Why a file was streamed: rapid upload switched off, no SHA-1 in the source's listing, the
 * service had no match for it (it answered a normal upload session), or it refused the proof.
 */
export type StreamReason = 'rapid-off' | 'no-hash' | 'no-match' | 'proof-refused'

export type RemoteCopyOutcome =
  | {status: 'copied'; file: FileItem; via: CopyVia; reason?: StreamReason; bytesRead: number; bytesSent: number; linkCalls: number}
  /** `check_name_mode: refuse` met an entry of the same name: nothing was copied. */
  | {status: 'exists'; fileId: string; bytesRead: number; linkCalls: number}

/**
 * Copy one file from another drive or login into `target` (the Open API copies within a drive
 * only, §4.11–4.12). First a rapid upload (§5.4): the SHA-1 and size from the source's listing,
 * the proof from 8 bytes read by a Range request on the source's download link at the offset the
 * destination's access token gives. When the service does not take it, the bytes are streamed:
 * each part read from the source by Range and PUT as it arrives, no local file, verified by SHA-1.
 * Either way the new file's content_hash must equal the source's.
 */
export async function copyRemoteFile(from: Drive, entry: RemoteEntry, target: UploadTarget, options: RemoteCopyOptions): Promise<RemoteCopyOutcome> {
  const source = new RemoteSource(from, entry, options.signal)
  const {size} = entry
  const expected = entry.content_hash?.toUpperCase()
  const partSize = choosePartSize(size, options.partSize)
  const parts = partCount(size, partSize)
  const base = fileCreateRequest(target, size, parts, remoteMtimeMs(entry))

  let reason: StreamReason | undefined = !options.rapid ? 'rapid-off' : !expected ? 'no-hash' : undefined
  let created: CreateResponse | undefined
  if (!reason) {
    try {
      created = await createRapid(source, base, expected!, target, options)
      if (!created.rapid_upload) reason = 'no-match'
    } catch (error) {
      if (!isProofRefused(error)) throw error
      debug('copy', `the proof for ${entry.path} was refused; streaming it`)
      reason = 'proof-refused'
    }
  }
  created ??= await createFile(target.client, base, {signal: options.signal, check: createdCheck(target, size)})
  if (created.exist) return {status: 'exists', fileId: created.file_id, bytesRead: source.bytesRead, linkCalls: source.linkCalls}
  const session = {driveId: target.driveId, fileId: created.file_id, uploadId: created.upload_id ?? ''}

  if (created.rapid_upload) {
    const file = await discardOnFailure(target, session, () => finishRapid(target.client, session, options.signal))
    await verifyCopy(target, file, entry, expected)
    return {status: 'copied', file, via: 'rapid', bytesRead: source.bytesRead, bytesSent: 0, linkCalls: source.linkCalls}
  }

  debug('copy', `streaming ${entry.path} (${reason})`)
  const {file, hash, bytesSent} = await discardOnFailure(target, session, () => streamParts(source, entry, session, created.part_info_list ?? [], target, options))
  const streamed = hash.digest('hex').toUpperCase()
  await verifyCopy(target, file, entry, expected, streamed)
  return {status: 'copied', file, via: 'stream', reason, bytesRead: source.bytesRead, bytesSent, linkCalls: source.linkCalls}
}

type Session = {driveId: string; fileId: string; uploadId: string}

/** Every part read from the source by Range and PUT as it arrives, strictly in order, then complete. */
async function streamParts(source: RemoteSource, entry: RemoteEntry, session: Session, seed: NonNullable<CreateResponse['part_info_list']>, target: UploadTarget, options: RemoteCopyOptions) {
  const {size} = entry
  const partSize = choosePartSize(size, options.partSize)
  const parts = partCount(size, partSize)
  const urls = new UploadUrls(target.client, session, parts, {signal: options.signal})
  urls.seed(seed)
  let hash = newSha1()
  let bytesSent = 0
  for (let n = 1; n <= parts; n++) {
    throwIfAborted(options.signal)
    const {start, end} = partRange(n, partSize, size)
    const result = await putPart({
      urls,
      partNumber: n,
      length: end - start,
      body: () => (end > start ? source.chunks(start, end) : Buffer.alloc(0)),
      hash,
      bandwidth: options.bandwidth,
      signal: options.signal,
      onBytes: (sent) => options.onProgress?.({phase: 'upload', done: start + sent, total: size}),
    })
    // Parts go strictly in order; a service that loses track of that would need the parts it
    // holds read again from the source to keep the hash whole: the copy starts over instead.
    if (result.status === 'not-sequential') throw new AlipanError(`The service lost track of the part order while copying ${entry.path}.`, ExitCode.network, {hint: 'run the same command again'})
    hash = result.hash
    if (result.status === 'sent') bytesSent += end - start
  }
  const file = await completeUpload(target.client, session, {signal: options.signal})
  return {file, hash, bytesSent}
}

/** How long the clean-up of an unfinished copy may take, Ctrl-C or not. */
const DISCARD_DEADLINE_MS = 10_000

/**
 * A copy has no local file to resume from: a created file that fails before it is complete (a
 * part that cannot be sent, Ctrl-C) is deleted, so that no unfinished entry is left behind in
 * the destination (an unfinished session's file_id can be deleted, §5.8). Best effort, on its
 * own short deadline rather than the run's signal, which may be what stopped it; the first
 * error is what the caller sees.
 */
async function discardOnFailure<T>(target: UploadTarget, session: Session, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    await deleteFile(target.client, session.driveId, session.fileId, {signal: AbortSignal.timeout(DISCARD_DEADLINE_MS)}).catch((cleanup: unknown) =>
      debug('copy', `could not delete the unfinished ${target.name} (${session.fileId}): ${(cleanup as Error).message}`),
    )
    throw error
  }
}

/**
 * The rapid-upload create: the proof is read for the token this very request carries (§5.4), so
 * a renewed token reads again. A listing URL that served other bytes (a preview) shows up as a
 * refused proof: once more through getDownloadUrl before giving up on rapid upload.
 */
async function createRapid(source: RemoteSource, base: CreateFileRequest, contentHash: string, target: UploadTarget, options: RemoteCopyOptions): Promise<CreateResponse> {
  const size = base.size ?? 0
  const attempt = () =>
    createFile(
      target.client,
      async (token) => {
        const {start, end} = proofRange(token, size)
        return withProof(base, contentHash, await source.read(start, end))
      },
      {signal: options.signal, check: createdCheck(target, size, contentHash)},
    )
  try {
    return await attempt()
  } catch (error) {
    if (!isProofRefused(error) || !source.viaListingUrl) throw error
    await source.dropListingUrl()
    return attempt()
  }
}

function isProofRefused(error: unknown): boolean {
  return error instanceof ApiError && error.apiCode === 'InvalidRapidProof'
}

function createdCheck(target: UploadTarget, size: number, contentHash?: string) {
  const {client, driveId, parentId, name, checkNameMode, occupants} = target
  return uploadCreatedCheck({client, driveId, parentId, name, checkNameMode, size, contentHash, occupants})
}

/**
 * The copy's content_hash must be the source's, and a streamed copy's bytes must hash to both;
 * a copy that fails this goes to the recycle bin. (A service answer without a hash is taken as
 * it is, as uploads do.)
 */
async function verifyCopy(target: UploadTarget, file: FileItem, entry: RemoteEntry, expected: string | undefined, streamed?: string): Promise<void> {
  const stored = file.content_hash?.toUpperCase()
  const known = [expected, stored, streamed].filter((h): h is string => h !== undefined)
  if (known.every((h) => h === known[0])) return
  await trashFile(target.client, file.drive_id ?? target.driveId, file.file_id).catch(() => undefined)
  throw new IntegrityError(
    `The copy of ${entry.path} does not match its source: the source lists SHA-1 ${expected ?? '(none)'}, the copy has ${stored ?? '(none)'}${streamed ? `, the bytes that passed ${streamed}` : ''}. The bad copy was moved to the recycle bin.`,
    'run the same command again',
  )
}
