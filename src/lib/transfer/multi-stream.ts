import {open, rm, stat} from 'node:fs/promises'
import type {IncomingMessage} from 'node:http'

import {debug} from '../debug.js'
import type {RemoteEntry} from '../drive/drive.js'
import {AlipanError, ExitCode, InterruptedError, NetworkError, asLocalFsError, isAbortError} from '../errors.js'
import {backoffDelay, sleep} from '../time.js'
import type {BandwidthLimiter} from './bandwidth.js'
import {ByteRanges, type Interval, RangeQueue} from './byte-ranges.js'
import {type DecodePoint, DecodeWriter, type StoredCodec} from './codec.js'
import {getStream, readBody} from './data-plane.js'
import type {DownloadLink} from './download-link.js'
import {newSha1} from './hashing.js'
import {OrderedHash} from './ordered-hash.js'
import {isConcurrencyError, isExpiredUrlError, parseOssError} from './oss-url.js'
import {WriteFailure, receiveInto, writeFailure} from './positional-writer.js'
import {discardRangeState, loadRangeRecord, rangeStatePath, saveRangeState} from './range-state.js'
import {type Priority, Semaphore} from './semaphore.js'
import type {TransferProgress} from './upload.js'

const MiB = 1024 ** 2
/**
 * Files from this size on are fetched by Range streams that any free connection can join (issues
 * 9 and 16). Smaller ones come over one stream through the URL their listing carries (§4.1: files
 * under 5 MB), which costs no getDownloadUrl, the call limited to 1/s.
 */
export const MULTI_STREAM_MIN = 5 * MiB
/**
 * A free stream with no piece left to take splits the largest piece still in flight, taking its
 * second half, while that leaves both halves at least this long: no connection idles while a
 * file's bytes remain, and no request is too short to be worth its round trip.
 */
export const MIN_SPLIT = 1 * MiB
/** The default and the most streams per file: the per-user limit is 3 connections in all (§6). */
export const MAX_STREAMS = 3
const MAX_FAILURES = 6
const SAVE_EVERY_MS = 1000

/**
 * How much one request asks for. The file is cut into a whole number of rounds of `streams`
 * equal pieces, about four rounds, so the streams finish together (with 11 pieces for 3 streams
 * the last round runs at two thirds: measured, 1.23 s instead of 1.07 s for 64 MiB at 3 × 20
 * MiB/s). Fewer rounds where pieces would fall under 4 MiB, down to one (a 16 MiB file: three
 * pieces, not four of 4 MiB with the fourth on one stream, measured 0.85 s instead of 0.67 at 3
 * × 8 MiB/s), more where they would pass 64 MiB (rclone's chunk size), so that on a fast link a
 * piece takes far longer than the round trip that starts it. One stream asks for everything
 * missing at once.
 */
export function pieceSize(size: number, streams: number): number {
  if (streams <= 1) return Number.POSITIVE_INFINITY
  const rounds = Math.max(1, Math.min(4, Math.floor(size / (streams * 4 * MiB))), Math.ceil(size / (streams * 64 * MiB)))
  return Math.ceil(size / (streams * rounds) / ALIGN) * ALIGN
}
/** Piece boundaries on 64 KiB, the size of a socket read. */
const ALIGN = 64 * 1024

export interface MultiStreamOptions {
  link: DownloadLink
  /** The per-user connection slots, shared by every file of the command. */
  slots?: Semaphore
  /** Most streams for this file (1–3). */
  streams?: number
  /** Bytes per request (tests use small pieces on small files). */
  pieceSize?: number
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  onProgress?: (progress: TransferProgress) => void
  /** Decode the stored bytes in place behind the hash (codec.ts); the file is cut to the decoded size at the end. */
  decode?: StoredCodec
}

export interface MultiStreamResult {
  /** SHA-1 of the whole `.part`, uppercase hex. */
  contentHash: string
  /** Bytes already on disk from an earlier attempt. */
  resumedFrom: number
  /** Most streams that ran at once. */
  peakStreams: number
}

