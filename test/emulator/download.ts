// Downloads (§4.8, §6): `getDownloadUrl` and the signed GET it hands out. Bodies stream from the
// blob file with `createReadStream({start, end})`, so memory stays flat for any file size.
import {createReadStream} from 'node:fs'
import type {Call, Ctx} from './context.js'
import {OssError, inRecycleBin, invalidParam, notFoundFile} from './errors.js'
import type {Params} from './http.js'
import {newOssRequestId} from './ids.js'
import {EC} from './signer.js'
import type {Drive} from './tree.js'
import type {FileNode, Principal, Tier} from './types.js'

export const TIERS: Record<Tier, {maxExpireSec: number; concurrency: number}> = {
  normal: {maxExpireSec: 900, concurrency: 3},
  certified: {maxExpireSec: 14400, concurrency: 6},
  risky: {maxExpireSec: 900, concurrency: 2},
}

/** Active download bodies per user (§6: the limit counts simultaneous downloads). */
export class DownloadGate {
  private readonly active = new Map<string, number>()

  tryEnter(userId: string, limit: number): boolean {
    const n = this.active.get(userId) ?? 0
    if (n >= limit) return false
    this.active.set(userId, n + 1)
    return true
  }

  leave(userId: string): void {
    this.active.set(userId, Math.max(0, (this.active.get(userId) ?? 1) - 1))
  }

  count(userId: string): number {
    return this.active.get(userId) ?? 0
  }
}

/** Signed GET URL for one blob of a file (the file itself, or a live-photo stream). */
export function signDownload(ctx: Ctx, drive: Drive, n: FileNode, sha1: string, ttlSec: number) {
  const disposition = `attachment; filename*=UTF-8''${encodeURIComponent(n.name)}`
  return ctx.signer.sign(
    'GET',
    `${ctx.signer.keyPrefix}/${drive.id}/${n.file_id}/${sha1.toLowerCase()}`,
    [
      ['di', 'bj29'],
      ['dr', drive.id],
      ['f', n.file_id],
      ['response-content-disposition', disposition],
      ['u', drive.ownerId],
    ],
    ttlSec,
  )
}

/** POST /adrive/v1.0/openFile/getDownloadUrl */
export function getDownloadUrl(ctx: Ctx, call: Call, p: Principal, body: Params): Record<string, unknown> {
  const drive = ctx.users.driveFor(p, body.optStr('drive_id'))
  const n = drive.get(body.str('file_id'))
  if (!n) throw notFoundFile()
  if (drive.isTrashed(n)) throw inRecycleBin()
  // [U] folders have nothing to download
  if (n.type !== 'file') throw invalidParam('file_id', 'file type is folder')
  const max = TIERS[ctx.opts.tier].maxExpireSec
  const asked = body.optInt('expire_sec')
  const ttl = Math.min(asked !== undefined && asked > 0 ? asked : 900, max)
  const common = {
    expiration: '',
    method: 'GET',
    size: n.size ?? 0,
    description: '',
    file_id: n.file_id,
    content_hash: n.sha1,
    content_hash_name: 'sha1',
  }
  if (n.streams) {
    // live photo: no single URL, one per stream (§4.8); both key spellings for webdav's sake
    const jpeg = signDownload(ctx, drive, n, n.streams.jpeg.sha1, ttl)
    const mov = signDownload(ctx, drive, n, n.streams.mov.sha1, ttl)
    const streamsUrl = {jpeg: call.base + jpeg.path, mov: call.base + mov.path}
    return {...common, url: '', streamsUrl, streams_url: streamsUrl, expiration: ctx.clock.iso(jpeg.expires * 1000)}
  }
  const signed = signDownload(ctx, drive, n, n.sha1 as string, ttl)
  return {...common, url: call.base + signed.path, expiration: ctx.clock.iso(signed.expires * 1000)}
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined = serve the whole body; null = unsatisfiable */
export function parseRange(header: string | undefined, size: number): {start: number; end: number} | undefined | null {
  if (!header) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined // multi-range or junk: ignore, send 200
  if (m[1] === '') {
    const n = Number(m[2])
    if (n === 0 || size === 0) return null
    return {start: Math.max(0, size - n), end: size - 1}
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size || start > end) return null
  return {start, end}
}

/** GET/HEAD /oss/<prefix>/<drive>/<file>/<sha1> — the URL was already verified by the caller. */
export async function serveDownload(ctx: Ctx, call: Call, sha1: string, contentType: string): Promise<void> {
  const {req, res} = call
  const blob = ctx.blobs.info(sha1)
  if (!blob) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.', EC.noSuchKey)
  const userId = call.query.get('u') ?? ''
  call.meta.userId = userId
  const range = parseRange(req.headers.range, blob.size)
  if (range === null) {
    throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.', EC.invalidRange, [
      ['ActualObjectSize', blob.size],
    ])
  }
  const isHead = call.method === 'HEAD'
  if (!isHead && !ctx.downloads.tryEnter(userId, TIERS[ctx.opts.tier].concurrency)) {
    throw new OssError(
      403,
      'RequestDeniedByCallback',
      'Callback deny this request reason: ExceedMaxConcurrency',
      EC.concurrency,
    )
  }
  if (!isHead) ctx.counters.peakDownloads = Math.max(ctx.counters.peakDownloads, ctx.downloads.count(userId))
  const start = range?.start ?? 0
  const end = range?.end ?? blob.size - 1
  const length = blob.size === 0 ? 0 : end - start + 1
  res.statusCode = range ? 206 : 200
  res.setHeader('Accept-Ranges', 'bytes')
  res.setHeader('Content-Length', String(length))
  res.setHeader('Content-Type', contentType)
  res.setHeader('ETag', `"${sha1.toUpperCase()}"`)
  res.setHeader('x-oss-request-id', newOssRequestId())
  const disposition = call.query.get('response-content-disposition')
  if (disposition) res.setHeader('Content-Disposition', disposition)
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${blob.size}`)
  if (isHead || length === 0) {
    res.end()
    if (!isHead) ctx.downloads.leave(userId)
    return
  }
  // The slot is held until the whole body is handed to the socket, or the connection is gone.
  // Not until 'close': on a keep-alive connection that comes a moment after the client has the
  // last byte, and a client starting its next request at once would be refused for a slot it
  // had already given back.
  let closed = false
  let held = true
  const leave = () => {
    if (held) ctx.downloads.leave(userId)
    held = false
  }
  res.once('close', () => {
    closed = true
    leave()
  })
  const dropAfter = ctx.faults.takeDrop('download')
  let sent = 0
  const pace = ctx.throttle.meter('download')
  // a hand-written loop rather than pipeline(): a drop fault must cut the socket right after the
  // bytes it allows have been flushed
  for await (const chunk of createReadStream(ctx.blobs.path(sha1), {start, end}) as AsyncIterable<Buffer>) {
    if (closed) return
    if (dropAfter !== undefined && sent + chunk.length >= dropAfter) {
      const head = chunk.subarray(0, dropAfter - sent)
      ctx.counters.bytesOut += head.length
      res.write(head, () => res.destroy())
      return
    }
    // Paced before the write, so the last byte goes out with the slot released right after it.
    await pace(chunk.length)
    if (closed) return
    sent += chunk.length
    ctx.counters.bytesOut += chunk.length
    if (!res.write(chunk)) await drained(res)
  }
  leave()
  res.end()
}

/** resolves on 'drain' or when the response is gone (a vanished client never drains) */
function drained(res: Call['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
