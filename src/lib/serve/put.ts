import type {DavRequest} from './dav.js'
import {DavError} from './errors.js'
import {announcedLength, parseOcChecksum, parseOcMtime} from './headers.js'
import {splitPath} from './paths.js'
import {etagOf} from './properties.js'

/**
 * PUT: the body goes straight into the upload engine. With its length known (Content-Length, or
 * Finder's X-Expected-Entity-Length with chunked encoding) it is streamed part by part with no
 * temp file; otherwise it is spooled to a private temp file first (the upload needs the size up
 * front). An existing file is replaced only once the new one is complete and verified, so a PUT
 * that breaks off, or a server stopped mid-way, leaves the old file as it was and nothing new
 * visible. `X-OC-Mtime` sets the file's modification time and is answered `accepted`.
 */
export async function put(r: DavRequest): Promise<void> {
  const {path} = r
  if (path === '/' || r.target.slash) throw new DavError(405, 'A folder cannot be written with PUT.')
  r.checkName(path)
  // A partial PUT would replace the whole file with a piece of it (RFC 9110 §14.5): refused.
  if (r.header('content-range') !== undefined) throw new DavError(400, 'PUT with Content-Range (a partial update) is not supported.')
  const size = announcedLength(r.req.headers)
  const mtimeMs = parseOcMtime(r.header('x-oc-mtime'))
  const expectSha1 = parseOcChecksum(r.header('oc-checksum'))
  await r.dav.writes.run(path, () => putQueued(r, size, mtimeMs, expectSha1))
}

async function putQueued(r: DavRequest, size: number | undefined, mtimeMs: number | undefined, expectSha1: string | undefined): Promise<void> {
  const {path} = r
  const parent = await r.parentFolder()
  const existing = await r.dav.cache.stat(path, r.signal)
  if (existing?.type === 'folder') throw new DavError(405, `${path} is a folder.`)
  await r.checkWrite(existing ? {changed: [path]} : {changed: [path], membership: [parent.path]}, existing)
  r.continue()
  const entry = await r.dav.backend.put(parent, splitPath(path)[1], r.req, {size, mtimeMs, replace: existing, expectSha1, signal: r.signal, replaceFailed: r.replaceFailed})
  r.dav.cache.added(entry)
  if (r.leftBehind.length > 0) r.dav.cache.invalidate(path)
  r.dav.locks.materialized(path)
  if (existing && existing.file_id !== entry.file_id) r.dav.dead.rename(existing.file_id, entry.file_id)
  const headers: Record<string, string> = {etag: etagOf(entry)}
  if (mtimeMs !== undefined) headers['x-oc-mtime'] = 'accepted'
  r.send(existing ? 204 : 201, headers)
}
