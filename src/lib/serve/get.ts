import {pipeline} from 'node:stream/promises'

import type {RemoteEntry} from '../drive/drive.js'
import {isLivePhoto} from '../transfer/download.js'
import type {DavRequest} from './dav.js'
import {parseRange} from './headers.js'
import {indexHtml} from './html-index.js'
import {matchesEtagList, sameEtag} from './if-header.js'
import {contentTypeOf, etagOf, mtimeOf} from './properties.js'

/**
 * GET and HEAD. A file's bytes come from Alipan's CDN: by default the client is redirected (302)
 * to the file's signed URL, cached per file (link-cache.ts), so the bytes never pass through this
 * machine; with `--proxy`, or when the URL's signature covers headers the client would not send,
 * they are streamed through, with Range → 206. HEAD answers from the listing (size, type, time,
 * ETag) without spending a getDownloadUrl call. A folder is a small HTML index.
 */
export async function get(r: DavRequest, head: boolean): Promise<void> {
  const entry = await r.entry()
  if (entry.type === 'folder') return folderIndex(r, entry, head)
  const etag = etagOf(entry)
  const ms = mtimeOf(entry)
  const common: Record<string, string | number> = {etag, 'accept-ranges': 'bytes', ...(ms === undefined ? {} : {'last-modified': new Date(ms).toUTCString()})}
  await r.checkConditions(entry)
  const ifNoneMatch = r.header('if-none-match')
  if (ifNoneMatch !== undefined && matchesEtagList(ifNoneMatch, etag)) return r.send(304, common)
  if (head) {
    r.res.writeHead(200, {...common, 'content-type': contentTypeOf(entry), 'content-length': entry.size})
    return void r.res.end()
  }
  if (!r.dav.options.proxy && r.dav.backend.link) {
    const url = await r.dav.backend.link(entry, r.signal)
    if (url) return r.send(302, {location: url, 'cache-control': 'no-store', ...common})
  }
  await proxy(r, entry, common)
}

async function proxy(r: DavRequest, entry: RemoteEntry, common: Record<string, string | number>): Promise<void> {
  // A live photo's stream is not the size the listing gives the .livp: serve it whole.
  const livp = isLivePhoto(entry)
  const ifRange = r.header('if-range')
  const rangeAllowed = !livp && (ifRange === undefined || sameEtag(ifRange.trim(), String(common.etag)))
  const range = rangeAllowed ? parseRange(r.header('range'), entry.size) : undefined
  if (range === 'unsatisfiable') return r.send(416, {...common, 'content-range': `bytes */${entry.size}`})
  const {stream, length} = await r.dav.backend.openRange(entry, range, r.signal)
  // The drive's bytes are anyone's (an uploaded .txt may hold HTML and script): a browser must take them as the type given, never sniff them into a page of this origin.
  const headers: Record<string, string | number> = {...common, 'content-type': contentTypeOf(entry), 'x-content-type-options': 'nosniff'}
  if (length !== undefined) headers['content-length'] = length
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end - 1}/${entry.size}`
  r.res.writeHead(range ? 206 : 200, headers)
  try {
    await pipeline(stream, r.res)
  } catch {
    // The client went away, or the data plane failed past its retries: the body is cut short.
    stream.destroy()
    r.res.destroy()
  }
}

async function folderIndex(r: DavRequest, folder: RemoteEntry, head: boolean): Promise<void> {
  const entries = (await r.dav.cache.list(folder, r.signal)).filter((e) => r.dav.visible(e.name))
  const html = Buffer.from(indexHtml(r.path, entries), 'utf8')
  const headers = {'content-type': 'text/html; charset=utf-8', 'content-length': html.length}
  r.res.writeHead(200, headers)
  r.res.end(head ? undefined : html)
}
