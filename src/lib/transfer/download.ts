import {type Hash, createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {lstat, rename, rm, stat, utimes, writeFile} from 'node:fs/promises'
import type {IncomingMessage} from 'node:http'
import {basename, dirname, join} from 'node:path'
import {Writable} from 'node:stream'

import type {ApiClient} from '../api/client.js'
import {getDownloadUrl} from '../api/files.js'
import type {DownloadUrlResponse} from '../api/wire.js'
import {debug} from '../debug.js'
import type {RemoteEntry} from '../drive/drive.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, UsageError, isAbortError, throwIfAborted} from '../errors.js'
import {renameReplacing} from '../local-rename.js'
import {backoffDelay, sleep} from '../time.js'
import type {BandwidthLimiter} from './bandwidth.js'
import type {StoredCodec} from './codec.js'
import {BULK_CHUNK, getStream, readBody} from './data-plane.js'
import {DownloadLink} from './download-link.js'
import {hashRangeInto, newSha1} from './hashing.js'
import {PART_SUFFIX} from './local-names.js'
import {MULTI_STREAM_MIN, downloadInStreams} from './multi-stream.js'
import {isConcurrencyError, isExpiredUrlError, parseOssError, urlExpiresSoon} from './oss-url.js'
import {writeFailure} from './positional-writer.js'
import {discardRangeState, rangeStatePath} from './range-state.js'
import {Semaphore} from './semaphore.js'
import {IntegrityError, type TransferProgress} from './upload.js'

export type LivpFormat = 'jpeg' | 'mov'

export interface DownloadOptions {
  /** Always ask getDownloadUrl, never the listing's own `url` (see `listingUrl`). */
  noListUrl?: boolean
  client: ApiClient
  driveId: string
  /** For live photos: which stream to fetch (§4.8). */
  livp?: LivpFormat
  signal?: AbortSignal
  onProgress?: (progress: TransferProgress) => void
  /** Shared across one command: the service allows 3 concurrent downloads per user (§6). */
  slots?: Semaphore
  /** Runs once the file is verified, just before it takes its final name (sync's --backup-dir). */
  beforeLand?: () => Promise<void>
  /** Most streams per file (1–3, default 3) for files of `multiStreamMin` bytes or more. */
  streams?: number
  /** The command's `--bwlimit` bucket, shared by every stream of every file. */
  bandwidth?: BandwidthLimiter
  /** Files from this size on use several streams (default 5 MiB, MULTI_STREAM_MIN; tests lower it). */
  multiStreamMin?: number
  /** Bytes per Range request of a multi-stream download (default: see `pieceSize`). */
  pieceSize?: number
  /**
   * Take over a `NAME.part` left by an earlier alipan (default: yes). Folder downloads say no when
   * the remote folder holds an entry that lands as that name: then it is that file, not ours.
   */
  adoptLegacyPart?: boolean
  /**
   * The stored bytes are not the file (an encrypted location's): they are verified as stored (size
   * and SHA-1) and decoded on the way (codec.ts); what lands is the decoded file.
   */
  decode?: StoredCodec
}

export interface DownloadResult {
  bytes: number
  /** Bytes that were already in the `.part` file from an earlier attempt. */
  resumedFrom: number
  /** SHA-1 verified against the service's content_hash (live-photo streams have none to check). */
  verified: boolean
  contentHash?: string
}

/** The default per-user download concurrency for normal apps (§6). */
export const DOWNLOAD_SLOTS = 3
const MAX_FAILURES = 6

/** A live-photo package (§4.8); an entry may say it is none whatever its name (an encrypted drive's file). */
export function isLivePhoto(entry: {name: string; livePhoto?: boolean}): boolean {
  return entry.livePhoto ?? /\.livp$/i.test(entry.name)
}

/** The local name of a live photo's chosen stream: `IMG_1.livp` → `IMG_1.jpg` / `IMG_1.mov`. */
export function livpLocalName(name: string, format: LivpFormat): string {
  return name.replace(/\.livp$/i, format === 'jpeg' ? '.jpg' : '.mov')
}

/**
 * Download a file to `destination` through `destination.alipan-part`: an existing one resumes with a
 * Range request; the result is renamed into place only after its size and SHA-1 match, so no
 * half-written file ever has the final name.
 */
export async function downloadToFile(entry: RemoteEntry, destination: string, options: DownloadOptions): Promise<DownloadResult> {
  const partPath = partPathFor(destination)
  if (options.decode) return downloadDecoded(entry, destination, partPath, options, options.decode)
  if (options.adoptLegacyPart !== false) await adoptLegacyPart(destination, partPath)
  const livp = isLivePhoto(entry) ? options.livp ?? 'jpeg' : undefined
  // Files past a small floor go over Range streams that any free connection can join; so does any
  // file with multi-stream state to resume.
  if (!livp && (entry.size >= (options.multiStreamMin ?? MULTI_STREAM_MIN) || (await stat(rangeStatePath(partPath)).catch(() => undefined)))) {
    return downloadRanged(entry, destination, partPath, options)
  }
  let offset = (await stat(partPath).catch(() => undefined))?.size ?? 0
  // A .part longer than the file cannot be ours to resume.
  if (!livp && offset > entry.size) {
    await rm(partPath, {force: true})
    offset = 0
  }
  const resumedFrom = offset
  const hash = newSha1()
  if (offset > 0) await hashRangeInto(hash, partPath, 0, offset, {signal: options.signal})

  const sink = (start: number) => createWriteStream(partPath, {flags: start > 0 ? 'r+' : 'w', start, highWaterMark: BULK_CHUNK})
  let result = await fetchInto(entry, livp, offset, hash, options, sink)
  let actual = result.hash.digest('hex').toUpperCase()
  const verified = !livp && Boolean(entry.content_hash)
  if (result.viaListUrl && ((verified && actual !== entry.content_hash) || result.bytes !== entry.size)) {
    // The listing's URL served something else (a preview?): fetch afresh through getDownloadUrl.
    debug('download', `the listing URL of ${entry.path} gave other bytes; using getDownloadUrl`)
    result = await fetchInto(entry, livp, 0, newSha1(), {...options, noListUrl: true}, sink)
    actual = result.hash.digest('hex').toUpperCase()
  }
  const expectedSize = livp ? undefined : entry.size
  if (expectedSize !== undefined && result.bytes !== expectedSize) {
    throw new NetworkError(`Downloaded ${result.bytes} of ${expectedSize} bytes of ${entry.path}.`, {hint: 'run the same command again: it resumes'})
  }
  if (verified && actual !== entry.content_hash) {
    await rm(partPath, {force: true})
    throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${actual}. The partial file was removed.`, 'run the same command again')
  }
  await land(partPath, destination, entry, options)
  return {bytes: result.bytes, resumedFrom, verified, contentHash: actual}
}

/**
 * A file whose stored bytes are decoded on the way (codec.ts). Large ones (and any with a
 * multi-stream record to resume) take the multi-stream path, decoding in place behind its SHA-1;
 * small ones (under 5 MiB as stored, so without a getDownloadUrl call) are fetched into memory,
 * verified, decoded, and only then written to the `.part`. A file that does not decode fails
 * alone, with nothing under its final name and no `.part` left.
 */
async function downloadDecoded(entry: RemoteEntry, destination: string, partPath: string, options: DownloadOptions, codec: StoredCodec): Promise<DownloadResult> {
  if (entry.size >= (options.multiStreamMin ?? MULTI_STREAM_MIN) || (await stat(rangeStatePath(partPath)).catch(() => undefined))) {
    const result = await downloadRanged(entry, destination, partPath, options)
    return {...result, bytes: codec.decodedSize, resumedFrom: Math.min(result.resumedFrom, codec.decodedSize)}
  }
  // A .part of a small decoded download is complete or nothing: there is no resuming it.
  await rm(partPath, {force: true})
  let result = await fetchStored(entry, options, false)
  if (result.viaListUrl && ((entry.content_hash && result.sha1 !== entry.content_hash) || result.bytes.length !== entry.size)) {
    debug('download', `the listing URL of ${entry.path} gave other bytes; using getDownloadUrl`)
    result = await fetchStored(entry, options, true)
  }
  if (result.bytes.length !== entry.size) throw new NetworkError(`Downloaded ${result.bytes.length} of ${entry.size} bytes of ${entry.path}.`, {hint: 'run the same command again'})
  const verified = Boolean(entry.content_hash)
  if (verified && result.sha1 !== entry.content_hash) throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${result.sha1}.`, 'run the same command again')
  const decoder = codec.decoder()
  const decoded = [...decoder.push(result.bytes), ...decoder.finish()]
  await writeFile(partPath, decoded).catch((error: unknown) => {
    throw writeFailure(error, partPath)
  })
  await land(partPath, destination, entry, options)
  return {bytes: codec.decodedSize, resumedFrom: 0, verified, contentHash: result.sha1}
}

/** A small file's stored bytes, in memory (under 5 MiB), and their SHA-1. */
async function fetchStored(entry: RemoteEntry, options: DownloadOptions, noListUrl: boolean): Promise<{bytes: Buffer; sha1: string; viaListUrl: boolean}> {
  const chunks: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      done()
    },
  })
  const result = await fetchInto(entry, undefined, 0, newSha1(), {...options, noListUrl}, () => sink, false)
  return {bytes: Buffer.concat(chunks), sha1: result.hash.digest('hex').toUpperCase(), viaListUrl: result.viaListUrl}
}

