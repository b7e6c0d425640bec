import type {RemoteEntry} from '../drive/drive.js'
import type {Change, DavRequest} from './dav.js'
import {DavError, badRequest, forbidden, notFound, preconditionFailed} from './errors.js'
import {parseDepth, parseOverwrite} from './headers.js'
import {isWithin, joinPath, printable, servedPathOf, splitPath} from './paths.js'

/** MKCOL, DELETE, COPY and MOVE (RFC 4918 §9.3, §9.6, §9.8, §9.9). */

export async function mkcol(r: DavRequest): Promise<void> {
  const {path} = r
  if (r.hasBody) throw new DavError(415, 'MKCOL with a body is not supported.')
  if (path === '/') throw new DavError(405, 'The served folder exists.')
  r.checkName(path)
  if (await r.dav.cache.stat(path, r.signal)) throw new DavError(405, `${path} already exists.`)
  const parent = await r.parentFolder()
  await r.checkWrite({changed: [path], membership: [parent.path]}, undefined)
  const entry = await r.dav.backend.mkdir(parent, splitPath(path)[1], r.signal)
  r.dav.cache.added(entry, {emptyFolder: true})
  r.dav.locks.materialized(path)
  r.send(201)
}

/** DELETE: to the recycle bin by default (the removal-method setting), a folder with all it holds, as one call. */
export async function remove(r: DavRequest): Promise<void> {
  const {path} = r
  if (path === '/') throw forbidden('The served folder itself cannot be deleted.')
  const entry = await r.dav.cache.stat(path, r.signal)
  if (!entry || !r.dav.visible(entry.name)) {
    if (!r.dav.locks.isLockNull(path)) throw notFound(`Not found: ${path}`)
    // A lock-null resource: deleting it drops the reservation (its owner's token is needed).
    await r.checkWrite({changed: [path]}, undefined)
    r.dav.locks.removeAt(path)
    return r.send(204)
  }
  if (entry.type === 'folder' && parseDepth(r.header('depth'), 'infinity') !== 'infinity') throw badRequest('DELETE of a folder takes Depth: infinity.')
  await r.checkWrite({subtrees: [path], membership: [splitPath(path)[0]]}, entry)
  await r.dav.backend.remove(entry, r.signal)
  r.dav.cache.removed(path)
  r.dav.locks.removeAt(path)
  r.dav.dead.drop(entry.file_id)
  r.send(204)
}

export function copy(r: DavRequest): Promise<void> {
  return place(r, 'copy')
}

export function move(r: DavRequest): Promise<void> {
  return place(r, 'move')
}

async function place(r: DavRequest, op: 'copy' | 'move'): Promise<void> {
  const {path} = r
  const destination = destinationOf(r)
  r.checkName(destination)
  const overwrite = parseOverwrite(r.header('overwrite'))
  const source = await r.entry()
  if (path === '/') throw forbidden(`The served folder itself cannot be ${op === 'copy' ? 'copied' : 'moved'}.`)
  if (destination === path) throw forbidden('The source and the destination are the same.')
  if (source.type === 'folder' && isWithin(destination, path)) throw forbidden(`A folder cannot be ${op === 'copy' ? 'copied' : 'moved'} into itself.`)
  if (isWithin(path, destination)) throw forbidden('The destination contains the source.')
  const depth = parseDepth(r.header('depth'), 'infinity')
  if (depth === '1' || (op === 'move' && source.type === 'folder' && depth !== 'infinity')) throw badRequest(`${op.toUpperCase()} of a folder takes Depth ${op === 'copy' ? '0 or ' : ''}infinity.`)
  const destParent = await r.parentFolder(destination)
  const existing = await r.dav.cache.stat(destination, r.signal)
  if (existing && !overwrite) throw preconditionFailed(`${destination} exists and Overwrite is F.`)

  const target: Change = {changed: [destination], subtrees: existing ? [destination] : [], membership: [destParent.path]}
  const change: Change = op === 'move' ? {...target, subtrees: [...target.subtrees!, path], membership: [...target.membership!, splitPath(path)[0]]} : target
  await r.checkWrite(change, source)

  const name = splitPath(destination)[1]
  const replace = existing
  let placed: RemoteEntry
  if (op === 'copy' && source.type === 'folder' && depth === '0') {
    // Depth 0: the folder without its members.
    placed = replace ? await replaceWithEmptyFolder(r, destParent, name, replace) : await r.dav.backend.mkdir(destParent, name, r.signal)
  } else if (op === 'copy') {
    placed = await r.dav.backend.copy(source, destParent, name, {replace, signal: r.signal, replaceFailed: r.replaceFailed})
  } else {
    placed = await r.dav.backend.move(source, destParent, name, {replace, signal: r.signal, replaceFailed: r.replaceFailed})
  }

  if (replace && replace.file_id !== placed.file_id) r.dav.dead.drop(replace.file_id)
  if (op === 'move') {
    r.dav.cache.removed(path)
    r.dav.cache.added(placed)
    // Locks stay with the URL, not the entry (RFC 4918 §7.5): the source's go.
    r.dav.locks.removeAt(path)
  } else {
    r.dav.cache.invalidate(destination)
    r.dav.dead.copy(source.file_id, placed.file_id)
  }
  if (r.leftBehind.length > 0) r.dav.cache.invalidate(destination)
  r.dav.locks.materialized(destination)
  r.send(existing ? 204 : 201)
}

/**
 * COPY Depth 0 over an existing entry: the new empty folder is made first, under a free name
 * beside the old entry, then the old entry is removed, then the new folder takes the name. A
 * failure to make the folder leaves the destination as it was.
 */
async function replaceWithEmptyFolder(r: DavRequest, parent: RemoteEntry, name: string, old: RemoteEntry): Promise<RemoteEntry> {
  const taken = new Set((await r.dav.cache.list(parent, r.signal)).map((e) => e.name))
  let free = name
  for (let n = 1; taken.has(free); n++) free = `${name}(${n})`
  const fresh = await r.dav.backend.mkdir(parent, free, r.signal)
  try {
    try {
      await r.dav.backend.remove(old, r.signal)
    } catch (error) {
      // The old entry stands: the spare folder goes, best effort, and the failure is the answer.
      await r.dav.backend.remove(fresh).catch(() => undefined)
      throw error
    }
    return await r.dav.backend.move(fresh, parent, name, {signal: r.signal})
  } finally {
    // Whatever happened, the listing no longer says what the folder holds.
    r.dav.cache.invalidate(joinPath(parent.path, free))
  }
}

/**
 * The Destination header as a served path. A URL naming another server (host and port differ
 * from the request's own) is refused with 502, as RFC 4918 §9.8.4 says: this server cannot
 * write there.
 */
function destinationOf(r: DavRequest): string {
  const value = r.header('destination')
  if (!value) throw badRequest('COPY and MOVE need a Destination header.')
  if (!value.startsWith('/')) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw badRequest(`Bad Destination: ${printable(value)}`)
    }
    const hosts = [r.header('host'), r.header('x-forwarded-host')].filter(Boolean).map((h) => h!.toLowerCase())
    if (!hosts.includes(url.host.toLowerCase())) throw new DavError(502, `The Destination ${printable(url.host)} is another server.`)
  }
  return servedPathOf(value).path
}