/**
 * Fetch `entry` into `partPath` over up to `streams` HTTP Range streams at once, each writing its
 * pieces at their own offsets (rclone's multithread.go). Each stream holds one of the command's
 * connection slots: a file's first stream asks for one as `normal` once the file has its link
 * (a file waiting for getDownloadUrl's 1/s holds no connection), the others as `low`. An extra
 * stream gives its slot back, mid-piece, as soon as another file is waiting to start; a stream
 * with nothing left to take splits the largest piece in flight (issue 16: no idle connection
 * while bytes remain).
 * What is on disk is recorded in a sidecar (range-state.ts) so an interrupted run resumes with
 * only the missing bytes. ExceedMaxConcurrency (someone else holds connections) never fails the
 * file: the refused stream waits and retries, and the other streams carry on.
 */
export async function downloadInStreams(entry: RemoteEntry, partPath: string, options: MultiStreamOptions): Promise<MultiStreamResult> {
  const attempt = {resumedDecoding: false, decodeFailed: false}
  try {
    return await downloadOnce(entry, partPath, options, attempt)
  } catch (error) {
    // Decoded bytes land over stored bytes (codec.ts), and the sidecar is saved about once a
    // second: a process killed outright (kill -9, a second Ctrl-C, power) between two saves leaves
    // decoded bytes where its record still counts stored ones, and that resume does not decode.
    // Its .part is gone by now; the file starts over once, so only bytes that do not decode from
    // the first one on are reported as such (a wrong password, a corrupted file).
    if (!attempt.resumedDecoding || !attempt.decodeFailed) throw error
    debug('download', `${entry.path}: the resumed .part did not decode (${(error as Error).message}); starting over`)
    return downloadOnce(entry, partPath, options, {resumedDecoding: false, decodeFailed: false})
  }
}

async function downloadOnce(entry: RemoteEntry, partPath: string, options: MultiStreamOptions, attempt: {resumedDecoding: boolean; decodeFailed: boolean}): Promise<MultiStreamResult> {
  const {size} = entry
  const codec = options.decode
  const identity = {file_id: entry.file_id, size, content_hash: entry.content_hash}
  const {written, decoded: from} = await resumable(partPath, identity, codec !== undefined)
  const resumedFrom = written.size
  attempt.resumedDecoding = codec !== undefined && resumedFrom > 0
  const handle = await open(partPath, resumedFrom > 0 ? 'r+' : 'w+').catch((error: unknown) => {
    throw asLocalFsError(error, partPath)
  })
  let writer: DecodeWriter | undefined
  let run: StreamRun | undefined
  let decodeFailed = false
  let complete = false
  let saving: Promise<void> | undefined
  const save = () => saveRangeState(partPath, identity, written, codec ? (writer?.point() ?? null) : undefined)
  try {
    // A resumed decoding download: the SHA-1 of the prefix it already decoded in place, from the decoded bytes re-encoded.
    const hash = newSha1()
    if (codec && from) await rehashDecoded(handle, codec, from, hash)
    if (codec) writer = new DecodeWriter(handle.fd, codec.decoder(from), from?.decoded ?? 0, partPath)
    // The sidecar exists before any byte lands out of order, so a .part is never misread as a prefix.
    await save().catch((error: unknown) => {
      throw asLocalFsError(error, rangeStatePath(partPath))
    })
    const consume = writer && {
      take: (chunk: Buffer) => {
        try {
          writer!.take(chunk)
        } catch (error) {
          decodeFailed = !writer!.writeFailed
          throw error
        }
      },
      settled: () => writer!.settled(),
    }
    // A file that does not decode need not come down to the end: the streams stop.
    const ordered = new OrderedHash(handle, size, written, {hash, start: from?.stored ?? 0, consume, onFailure: (error) => run?.stopWith(error)})
    const queue = new RangeQueue(written.missing(size), options.pieceSize ?? pieceSize(size, options.streams ?? MAX_STREAMS))
    let lastSave = Date.now()
    let received = resumedFrom
    run = new StreamRun(entry, partPath, queue, options, {
      fd: handle.fd,
      onWritten(start, buffers, length) {
        written.add(start, start + length)
        ordered.wrote(start, buffers, length)
        if (!saving && Date.now() - lastSave >= SAVE_EVERY_MS) {
          lastSave = Date.now()
          saving = save()
            .catch((error: unknown) => debug('download', `saving the range state of ${entry.path} failed: ${(error as Error).message}`))
            .finally(() => (saving = undefined))
        }
      },
      // Bytes of a dropped attempt arrive twice: the bar never goes past the end.
      onBytes: (n) => options.onProgress?.({phase: 'download', done: Math.min(size, (received += n)), total: size}),
      bandwidth: options.bandwidth,
    })
    await run.run()
    const contentHash = await ordered.digest()
    if (writer && codec) {
      try {
        await writer.finish()
      } catch (error) {
        decodeFailed = !writer.writeFailed
        throw error
      }
      await handle.truncate(codec.decodedSize)
    }
    complete = true
    if (ordered.readBack > 0) debug('download', `${entry.path}: ${ordered.readBack} of ${size} bytes hashed by reading them back`)
    return {contentHash, resumedFrom, peakStreams: run.peak}
  } finally {
    await saving
    // What is on disk decides where a later run resumes: no decoded write may still be landing.
    await writer?.idle()
    await handle.close()
    // Bytes that do not decode are of no use to a later run; anything else is kept for it.
    attempt.decodeFailed = decodeFailed
    if (decodeFailed) {
      await rm(partPath, {force: true})
      await discardRangeState(partPath)
    } else if (!complete) await save().catch(() => undefined)
  }
}