/** The multi-stream path (multi-stream.ts): one shared URL, ranges into the .part, then verify. */
async function downloadRanged(entry: RemoteEntry, destination: string, partPath: string, options: DownloadOptions): Promise<DownloadResult> {
  const link = new DownloadLink(() => downloadUrl(entry, undefined, options), entry.path)
  const result = await downloadInStreams(entry, partPath, {...options, link})
  const verified = Boolean(entry.content_hash)
  if (verified && result.contentHash !== entry.content_hash) {
    await rm(partPath, {force: true})
    await discardRangeState(partPath)
    throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${result.contentHash}. The partial file was removed.`, 'run the same command again')
  }
  // State first: a .part left without it reads as a whole prefix, which is what it now is.
  await discardRangeState(partPath)
  await land(partPath, destination, entry, options)
  return {bytes: entry.size, resumedFrom: result.resumedFrom, verified, contentHash: result.contentHash}
}

/**
 * The verified .part takes its final name and the remote modification time, so that a later sync
 * (or `put --on-conflict skip`) sees it unchanged.
 */
async function land(partPath: string, destination: string, entry: RemoteEntry, options: DownloadOptions): Promise<void> {
  await options.beforeLand?.()
  // On Windows a virus scan may still be reading the .part just written, or a viewer the old file.
  await renameReplacing(partPath, destination)
  const mtime = remoteMtimeMs(entry)
  if (mtime !== undefined) await utimes(destination, mtime / 1000, mtime / 1000).catch(() => undefined)
}

/** Download to a stream (stdout): no resume file, but a dropped connection continues with Range. */
export async function downloadToStream(entry: RemoteEntry, output: Writable, options: DownloadOptions): Promise<DownloadResult> {
  const livp = isLivePhoto(entry) && !options.decode ? options.livp ?? 'jpeg' : undefined
  const sink = options.decode ? decodingSink(options.decode, output) : output
  const result = await fetchInto(entry, livp, 0, newSha1(), {...options, noListUrl: true}, () => sink, false)
  if (sink !== output) {
    // The last block, and a check that the bytes ended where the file does.
    await new Promise<void>((resolve, reject) => {
      sink.once('error', reject)
      sink.end(() => resolve())
    }).catch((error: unknown) => {
      throw writeFailure(error, undefined)
    })
  }
  const actual = result.hash.digest('hex').toUpperCase()
  const verified = !livp && Boolean(entry.content_hash)
  if (verified && actual !== entry.content_hash) {
    throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${actual}. The bytes written are corrupt.`)
  }
  return {bytes: options.decode ? options.decode.decodedSize : result.bytes, resumedFrom: 0, verified, contentHash: actual}
}

