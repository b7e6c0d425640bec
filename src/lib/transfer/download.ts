import {type Hash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {rename, rm, stat, utimes} from 'node:fs/promises'
import {Transform, type Writable} from 'node:stream'

import type {ApiClient} from '../api/client.js'
import {getDownloadUrl} from '../api/files.js'
import type {DownloadUrlResponse} from '../api/wire.js'
import {debug} from '../debug.js'
import type {RemoteEntry} from '../drive/drive.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, UsageError, isAbortError, throwIfAborted} from '../errors.js'
import {backoffDelay, sleep} from '../time.js'
import {hashRangeInto, newSha1} from './hashing.js'
import {isConcurrencyError, isExpiredUrlError, parseOssError, urlExpiresSoon} from './oss-url.js'
import {REFERER} from './put-part.js'
import {Semaphore} from './semaphore.js'
import {IntegrityError, type TransferProgress} from './upload.js'

export type LivpFormat = 'jpeg' | 'mov'

export interface DownloadOptions {
  client: ApiClient
  driveId: string
  /** For live photos: which stream to fetch (§4.8). */
  livp?: LivpFormat
  signal?: AbortSignal
  onProgress?: (progress: TransferProgress) => void
  /** Shared across one command: the service allows 3 concurrent downloads per user (§6). */
  slots?: Semaphore
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
const MAX_CONCURRENCY_WAITS = 12

export function isLivePhoto(entry: {name: string}): boolean {
  return /\.livp$/i.test(entry.name)
}

/** The local name of a live photo's chosen stream: `IMG_1.livp` → `IMG_1.jpg` / `IMG_1.mov`. */
export function livpLocalName(name: string, format: LivpFormat): string {
  return name.replace(/\.livp$/i, format === 'jpeg' ? '.jpg' : '.mov')
}

/**
 * Download a file to `destination` through `destination.part`: an existing `.part` resumes with a
 * Range request; the result is renamed into place only after its size and SHA-1 match, so no
 * half-written file ever has the final name.
 */
export async function downloadToFile(entry: RemoteEntry, destination: string, options: DownloadOptions): Promise<DownloadResult> {
  const partPath = `${destination}.part`
  const livp = isLivePhoto(entry) ? options.livp ?? 'jpeg' : undefined
  let offset = (await stat(partPath).catch(() => undefined))?.size ?? 0
  // A .part longer than the file cannot be ours to resume.
  if (!livp && offset > entry.size) {
    await rm(partPath, {force: true})
    offset = 0
  }
  const resumedFrom = offset
  const hash = newSha1()
  if (offset > 0) await hashRangeInto(hash, partPath, 0, offset, {signal: options.signal})

  const result = await fetchInto(entry, livp, offset, hash, options, (start) => createWriteStream(partPath, {flags: start > 0 ? 'r+' : 'w', start}))
  const expectedSize = livp ? undefined : entry.size
  if (expectedSize !== undefined && result.bytes !== expectedSize) {
    throw new NetworkError(`Downloaded ${result.bytes} of ${expectedSize} bytes of ${entry.path}.`, {hint: 'run the same command again: it resumes'})
  }
  const actual = result.hash.digest('hex').toUpperCase()
  const verified = !livp && Boolean(entry.content_hash)
  if (verified && actual !== entry.content_hash) {
    await rm(partPath, {force: true})
    throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${actual}. The partial file was removed.`, 'run the same command again')
  }
  await rename(partPath, destination)
  if (entry.updated_at) {
    const time = new Date(entry.updated_at)
    if (!Number.isNaN(time.getTime())) await utimes(destination, time, time).catch(() => undefined)
  }
  return {bytes: result.bytes, resumedFrom, verified, contentHash: actual}
}

/** Download to a stream (stdout): no resume file, but a dropped connection continues with Range. */
export async function downloadToStream(entry: RemoteEntry, output: Writable, options: DownloadOptions): Promise<DownloadResult> {
  const livp = isLivePhoto(entry) ? options.livp ?? 'jpeg' : undefined
  const result = await fetchInto(entry, livp, 0, newSha1(), options, () => output, false)
  const actual = result.hash.digest('hex').toUpperCase()
  const verified = !livp && Boolean(entry.content_hash)
  if (verified && actual !== entry.content_hash) {
    throw new IntegrityError(`SHA-1 mismatch for ${entry.path}: expected ${entry.content_hash}, got ${actual}. The bytes written are corrupt.`)
  }
  return {bytes: result.bytes, resumedFrom: 0, verified, contentHash: actual}
}

/** Resolve the signed URL for a file or a live photo's stream. */
async function downloadUrl(entry: RemoteEntry, livp: LivpFormat | undefined, options: DownloadOptions): Promise<string> {
  const response: DownloadUrlResponse = await getDownloadUrl(options.client, options.driveId, entry.file_id, undefined, {signal: options.signal})
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
  rangeRestartAllowed = true,
): Promise<{bytes: number; hash: Hash}> {
  const {signal} = options
  let offset = startOffset
  let url: string | undefined
  let failures = 0
  let waits = 0
  const total = livp ? undefined : entry.size
  const release = await (options.slots ?? unlimited).acquire(signal)
  try {
    for (;;) {
      throwIfAborted(signal)
      if (total !== undefined && offset >= total) return {bytes: offset, hash}
      if (!url || urlExpiresSoon(url, 30_000)) url = await downloadUrl(entry, livp, options)
      const headers: Record<string, string> = {referer: REFERER}
      if (offset > 0) headers.range = `bytes=${offset}-`
      const request = options.client.got.stream(url, {headers, signal, throwHttpErrors: false})
      let status: number
      try {
        status = await new Promise<number>((resolve, reject) => {
          request.once('response', (response: {statusCode: number}) => resolve(response.statusCode))
          request.once('error', reject)
        })
      } catch (error) {
        request.destroy()
        if (signal?.aborted || isAbortError(error)) throw new InterruptedError()
        if (++failures >= MAX_FAILURES) throw new NetworkError(`Downloading ${entry.path} failed (${(error as {code?: string}).code ?? (error as Error).message}).`, {hint: 'run the same command again: it resumes', cause: error})
        await sleep(backoffDelay(failures - 1, 500, 8000), signal)
        continue
      }

      if (status === 416 && total !== undefined && offset >= total) {
        request.destroy()
        return {bytes: offset, hash}
      }
      if (status !== 200 && status !== 206) {
        const body = await readText(request)
        if (isExpiredUrlError(status, body)) {
          debug('download', `URL expired for ${entry.path}; renewing`)
          url = undefined
          if (++failures >= MAX_FAILURES) throw new NetworkError(`The download URL of ${entry.path} keeps expiring.`)
          continue
        }
        if (isConcurrencyError(status, body) && ++waits <= MAX_CONCURRENCY_WAITS) {
          debug('download', `ExceedMaxConcurrency for ${entry.path}; waiting`)
          await sleep(backoffDelay(Math.min(waits, 5), 400, 10_000), signal)
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
        if (!rangeRestartAllowed) throw new NetworkError(`The server ignored a Range request while streaming ${entry.path}.`)
        offset = 0
        hash = newSha1()
      }

      let received = 0
      const base = offset
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk)
          received += chunk.length
          options.onProgress?.({phase: 'download', done: base + received, total})
          callback(null, chunk)
        },
      })
      try {
        await pump(request, tap, openSink(offset), rangeRestartAllowed)
        return {bytes: base + received, hash}
      } catch (error) {
        if (signal?.aborted || isAbortError(error)) throw new InterruptedError()
        if ((error as {sinkFailed?: boolean}).sinkFailed) throw error
        // pump flushed every byte that went through the tap before failing: continue after them.
        offset = base + received
        debug('download', `${entry.path}: connection lost at ${offset} (${(error as {code?: string}).code ?? (error as Error).message})`)
        if (++failures >= MAX_FAILURES) throw new NetworkError(`Downloading ${entry.path} kept failing.`, {hint: 'run the same command again: it resumes', cause: error})
        await sleep(backoffDelay(failures - 1, 300, 8000), signal)
      }
    }
  } finally {
    release()
  }
}

/**
 * source → tap → sink. Unlike `pipeline`, a failing source does not destroy the sink: the tap is
 * ended so the sink flushes (and, for files, closes) everything the tap let through, and only
 * then is the source's error reported. The hash and the bytes on disk therefore always agree.
 */
function pump(source: NodeJS.ReadableStream & {destroy(): void}, tap: Transform, sink: Writable, endSink: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let sourceError: unknown
    const settle = () => (sourceError ? reject(sourceError) : resolve())
    source.once('error', (error) => {
      sourceError ??= error
      source.unpipe(tap)
      tap.end()
    })
    tap.once('error', (error) => {
      sourceError ??= error
    })
    sink.once('error', (error) => {
      source.destroy()
      reject(Object.assign(error, {sinkFailed: true}))
    })
    source.pipe(tap)
    if (endSink) {
      tap.pipe(sink)
      sink.once('close', settle)
    } else {
      tap.pipe(sink, {end: false})
      tap.once('end', () => (sink.writableNeedDrain ? sink.once('drain', settle) : settle()))
    }
  })
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size < 64 * 1024) chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return Buffer.concat(chunks).toString('utf8')
}

const unlimited = new Semaphore(Number.POSITIVE_INFINITY)