/**
 * A download that decoded in place, resumed: the stored bytes before `from.stored` are gone from
 * the `.part`, so they are re-created from the decoded bytes there (the codec re-encodes them) for
 * the SHA-1 to take.
 */
async function rehashDecoded(handle: Awaited<ReturnType<typeof open>>, codec: StoredCodec, from: DecodePoint, hash: ReturnType<typeof newSha1>): Promise<void> {
  async function* decoded(): AsyncGenerator<Buffer> {
    const buffer = Buffer.allocUnsafe(codec.unit)
    for (let at = 0; at < from.decoded; ) {
      const {bytesRead} = await handle.read(buffer, 0, Math.min(buffer.length, from.decoded - at), at)
      if (bytesRead === 0) throw new Error(`internal: the decoded prefix ends at ${at}, not ${from.decoded}`)
      at += bytesRead
      yield buffer.subarray(0, bytesRead)
    }
  }
  let stored = 0
  for await (const chunk of codec.reencode(from, decoded())) {
    hash.update(chunk)
    stored += chunk.length
  }
  if (stored !== from.stored) throw new Error(`internal: re-encoding gave ${stored} stored bytes, not ${from.stored}`)
}

/**
 * What of an existing `.part` can be kept: the sidecar's ranges (within the file's length); a
 * `.part` without one is a prefix from a single-stream run (never for a download that decodes).
 * Anything else starts over.
 */
async function resumable(partPath: string, identity: {file_id: string; size: number; content_hash?: string}, decoding: boolean): Promise<{written: ByteRanges; decoded?: DecodePoint}> {
  const part = await stat(partPath).catch(() => undefined)
  const sidecar = await stat(rangeStatePath(partPath)).catch(() => undefined)
  if (part?.isFile() && part.size <= identity.size) {
    const saved = sidecar ? await loadRangeRecord(partPath, identity, decoding) : undefined
    if (saved) return {written: saved.written.clip(part.size), ...(saved.decoded ? {decoded: saved.decoded} : {})}
    if (!sidecar && !decoding) return {written: new ByteRanges([[0, part.size]])}
  }
  await rm(partPath, {force: true})
  await discardRangeState(partPath)
  return {written: new ByteRanges()}
}

type Target = Parameters<typeof receiveInto>[3]

/** A piece being fetched: its end may move down while it is (a split, or giving way). */
interface Flight {
  piece: Interval
  /** Where its bytes have arrived so far. */
  arrived: number
}