/** Stored bytes in, decoded bytes out to `output`, which sets the pace. */
function decodingSink(codec: StoredCodec, output: Writable): Writable {
  const decoder = codec.decoder()
  const forward = (produce: () => Buffer[], done: (error?: Error | null) => void) => {
    let out: Buffer[]
    try {
      out = produce()
    } catch (error) {
      return done(error as Error)
    }
    let full = false
    for (const chunk of out) full = !output.write(chunk) || full
    if (full) output.once('drain', () => done())
    else done()
  }
  return new Writable({
    write: (chunk: Buffer, _encoding, done) => forward(() => decoder.push(chunk), done),
    final: (done) => forward(() => decoder.finish(), done),
  })
}

/** Most local file systems take names of up to 255 bytes. */
const NAME_MAX = 255

/**
 * `NAME.alipan-part` (local-names.ts owns the pattern), unless that would be longer than a file
 * name may be while NAME itself is not: then a shortened name with a hash of the full one, the
 * same on every run so a download resumes.
 */
export function partPathFor(destination: string): string {
  return join(dirname(destination), tempNameFor(basename(destination), PART_SUFFIX))
}

/** Where earlier versions of alipan kept the bytes so far: `NAME.part` (and `NAME.part.json`). */
export function legacyPartPathFor(destination: string): string {
  return join(dirname(destination), legacyPartName(basename(destination)))
}

