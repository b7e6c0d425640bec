// startEmulator(): the programmatic entry point the CLI's tests use (see README.md).
import {mkdtempSync, rmSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {apiRoutes} from './api.js'
import {BlobStore} from './blobs.js'
import {Clock} from './clock.js'
import type {Ctx} from './context.js'
import {controlHandler} from './control.js'
import {DownloadGate} from './download.js'
import {Faults} from './faults.js'
import {EmuFs} from './fsapi.js'
import {hex} from './ids.js'
import {OnlineLimiter, RateLimiter} from './limits.js'
import {QrStore, type QrSession} from './qr.js'
import {createEmulatorServer} from './server.js'
import {Signer} from './signer.js'
import {TaskStore} from './tasks.js'
import {Throttle} from './throttle.js'
import {TokenStore} from './tokens.js'
import type {App, Counters, EmulatorOptions, LogEntry, QrAutoConfirm, ResolvedOptions, Tier, UserInfo} from './types.js'
import {UploadStore} from './upload-store.js'
import {UserStore, userInfo} from './users.js'

export type {EmulatorOptions, LogEntry, Counters, UserInfo, Tier, QrAutoConfirm} from './types.js'
export type {InjectSpec, DropSpec, LoseAnswerSpec} from './faults.js'
export {proofCode, preHash, proofRange} from './proof.js'

const GiB = 1024 ** 3
const FULL_SCOPES = ['user:base', 'file:all:read', 'file:all:write']

export interface IssuedTokens {
  token_type: 'Bearer'
  access_token: string
  refresh_token: string
  expires_in: number
}

export interface Emulator {
  /** Open API base, e.g. http://127.0.0.1:PORT (ALIPAN_API_URL) */
  url: string
  /** online token service base — the same server (ALIPAN_ONLINE_API_URL) */
  onlineUrl: string
  port: number
  env(): {ALIPAN_API_URL: string; ALIPAN_ONLINE_API_URL: string}
  /** the registered "own app" */
  app: {client_id: string; client_secret: string}
  user: UserInfo
  createUser(name?: string): UserInfo
  issueTokens(opts?: {userId?: string; via?: 'app' | 'online'}): IssuedTokens
  qr: {
    scan(sid: string): QrSession
    confirm(sid: string, userId?: string): QrSession
    expire(sid: string): QrSession
    sessions(): QrSession[]
    setAutoConfirm(v: false | true | QrAutoConfirm): void
  }
  revokeUser(userId?: string): void
  expireAccessTokens(userId?: string): void
  advanceTime(ms: number): void
  /** stop real time from passing on the emulator clock (advanceTime still works); false resumes */
  freezeTime(frozen?: boolean): void
  /** the emulator clock (ms since epoch) */
  now(): number
  setRateLimit(v: boolean | number): void
  setOnlineLimit(v: false | {max: number; minutes: number}): void
  resetOnlineLimit(): void
  setTier(tier: Tier): void
  setTotalSpace(bytes: number, userId?: string): void
  /**
   * Whether the user granted the app their resource drive (§3.3): withheld, getDriveInfo leaves
   * `resource_drive_id` out and calls on that drive answer 403 UserNotAllowedAccessDrive.
   */
  setDriveGrant(drive: 'resource', granted: boolean, userId?: string): void
  /** cap each data-plane request at `bytesPerSec` (false: no cap) */
  setThrottle(bytesPerSec: number | false): void
  /** cap each download connection at `bytesPerSec` (false: no cap), like the unpaid tier (§6) */
  setDownloadCap(bytesPerSec: number | false): void
  faults: Faults
  log: LogEntry[]
  counters: Counters
  resetCounters(): void
  fs(driveId?: string): EmuFs
  spaceUsed(userId?: string): number
  close(): Promise<void>
}

function resolveOptions(o: EmulatorOptions): ResolvedOptions {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'alipan-emu-'))
  return {
    port: o.port ?? 0,
    dataDir,
    removeDataDir: o.dataDir === undefined,
    accessTokenTtlSec: o.accessTokenTtlSec ?? 7200,
    refreshTokenTtlSec: o.refreshTokenTtlSec ?? 90 * 86400,
    qrTtlSec: o.qrTtlSec ?? 180,
    uploadUrlTtlSec: o.uploadUrlTtlSec ?? 3600,
    asyncTaskMs: o.asyncTaskMs ?? 300,
    fileSizeCap: o.fileSizeCap ?? 100 * GiB,
    totalSpace: o.totalSpace ?? 100 * GiB,
    requireUserAgent: o.requireUserAgent ?? false,
    minPartSize: o.minPartSize ?? 100 * 1024,
    tier: o.tier ?? 'normal',
  }
}