/** The streams of one file, and the slots they hold. */
class StreamRun {
  peak = 0
  /** Pieces split off a piece in flight (for tests and --debug). */
  splits = 0
  private active = 0
  private readonly flights = new Set<Flight>()
  private fatal: unknown
  /** Stops every stream: a fatal error, Ctrl-C, or the file is complete (waiting streams leave). */
  private readonly stop = new AbortController()

  constructor(
    private readonly entry: RemoteEntry,
    private readonly partPath: string,
    private readonly queue: RangeQueue,
    private readonly options: MultiStreamOptions,
    private readonly target: Target,
  ) {}

  async run(): Promise<void> {
    const {signal} = this.options
    const onAbort = () => this.fail(new InterruptedError())
    signal?.addEventListener('abort', onAbort, {once: true})
    try {
      if (signal?.aborted) throw new InterruptedError()
      if (this.queue.length === 0) return
      // The link first: a file waiting for getDownloadUrl (1/s per user) must not hold a connection.
      await this.options.link.get()
      const slots = this.options.slots ?? new Semaphore(MAX_STREAMS)
      // As many streams as pieces, or as splits of them can keep busy.
      const streams = Math.max(1, Math.min(MAX_STREAMS, this.options.streams ?? MAX_STREAMS, this.queue.length + Math.floor(this.queue.bytes / (2 * MIN_SPLIT))))
      const workers = [this.stream(slots, 'normal')]
      for (let i = 1; i < streams; i++) workers.push(this.stream(slots, 'low'))
      await Promise.all(workers)
      if (this.fatal !== undefined) throw this.fatal
      if (this.queue.length > 0) throw new Error('internal: streams ended with pieces left')
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  private fail(error: unknown): void {
    this.fatal ??= error
    this.stop.abort()
  }

  /** Stop every stream: the bytes do not decode, so the rest is not worth fetching. */
  stopWith(error: unknown): void {
    this.fail(error)
  }

  /** When the last piece is done, streams still waiting for a slot have nothing to wait for. */
  private checkComplete(): void {
    if (this.queue.length === 0 && this.flights.size === 0) this.stop.abort()
  }

  /** A piece to fetch: the next in the queue, else the second half of the longest one in flight. */
  private nextFlight(): Flight | undefined {
    const piece = this.queue.take() ?? this.split()
    if (!piece) return undefined
    const flight = {piece, arrived: piece[0]}
    this.flights.add(flight)
    return flight
  }

  private split(): Interval | undefined {
    let longest: Flight | undefined
    for (const flight of this.flights) {
      if (!longest || flight.piece[1] - flight.arrived > longest.piece[1] - longest.arrived) longest = flight
    }
    if (!longest || longest.piece[1] - longest.arrived < 2 * MIN_SPLIT) return undefined
    const end = longest.piece[1]
    const middle = Math.min(end - MIN_SPLIT, Math.ceil((longest.arrived + (end - longest.arrived) / 2) / ALIGN) * ALIGN)
    longest.piece[1] = middle
    this.splits++
    debug('download', `${this.entry.path}: a free stream takes [${middle}, ${end}) off a piece in flight`)
    return [middle, end]
  }

  private splittable(): boolean {
    for (const flight of this.flights) if (flight.piece[1] - flight.arrived >= 2 * MIN_SPLIT) return true
    return false
  }

  /** One stream: take a slot, fetch pieces until none are left, give way when asked to. */
  private async stream(slots: Semaphore, priority: Priority): Promise<void> {
    let refusals = 0
    while (this.fatal === undefined && (this.queue.length > 0 || this.splittable())) {
      let release: () => void
      try {
        release = await slots.acquire(this.stop.signal, priority)
      } catch {
        return // complete, or stopped
      }
      let refused = false
      this.peak = Math.max(this.peak, ++this.active)
      try {
        for (;;) {
          // An extra stream gives way to a file that is waiting for its first one.
          if (priority === 'low' && slots.waitingNormal > 0) break
          const flight = this.nextFlight()
          if (!flight) break
          try {
            refused = (await this.fetchPiece(flight, priority, slots)) === 'refused'
          } finally {
            this.flights.delete(flight)
            this.checkComplete()
          }
          if (refused) break
          refusals = 0
        }
      } catch (error) {
        this.fail(error)
      } finally {
        this.active--
        release()
      }
      if (refused) {
        // Someone else holds the user's connections: try again later; the other streams carry on.
        await sleep(backoffDelay(Math.min(refusals++, 5), 500, 10_000), this.stop.signal).catch(() => undefined)
      }
    }
  }

  /**
   * GET one piece, continuing after dropped connections from the last byte on disk, renewing the
   * shared URL when it expires. An extra stream refused with ExceedMaxConcurrency hands the rest
   * of its piece back ('refused'); the first stream waits and retries with its piece. An extra
   * stream also hands back the rest, mid-body, when another file waits for its first connection.
   */
  private async fetchPiece(flight: Flight, priority: Priority, slots: Semaphore): Promise<'done' | 'refused'> {
    const {link} = this.options
    const signal = this.stop.signal
    const label = this.entry.path
    const piece = flight.piece
    let position = piece[0]
    const onArrived = (at: number) => {
      flight.arrived = at
      if (priority === 'low' && slots.waitingNormal > 0 && piece[1] - at >= ALIGN) {
        this.queue.giveBack([at, piece[1]])
        piece[1] = at
      }
    }
    let failures = 0
    let waits = 0
    const retry = async (error: unknown, what: string) => {
      if (signal.aborted || isAbortError(error)) throw new InterruptedError()
      if (++failures >= MAX_FAILURES) throw new NetworkError(`Downloading ${label} failed (${what}).`, {hint: 'run the same command again: it resumes', cause: error})
      debug('download', `${label} @${position}: ${what}; retrying`)
      await sleep(backoffDelay(failures - 1, 300, 8000), signal)
    }
    while (position < piece[1]) {
      if (signal.aborted) throw new InterruptedError()
      const url = await link.get()
      let response: IncomingMessage
      try {
        response = await getStream(url, {range: `bytes=${position}-${piece[1] - 1}`}, signal)
      } catch (error) {
        await retry(error, (error as {code?: string}).code ?? (error as Error).message)
        continue
      }
      const status = response.statusCode ?? 0
      if (status !== 206) {
        if (status === 200) {
          response.destroy()
          throw new NetworkError(`The server ignored a Range request for ${label}.`, {hint: 'try --streams 1'})
        }
        const body = await readBody(response)
        if (isExpiredUrlError(status, body)) {
          // No backoff: a new URL is the cure. Counted, so a URL that keeps expiring still ends.
          if (++failures >= MAX_FAILURES) throw new NetworkError(`The download URL of ${label} keeps expiring.`)
          await link.renew(url)
          continue
        }
        if (isConcurrencyError(status, body)) {
          debug('download', `${label}: ExceedMaxConcurrency (${priority} stream)`)
          if (priority === 'low') {
            this.queue.giveBack([position, piece[1]])
            piece[1] = position
            return 'refused'
          }
          await sleep(backoffDelay(Math.min(waits++, 5), 400, 10_000), signal)
          continue
        }
        if (status >= 500 || status === 408) {
          await retry(undefined, `HTTP ${status}`)
          continue
        }
        const oss = parseOssError(body)
        throw new AlipanError(`Downloading ${label} was refused: HTTP ${status}${oss.code ? ` ${oss.code}` : ''}${oss.message ? ` (${oss.message})` : ''}.`, status === 404 ? ExitCode.notFound : ExitCode.network, {code: oss.code})
      }
      const from = Number(/bytes (\d+)-/.exec(String(response.headers['content-range']))?.[1])
      if (from !== position) {
        response.destroy()
        throw new NetworkError(`The server answered a Range request for ${label} with other bytes (${String(response.headers['content-range'])}).`)
      }
      let got
      try {
        got = await receiveInto(response, position, () => piece[1], {...this.target, onArrived})
      } catch (error) {
        if (error instanceof WriteFailure) throw writeFailure(error.cause, this.partPath)
        throw error
      }
      position += got.bytes
      flight.arrived = position
      if (got.bytes > 0) failures = 0
      if (position < piece[1]) await retry(got.failure, String((got.failure as {code?: string})?.code ?? 'the body ended early'))
    }
    return 'done'
  }
}