export function legacyPartName(name: string): string {
  return tempNameFor(name, '.part')
}

function tempNameFor(name: string, suffix: string): string {
  const bytes = Buffer.byteLength(name)
  // A name too long to land fails at once, before any byte is fetched (ENAMETOOLONG on the .part).
  // Room is kept for the `.json` record of a multi-stream download beside it.
  if (bytes + suffix.length + '.json'.length <= NAME_MAX || bytes > NAME_MAX) return `${name}${suffix}`
  const chars = [...name]
  while (Buffer.byteLength(chars.join('')) > 200) chars.pop()
  return `${chars.join('')}.${createHash('sha1').update(name).digest('hex').slice(0, 12)}${suffix}`
}

/**
 * A `NAME.part` (and its `NAME.part.json`) that an earlier alipan left before its temporary files
 * had a name of their own is taken over, so an upgrade resumes it instead of stranding it: the
 * record first, since a `.part` without one would read as a whole prefix.
 */
async function adoptLegacyPart(destination: string, partPath: string): Promise<void> {
  const legacy = legacyPartPathFor(destination)
  if (legacy === partPath || (await lstat(partPath).catch(() => undefined))) return
  if (!(await lstat(legacy).catch(() => undefined))?.isFile()) return
  const legacyState = rangeStatePath(legacy)
  const hasState = (await lstat(legacyState).catch(() => undefined))?.isFile() ?? false
  if (hasState && !(await rename(legacyState, rangeStatePath(partPath)).then(() => true, () => false))) return
  if (!(await rename(legacy, partPath).then(() => true, () => false)) && hasState) await rename(rangeStatePath(partPath), legacyState).catch(() => undefined)
}

/** Files under this size carry a direct download URL in their listing (§4.1). */
const LIST_URL_LIMIT = 5 * 1024 * 1024

/**
 * The direct URL a listing gives files under 5 MB (§4.1): using it saves a getDownloadUrl call,
 * which is limited to 1/s — the difference between seconds and a quarter of an hour for a folder
 * of 1,000 small files. Not for images, whose `url` is a preview (webdav's experience), nor when
 * it is about to expire. Any trouble with it falls back to getDownloadUrl.
 */
export function listingUrl(entry: RemoteEntry): string | undefined {
  const url = entry.item?.url
  if (!url || entry.size >= LIST_URL_LIMIT || entry.item?.category === 'image' || isLivePhoto(entry)) return undefined
  return urlExpiresSoon(url, 60_000) ? undefined : url
}