const autoConfirm = (v: EmulatorOptions['qrAutoConfirm']): QrAutoConfirm | false =>
  v === true ? {scanAfterMs: 0, confirmAfterMs: 0} : v || false

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = resolveOptions(options)
  const clock = new Clock()
  const ownApp: App = {...(options.app ?? {client_id: hex(16), client_secret: hex(16)}), name: 'own app'}
  const onlineApp: App = {client_id: hex(16), client_secret: hex(16), name: 'online token service'}
  const users = new UserStore(clock, opts.totalSpace)
  const defaultUser = users.create('alice')
  const tokens = new TokenStore(clock, {accessSec: opts.accessTokenTtlSec, refreshSec: opts.refreshTokenTtlSec})
  const blobs = new BlobStore(opts.dataDir)
  const ctx: Ctx = {
    opts,
    clock,
    throttle: new Throttle(options.throttleBytesPerSec, options.downloadCapBytesPerSec),
    apps: new Map([
      [ownApp.client_id, ownApp],
      [onlineApp.client_id, onlineApp],
    ]),
    ownApp,
    onlineApp,
    users,
    defaultUserId: defaultUser.user_id,
    tokens,
    qr: new QrStore(clock, tokens, opts.qrTtlSec, () => defaultUser.user_id, autoConfirm(options.qrAutoConfirm)),
    blobs,
    signer: new Signer(clock),
    uploads: new UploadStore(blobs.sessionDir),
    tasks: new TaskStore(clock, opts.asyncTaskMs),
    rate: new RateLimiter(clock, options.rateLimit ?? true),
    online: new OnlineLimiter(clock, options.onlineLimit ?? {max: 10, minutes: 60}),
    faults: new Faults(),
    downloads: new DownloadGate(),
    counters: {tokenRefreshes: 0, onlineRefreshes: 0, bytesIn: 0, bytesOut: 0, peakDownloads: 0, requests: {}},
    log: [],
  }

  let url = ''
  let emu: Emulator | undefined
  const server = createEmulatorServer(ctx, apiRoutes(ctx), (call) => controlHandler(emu as Emulator, call), () => url.slice('http://'.length))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  url = `http://127.0.0.1:${port}`

  const userOf = (userId?: string) => users.get(userId ?? defaultUser.user_id)
  emu = {
    url,
    onlineUrl: url,
    port,
    env: () => ({ALIPAN_API_URL: url, ALIPAN_ONLINE_API_URL: url}),
    app: {client_id: ownApp.client_id, client_secret: ownApp.client_secret},
    user: userInfo(defaultUser),
    createUser: (name = 'user') => userInfo(users.create(name)),
    issueTokens: ({userId, via = 'app'} = {}) => {
      const app = via === 'online' ? onlineApp : ownApp
      return tokens.issue(userOf(userId).user_id, app.client_id, FULL_SCOPES) as IssuedTokens
    },
    qr: {
      scan: (sid) => ctx.qr.scan(sid),
      confirm: (sid, userId) => ctx.qr.confirm(sid, userId && userOf(userId).user_id),
      expire: (sid) => ctx.qr.expire(sid),
      sessions: () => ctx.qr.list(),
      setAutoConfirm: (v) => {
        ctx.qr.autoConfirm = autoConfirm(v)
      },
    },
    revokeUser: (userId) => tokens.revokeUser(userId ?? defaultUser.user_id),
    expireAccessTokens: (userId) => tokens.expireAccessTokens(userId),
    advanceTime: (ms) => clock.advance(ms),
    freezeTime: (frozen = true) => clock.freeze(frozen),
    now: () => clock.now(),
    setRateLimit: (v) => ctx.rate.set(v),
    setOnlineLimit: (v) => {
      ctx.online.limit = v
      ctx.online.reset()
    },
    resetOnlineLimit: () => ctx.online.reset(),
    setTier: (tier) => {
      opts.tier = tier
    },
    setThrottle: (bytesPerSec) => {
      ctx.throttle.bytesPerSec = bytesPerSec || undefined
    },
    setDownloadCap: (bytesPerSec) => {
      ctx.throttle.downloadBytesPerSec = bytesPerSec || undefined
    },
    setTotalSpace: (bytes, userId) => {
      userOf(userId).totalSpace = bytes
    },
    setDriveGrant: (_drive, granted, userId) => {
      userOf(userId).resourceWithheld = !granted
    },
    faults: ctx.faults,
    log: ctx.log,
    counters: ctx.counters,
    resetCounters: () => {
      Object.assign(ctx.counters, {tokenRefreshes: 0, onlineRefreshes: 0, bytesIn: 0, bytesOut: 0, peakDownloads: 0})
      for (const k of Object.keys(ctx.counters.requests)) delete ctx.counters.requests[k]
      ctx.log.length = 0
    },
    fs: (driveId) => {
      const drive = users.drives.get(driveId ?? defaultUser.default_drive_id)
      if (!drive) throw new Error(`unknown drive ${driveId}`)
      return new EmuFs(ctx, drive, () => url)
    },
    spaceUsed: (userId) => users.spaceUsed(userOf(userId).user_id),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if (opts.removeDataDir) rmSync(opts.dataDir, {recursive: true, force: true})
    },
  }
  return emu
}
