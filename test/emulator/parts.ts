// PUT of one upload part to its signed URL (§5.6). The body is written straight into the session
// file at its current end while a copy of the running SHA-1 absorbs it; only when the whole body
// has arrived are the hash and length committed. A body cut short is truncated away, so a dropped
// connection leaves no trace and every byte reaches the disk once (memory stays flat).
import {createHash} from 'node:crypto'
import {createWriteStream, truncateSync} from 'node:fs'
import {once} from 'node:events'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {Call, Ctx} from './context.js'
import {OssError} from './errors.js'
import {newOssRequestId} from './ids.js'
import {EC, signatureMismatch} from './signer.js'
import type {UploadSession} from './upload-store.js'

const MAX_PART = 5 * 1024 ** 3 // §5.5

const noSuchUpload = () =>
  new OssError(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    EC.noSuchUpload,
  )

/** strictly sequential: only part `stored + 1` may be written (§5.6) */
function checkSequence(s: UploadSession, partNumber: number): void {
  const stored = s.parts.length
  if (partNumber <= stored) {
    throw new OssError(
      409,
      'PartAlreadyExist',
      "For sequential multipart upload, you can't overwrite uploaded parts.",
      EC.partAlreadyExist,
      [['PartNumber', partNumber]],
    )
  }
  if (partNumber > stored + 1) {
    throw new OssError(
      400,
      'PartNotSequential',
      'For sequential multipart upload, you must upload or complete parts with sequential part number.',
      EC.partNotSequential,
      [['PartNumber', partNumber]],
    )
  }
}

export async function handlePut(ctx: Ctx, call: Call, key: string): Promise<void> {
  const {req, res, query} = call
  ctx.signer.verify('PUT', key, query)
  const s = ctx.uploads.get(query.get('uploadId') ?? '')
  if (!s || s.state !== 'open') throw noSuchUpload()
  call.meta.userId = s.userId
  const partNumber = Number(query.get('partNumber'))
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new OssError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', EC.invalidArgument)
  }
  // the URL was signed for an empty Content-Type: any other value breaks the signature (§5.6)
  const contentType = req.headers['content-type']
  if (contentType !== undefined && contentType.trim() !== '') throw signatureMismatch()
  // [U] a chunked body (no Content-Length) is refused the way OSS refuses it for PutObject
  if (req.headers['content-length'] === undefined) {
    throw new OssError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.', EC.missingLength)
  }
  const length = Number(req.headers['content-length'])
  if (length > MAX_PART) {
    throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', EC.entityTooLarge)
  }
  // A retry of the part still being written supersedes it: the client has given up on it already.
  while (s.inflight && s.inflight.partNumber === partNumber) {
    s.inflight.req.destroy()
    await s.inflight.done
  }
  if (s.state !== 'open') throw noSuchUpload()
  checkSequence(s, partNumber)

  let release = () => {}
  s.inflight = {partNumber, req, done: new Promise<void>((r) => (release = r))}
  const offset = s.bytes
  const sha1 = s.hash.copy()
  const md5 = createHash('md5')
  let head = s.head
  let received = 0
  const dropAfter = ctx.faults.takeDrop('upload')
  const pace = ctx.throttle.meter()
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (dropAfter !== undefined && received + chunk.length >= dropAfter) {
        req.socket.destroy()
        done(new Error('connection dropped by fault injection'))
        return
      }
      if (offset + received < 1024) head = Buffer.concat([head, chunk]).subarray(0, 1024)
      received += chunk.length
      sha1.update(chunk)
      md5.update(chunk)
      pace(chunk.length).then(() => done(null, chunk), done)
    },
  })
  const out = createWriteStream(s.file, {flags: 'r+', start: offset})
  try {
    await pipeline(req, meter, out)
    if (received !== length) throw new Error('short body')
  } catch {
    if (!out.closed) await once(out, 'close').catch(() => {})
    try {
      truncateSync(s.file, offset)
    } catch {
      // the session was discarded meanwhile
    }
    throw new OssError(400, 'IncompleteBody', 'The request body is not complete.', EC.invalidArgument)
  } finally {
    s.inflight = undefined
    release()
  }
  s.hash = sha1
  s.bytes += received
  s.head = head
  const etag = `"${md5.digest('hex').toUpperCase()}"`
  s.parts.push({part_number: partNumber, part_size: received, etag})
  ctx.counters.bytesIn += received
  res.writeHead(200, {ETag: etag, 'Content-Length': '0', 'x-oss-request-id': newOssRequestId()})
  res.end()
}

export {noSuchUpload}