/** Resolve the signed URL for a file or a live photo's stream (`expireSec`: asked for, the service clamps it to the app's tier). */
export async function downloadUrl(entry: RemoteEntry, livp: LivpFormat | undefined, options: Pick<DownloadOptions, 'client' | 'driveId' | 'signal'>, expireSec?: number): Promise<string> {
  const response: DownloadUrlResponse = await getDownloadUrl(options.client, options.driveId, entry.file_id, expireSec, {signal: options.signal})
  if (livp) {
    const streams = response.streamsUrl ?? response.streams_url ?? {}
    const url = streams[livp]
    if (url) return url
    if (response.url) return response.url
    throw new UsageError(`The live photo ${entry.path} has no ${livp} stream (it has: ${Object.keys(streams).join(', ') || 'none'}).`)
  }
  if (!response.url) throw new NetworkError(`The service gave no download URL for ${entry.path}.`)
  return response.url
}

/**
 * GET the bytes from `offset` on into the sink, retrying dropped connections from where they
 * stopped, renewing expired URLs and waiting out the per-user concurrency limit.
 */
async function fetchInto(
  entry: RemoteEntry,
  livp: LivpFormat | undefined,
  startOffset: number,
  hash: Hash,
  options: DownloadOptions,
  openSink: (offset: number) => Writable,
  ownsSink = true,
): Promise<{bytes: number; hash: Hash; viaListUrl: boolean}> {
  const {signal} = options
  let offset = startOffset
  let url: string | undefined = options.noListUrl ? undefined : listingUrl(entry)
  let viaListUrl = url !== undefined
  let failures = 0
  let waits = 0
  const total = livp ? undefined : entry.size
  // The link before the connection: a file waiting for getDownloadUrl (1/s) holds no slot.
  if (!url && !(total !== undefined && offset >= total && offset > 0)) url = await downloadUrl(entry, livp, options)
  const release = await (options.slots ?? unlimited).acquire(signal)
  try {
    for (;;) {
      throwIfAborted(signal)
      if (total !== undefined && offset >= total && offset > 0) return {bytes: offset, hash, viaListUrl}
      if (!url || urlExpiresSoon(url, 30_000)) {
        url = await downloadUrl(entry, livp, options)
        viaListUrl = false
      }
      let response: IncomingMessage
      try {
        response = await getStream(url, offset > 0 ? {range: `bytes=${offset}-`} : {}, signal)
      } catch (error) {
        if (signal?.aborted || isAbortError(error)) throw new InterruptedError()
        if (++failures >= MAX_FAILURES) throw new NetworkError(`Downloading ${entry.path} failed (${(error as {code?: string}).code ?? (error as Error).message}).`, {hint: 'run the same command again: it resumes', cause: error})
        await sleep(backoffDelay(failures - 1, 500, 8000), signal)
        continue
      }

      const status = response.statusCode ?? 0
      if (status === 416 && total !== undefined && offset >= total) {
        response.resume()
        return {bytes: offset, hash, viaListUrl}
      }
      if (status !== 200 && status !== 206) {
        const body = await readBody(response)
        if (viaListUrl) {
          // Whatever the listing URL's problem is, getDownloadUrl gets a fresh one.
          url = undefined
          continue
        }
        if (isExpiredUrlError(status, body)) {
          debug('download', `URL expired for ${entry.path}; renewing`)
          url = undefined
          if (++failures >= MAX_FAILURES) throw new NetworkError(`The download URL of ${entry.path} keeps expiring.`)
          continue
        }
        if (isConcurrencyError(status, body)) {
          // Another program of the same user holds the connections: never a reason to fail.
          debug('download', `ExceedMaxConcurrency for ${entry.path}; waiting`)
          await sleep(backoffDelay(Math.min(++waits, 5), 400, 10_000), signal)
          continue
        }
        if ((status >= 500 || status === 408) && ++failures < MAX_FAILURES) {
          await sleep(backoffDelay(failures - 1, 500, 8000), signal)
          continue
        }
        const oss = parseOssError(body)
        throw new AlipanError(`Downloading ${entry.path} was refused: HTTP ${status}${oss.code ? ` ${oss.code}` : ''}${oss.message ? ` (${oss.message})` : ''}.`, status === 404 ? ExitCode.notFound : ExitCode.network, {code: oss.code})
      }
      if (status === 200 && offset > 0) {
        // The server ignored our Range: start over rather than append a second copy.
        if (!ownsSink) throw new NetworkError(`The server ignored a Range request while streaming ${entry.path}.`)
        offset = 0
        hash = newSha1()
      }

      const base = offset
      const {received, failure} = await copyInto(response, openSink(offset), ownsSink, hash, (n) => options.onProgress?.({phase: 'download', done: base + n, total}), options.bandwidth)
      offset = base + received
      if (!failure) return {bytes: offset, hash, viaListUrl}
      if (signal?.aborted || isAbortError(failure)) throw new InterruptedError()
      debug('download', `${entry.path}: connection lost at ${offset} (${(failure as {code?: string}).code ?? (failure as Error).message})`)
      if (++failures >= MAX_FAILURES) throw new NetworkError(`Downloading ${entry.path} kept failing.`, {hint: 'run the same command again: it resumes', cause: failure})
      await sleep(backoffDelay(failures - 1, 300, 8000), signal)
    }
  } finally {
    release()
  }
}

