import {readFile} from 'node:fs/promises'

import type {Drive} from '../drive/drive.js'
import {normalizeRemotePath} from '../drive/remote-path.js'
import {UsageError, asLocalFsError} from '../errors.js'
import {registerSecret} from '../redact.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {LivpFormat} from '../transfer/download.js'
import type {RemovalMethod} from '../manage/remove.js'
import {type ListenAddress, authPolicy, parseAddr} from './auth.js'
import {DriveBackend} from './drive-backend.js'
import {type RunningServer, startWebdavServer} from './server.js'

/** What `serve webdav` was asked for, checked before anything touches the network. */
export interface ServePlan {
  remote: string
  address: ListenAddress
  auth?: {user: string; pass: string}
  tls?: {certFile: string; keyFile: string}
  dirCacheMs: number
  readOnly: boolean
  proxy: boolean
  refuseFinderFiles: boolean
}

export interface ServeRequest {
  remote?: string
  addr?: string
  user?: string
  pass?: string
  noAuth?: boolean
  tlsCert?: string
  tlsKey?: string
  dirCacheTime?: string
  readOnly?: boolean
  proxy?: boolean
  refuseFinderFiles?: boolean
}

export const DEFAULT_ADDR = '127.0.0.1:8080'
/** Long enough that a client browsing a folder costs one listing, short enough that changes made in the app show soon. */
export const DEFAULT_DIR_CACHE = '30s'

/** Flags → a plan; every mistake is a usage error (exit 2) before the drive is opened. */
export function planServe(request: ServeRequest): ServePlan {
  const address = parseAddr(request.addr ?? DEFAULT_ADDR)
  const auth = authPolicy(address, {user: request.user, pass: request.pass, noAuth: request.noAuth})
  // From here on, --debug output and error messages never show it.
  registerSecret(auth?.pass)
  if (Boolean(request.tlsCert) !== Boolean(request.tlsKey)) throw new UsageError('HTTPS needs both --tls-cert and --tls-key.')
  return {
    remote: normalizeRemotePath(request.remote ?? '/'),
    address,
    auth,
    tls: request.tlsCert && request.tlsKey ? {certFile: request.tlsCert, keyFile: request.tlsKey} : undefined,
    dirCacheMs: parseDuration(request.dirCacheTime ?? DEFAULT_DIR_CACHE),
    readOnly: Boolean(request.readOnly),
    proxy: Boolean(request.proxy),
    refuseFinderFiles: Boolean(request.refuseFinderFiles),
  }
}

/** `30s`, `5m`, `1h`, `1500ms`, `0` (no caching); a bare number is seconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  if (!match) throw new UsageError(`Not a duration: ${text}`, {hint: 'e.g. 30s, 5m, 1h, or 0 to list afresh every time'})
  const scale = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(match[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(match[1]) * scale)
}

export interface ServeSettings {
  removal: RemovalMethod
  livp: LivpFormat
  rapid: boolean
  internalUpload: boolean
  bandwidth?: BandwidthLimiter
}

/**
 * Start serving: the served folder must exist; the backend is a Drive rooted at it, so a request
 * path can never name anything outside it.
 */
export async function startServe(drive: Drive, plan: ServePlan, settings: ServeSettings, options: {log?: (line: string) => void; signal?: AbortSignal; spoolDir?: string}): Promise<RunningServer> {
  const tls = plan.tls ? {cert: await readTls(plan.tls.certFile), key: await readTls(plan.tls.keyFile)} : undefined
  const folder = await drive.stat(plan.remote)
  if (folder.type !== 'folder') throw new UsageError(`${plan.remote} is a file; serve a folder.`)
  const served = drive.at(folder)
  const backend = new DriveBackend(served, {...settings, spoolDir: options.spoolDir})
  try {
    return await startWebdavServer({
      backend,
      host: plan.address.host,
      port: plan.address.port,
      tls,
      auth: plan.auth,
      readOnly: plan.readOnly,
      proxy: plan.proxy,
      dirCacheMs: plan.dirCacheMs,
      refuseFinderFiles: plan.refuseFinderFiles,
      log: options.log,
      signal: options.signal,
    })
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'EADDRINUSE') throw new UsageError(`${plan.address.host}:${plan.address.port} is already in use.`, {hint: 'choose another --addr (port 0 picks a free one)'})
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`${plan.address.host} is not an address of this machine.`, {hint: 'use 127.0.0.1, 0.0.0.0 (every interface) or one of this machine’s addresses'})
    if (code === 'EACCES') throw new UsageError(`Not allowed to listen on port ${plan.address.port}.`, {hint: 'ports below 1024 need privileges: choose a higher one'})
    throw error
  }
}

async function readTls(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    const local = asLocalFsError(error, path, 'reading')
    if ((error as {code?: string}).code === 'ENOENT') throw new UsageError(`No such file: ${path}`)
    throw local
  }
}
