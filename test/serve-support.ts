/**
 * A WebDAV server over the emulator for the serve tests: the real DriveBackend and server, in
 * this process, and a small HTTP client that shows every status and header as sent.
 */
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ApiClient} from '../src/lib/api/client.js'
import type {RetryPolicy} from '../src/lib/api/retry-policy.js'
import {CredentialStore} from '../src/lib/auth/credentials.js'
import {Session} from '../src/lib/auth/session.js'
import {AlipanDrive as Drive} from '../src/lib/drive/alipan-drive.js'
import {DriveBackend, type DriveBackendOptions} from '../src/lib/serve/drive-backend.js'
import {type RunningServer, type WebdavServerOptions, startWebdavServer} from '../src/lib/serve/server.js'
import {DAV_NS, childOf, elementsOf, parseXml, textOf} from '../src/lib/serve/xml.js'
import type {Fixture} from './support.js'

export interface DavResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
}

export interface DavOptions {
  headers?: Record<string, string | number>
  body?: string | Buffer
  /** Write the body in pieces, pausing between them (an upload in flight). */
  chunks?: Buffer[]
  pauseMs?: number
  /** Cut the connection after this many body bytes. */
  abortAfter?: number
  auth?: {user: string; pass: string}
  ca?: Buffer
}

export interface ServeHarness {
  server: RunningServer
  backend: DriveBackend
  drive: Drive
  client: ApiClient
  url: string
  spoolDir: string
  logLines: string[]
  dav(method: string, path: string, options?: DavOptions): Promise<DavResponse>
  close(): Promise<void>
}

export async function startHarness(
  f: Fixture,
  options: Partial<Omit<WebdavServerOptions, 'backend'>> & {backend?: Partial<DriveBackendOptions>; retry?: Partial<RetryPolicy>; root?: string} = {},
): Promise<ServeHarness> {
  const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {baseDelayMs: 20, maxDelayMs: 100, ...options.retry}})
  client.tokens = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
  let drive = new Drive(client, f.emu.user.default_drive_id)
  if (options.root) drive = new Drive(client, drive.driveId, (await drive.stat(options.root)).file_id)
  const spoolDir = mkdtempSync(join(tmpdir(), 'alipan-spool-'))
  const backend = new DriveBackend(drive, {removal: 'trash', livp: 'jpeg', rapid: true, internalUpload: false, spoolDir, ...options.backend})
  const logLines: string[] = []
  const server = await startWebdavServer({
    host: '127.0.0.1',
    port: 0,
    readOnly: false,
    proxy: false,
    dirCacheMs: 30_000,
    refuseFinderFiles: false,
    log: (line) => logLines.push(line),
    graceMs: 500,
    ...options,
    backend,
  })
  const url = server.url.replace(/\/$/, '')
  return {
    server,
    backend,
    drive,
    client,
    url,
    spoolDir,
    logLines,
    dav: (method, path, davOptions = {}) => davRequest(`${url}${path}`, method, davOptions),
    close: () => server.close(),
  }
}

export function davRequest(url: string, method: string, options: DavOptions = {}): Promise<DavResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {...options.headers}
    if (options.auth) headers.authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.pass}`).toString('base64')}`
    if (options.body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = Buffer.byteLength(options.body)
    const send = url.startsWith('https:') ? httpsRequest : httpRequest
    // The path exactly as given: a URL parser would resolve `..` before it is ever sent.
    const {hostname, port} = new URL(url)
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2))
    const req = send({hostname, port, path, method, headers, agent: false, ...(options.ca ? {ca: options.ca} : {})}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8')})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    void (async () => {
      if (options.chunks) {
        let sent = 0
        for (const chunk of options.chunks) {
          if (options.abortAfter !== undefined && sent + chunk.length > options.abortAfter) {
            req.write(chunk.subarray(0, options.abortAfter - sent))
            await new Promise((r) => setTimeout(r, options.pauseMs ?? 50))
            req.destroy()
            return
          }
          req.write(chunk)
          sent += chunk.length
          if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs))
        }
        req.end()
      } else {
        req.end(options.body)
      }
    })()
  })
}

export interface PropResult {
  status: number
  /** Text content of the property. */
  text: string
  /** Names of its child elements, `{ns}name`. */
  children: string[]
}

/** A 207 body, parsed with the server's own XML reader: href → `{ns}name` → what came back for it. */
export function multistatus(xml: string): Map<string, Map<string, PropResult>> {
  const root = parseXml(xml)
  const out = new Map<string, Map<string, PropResult>>()
  for (const response of elementsOf(root)) {
    const href = decodeURIComponent(textOf(childOf(response, DAV_NS, 'href')!))
    const props = new Map<string, PropResult>()
    for (const propstat of elementsOf(response).filter((e) => e.name === 'propstat')) {
      const status = Number(/HTTP\/1\.1 (\d+)/.exec(textOf(childOf(propstat, DAV_NS, 'status')!))![1])
      for (const prop of elementsOf(childOf(propstat, DAV_NS, 'prop')!)) {
        props.set(`{${prop.ns}}${prop.name}`, {status, text: textOf(prop), children: elementsOf(prop).map((c) => `{${c.ns}}${c.name}`)})
      }
    }
    out.set(href, props)
  }
  return out
}

export const D = (name: string) => `{DAV:}${name}`