/**
 * Response → hash → sink. A broken response is not fatal here: whatever was received is flushed
 * to the sink (and a file sink closed) before returning, so `received`, the hash and the bytes on
 * disk always agree and the next attempt continues right after them. A failing sink (disk full)
 * is fatal and thrown.
 */
function copyInto(
  response: IncomingMessage,
  sink: Writable,
  ownsSink: boolean,
  hash: Hash,
  onBytes: (received: number) => void,
  bandwidth?: BandwidthLimiter,
): Promise<{received: number; failure?: unknown}> {
  // 'data' events rather than `for await`: one promise less per 64 KiB chunk, ~0.3 s per GiB here.
  return new Promise((resolve, reject) => {
    let received = 0
    let failure: unknown
    let sinkError: unknown
    let finished = false
    // Pause reasons (sink full, bandwidth limit) counted, so one lifting does not undo another.
    let holds = 0
    const hold = () => {
      if (holds++ === 0) response.pause()
    }
    const letGo = () => {
      if (--holds === 0) response.resume()
    }
    const finish = async () => {
      if (finished) return
      finished = true
      response.removeListener('data', onData)
      if (!sinkError) {
        if (ownsSink) {
          // A file sink is closed, not just finished: Windows cannot rename an open file.
          const closed = settled(sink, 'close')
          sink.end()
          await closed
        } else if (sink.writableNeedDrain) await settled(sink, 'drain')
      }
      if (sinkError) reject(writeFailure(sinkError, (sink as {path?: string}).path))
      else resolve({received, failure})
    }
    const onData = (chunk: Buffer) => {
      hash.update(chunk)
      received += chunk.length
      onBytes(received)
      const wait = bandwidth?.reserve(chunk.length) ?? 0
      if (wait > 0) {
        hold()
        setTimeout(letGo, wait)
      }
      if (!sink.write(chunk)) {
        hold()
        sink.once('drain', letGo)
      }
    }
    sink.once('error', (error) => {
      sinkError = error
      response.destroy()
      void finish()
    })
    response.on('data', onData)
    response.once('end', () => void finish())
    response.once('error', (error) => {
      failure ??= error
      void finish()
    })
    // A connection cut mid-body may end in 'close' without 'end' or 'error'.
    response.once('close', () => {
      if (!response.complete) failure ??= Object.assign(new Error('connection closed before the end of the body'), {code: 'ECONNRESET'})
      void finish()
    })
  })
}

/** Resolves on `event` or on an error (reported separately), removing both listeners either way. */
function settled(sink: Writable, event: 'drain' | 'close'): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off(event, done)
      sink.off('error', done)
      resolve()
    }
    sink.on(event, done)
    sink.on('error', done)
  })
}

const unlimited = new Semaphore(Number.POSITIVE_INFINITY)
