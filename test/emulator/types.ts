// Shared shapes of the emulator. Wire field names (snake_case, the odd camelCase) live in the
// modules that emit them; these are the in-memory records behind them.

export type Tier = 'normal' | 'certified' | 'risky'

export interface QrAutoConfirm {
  /** a session moves to ScanSuccess this long after its first status poll */
  scanAfterMs: number
  /** …and to LoginSuccess (as the default user) this long after the scan */
  confirmAfterMs: number
}

export interface EmulatorOptions {
  port?: number
  dataDir?: string
  accessTokenTtlSec?: number
  refreshTokenTtlSec?: number
  qrTtlSec?: number
  /** `true` is shorthand for `{scanAfterMs: 0, confirmAfterMs: 0}` */
  qrAutoConfirm?: false | true | QrAutoConfirm
  rateLimit?: boolean | number
  onlineLimit?: false | {max: number; minutes: number}
  tier?: Tier
  uploadUrlTtlSec?: number
  asyncTaskMs?: number
  fileSizeCap?: number
  totalSpace?: number
  requireUserAgent?: boolean
  /** minimum size of every part but the last, checked at complete (§5.5); 0 = off */
  minPartSize?: number
  /** cap each data-plane request (upload part or download) at this many bytes per second */
  throttleBytesPerSec?: number
  /** cap each download connection at this many bytes per second (the unpaid tier, §6) */
  downloadCapBytesPerSec?: number
  /** fixed credentials for the own app (default: random per start) */
  app?: {client_id: string; client_secret: string}
}

export interface ResolvedOptions {
  port: number
  dataDir: string
  removeDataDir: boolean
  accessTokenTtlSec: number
  refreshTokenTtlSec: number
  qrTtlSec: number
  uploadUrlTtlSec: number
  asyncTaskMs: number
  fileSizeCap: number
  totalSpace: number
  requireUserAgent: boolean
  minPartSize: number
  tier: Tier
}

export type TranscodeStatus = 'finished' | 'running' | 'failed'

export interface VideoMeta {
  duration: number
  width: number
  height: number
}

export interface StreamRef {
  sha1: string
  size: number
}

/** One entry of a drive's tree. `sha1` is uppercase hex and names a blob in the BlobStore. */
export interface FileNode {
  file_id: string
  drive_id: string
  parent_file_id: string
  name: string
  type: 'file' | 'folder'
  created: number
  updated: number
  starred: boolean
  trashed: boolean
  trashedAt?: number
  size?: number
  sha1?: string
  localCreated?: string
  localModified?: string
  /** live photos (.livp): the jpeg and mov halves (§4.8) */
  streams?: {jpeg: StreamRef; mov: StreamRef}
  /** per-template transcoding status; undefined = the default (LD..FHD finished) for videos */
  transcoding?: Record<string, TranscodeStatus>
  video?: VideoMeta
}

export interface UserRecord {
  user_id: string
  name: string
  avatar: string
  phone: string
  default_drive_id: string
  resource_drive_id: string
  backup_drive_id: string
  totalSpace: number
  /** The resource drive was not granted to the app (§3.3: its id is then absent): `setDriveGrant`. */
  resourceWithheld?: boolean
}

/** The shape `emu.user` / `emu.createUser()` hand to tests. */
export interface UserInfo {
  user_id: string
  name: string
  default_drive_id: string
  resource_drive_id: string
  backup_drive_id: string
}

export interface App {
  client_id: string
  client_secret: string
  name: string
}

export interface TokenPair {
  token_type: 'Bearer'
  access_token: string
  refresh_token?: string
  expires_in: number
}

/** Who is calling an authenticated API route. */
export interface Principal {
  userId: string
  clientId: string
  /** the raw access token (no "Bearer "): the proof code is computed from it (§5.4) */
  token: string
  scopes: string[]
}

export interface LogEntry {
  /** emulator clock, ms since epoch */
  time: number
  method: string
  path: string
  status: number
  code?: string
  userId?: string
}

export interface Counters {
  tokenRefreshes: number
  onlineRefreshes: number
  bytesIn: number
  bytesOut: number
  /** the most download bodies one user had in flight at once (§6's limit is 3 for normal apps) */
  peakDownloads: number
  requests: Record<string, number>
}
