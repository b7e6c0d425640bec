// The state every route handler reaches through, and the per-request `Call`.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {BlobStore} from './blobs.js'
import type {Clock} from './clock.js'
import type {DownloadGate} from './download.js'
import type {Faults} from './faults.js'
import type {OnlineLimiter, RateLimiter} from './limits.js'
import type {QrStore} from './qr.js'
import type {Signer} from './signer.js'
import type {TaskStore} from './tasks.js'
import type {TokenStore} from './tokens.js'
import type {App, Counters, LogEntry, ResolvedOptions} from './types.js'
import type {UploadStore} from './upload-store.js'
import type {UserStore} from './users.js'
import type {Throttle} from './throttle.js'

export interface Ctx {
  opts: ResolvedOptions
  clock: Clock
  apps: Map<string, App>
  ownApp: App
  onlineApp: App
  users: UserStore
  defaultUserId: string
  tokens: TokenStore
  qr: QrStore
  blobs: BlobStore
  signer: Signer
  uploads: UploadStore
  tasks: TaskStore
  rate: RateLimiter
  online: OnlineLimiter
  faults: Faults
  downloads: DownloadGate
  throttle: Throttle
  counters: Counters
  log: LogEntry[]
}

export interface Call {
  req: IncomingMessage
  res: ServerResponse
  method: string
  path: string
  query: URLSearchParams
  /** `http://<Host header>`: URLs the emulator hands out point back at the address the client used */
  base: string
  requestId: string
  ip: string
  /** captures of a RegExp route */
  params: string[]
  /** filled in by handlers for the request log */
  meta: {code?: string; userId?: string}
}

export type Handler = (call: Call) => unknown

export interface Route {
  method: string
  path: string | RegExp
  handler: Handler
}
