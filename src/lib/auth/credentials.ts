import {randomBytes} from 'node:crypto'
import {rmSync} from 'node:fs'
import {type FileHandle, open, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {AlipanError, CONFIG_DIR_HINT, ExitCode, asConfigFsError} from '../errors.js'
import {readJsonStore} from '../json-file.js'
import {makeDirSync} from '../local-dirs.js'
import {renameReplacing} from '../local-rename.js'
import {registerSecret} from '../redact.js'

/**
 * How a login is renewed (§2.4, §2.8): a refresh token is bound to the app that issued it, so
 * the route is stored with the token. `app` = the user's own client id/secret straight to
 * `/oauth/access_token`; `online` = the OpenList online service's `renewapi`.
 */
export type RenewalRoute = {type: 'app'; client_id: string; client_secret?: string} | {type: 'online'}

export type CredentialSource = 'qr' | 'stdin' | 'env'

export interface StoredCredentials {
  refresh_token: string
  access_token?: string
  /** Epoch ms at which the access token stops working. */
  expires_at?: number
  /** Seconds the access token was issued for; sets how early we renew. */
  lifetime_sec?: number
  route: RenewalRoute
  source: CredentialSource
  /** Fingerprint of the ALIPAN_REFRESH_TOKEN this chain was seeded from (never the token). */
  env_fingerprint?: string
  user_id?: string
  user_name?: string
  default_drive_id?: string
  resource_drive_id?: string
  backup_drive_id?: string
  updated_at: string
}

const FILE_NAME = 'credentials'

/**
 * Create the config folder private (0700). A folder that already exists is left as it is (it may
 * be a CI cache the user owns); the credential file in it is 0600 either way.
 */
export function ensurePrivateDir(dir: string): void {
  makeDirSync(dir, 0o700, CONFIG_DIR_HINT)
}

/** Room claimed for the next version of the file; a credential file is ~2 KB. */
const RESERVED_BYTES = 16 * 1024

/**
 * The next version of the credential file, with its disk space already taken. Renewing a login
 * spends the refresh token (single use, §2.6), so the space for its successor is claimed first:
 * a full or read-only disk then fails before the token is spent, and the stored login survives.
 */
export interface Reservation {
  /** Write `credentials` into the reserved space and rename it over the credential file. */
  commit(credentials: StoredCredentials): Promise<void>
  /** Give the space back (after a failure); a no-op once committed. */
  cancel(): Promise<void>
}

/**
 * The credential file: `credentials.json` in the profile's folder, mode 0600, written atomically
 * (temp file, fsync, rename, as conf does). Read fresh on every call, because another process may
 * have rotated the refresh token since we last looked.
 */
export class CredentialStore {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, `${FILE_NAME}.json`)
  }

  async read(): Promise<StoredCredentials | undefined> {
    let data: Record<string, unknown>
    try {
      data = readJsonStore(this.path)
    } catch (error) {
      throw corrupt(this.path, error)
    }
    if (typeof data.refresh_token !== 'string' || !data.refresh_token || !data.route) return undefined
    const credentials = data as unknown as StoredCredentials
    registerSecret(credentials.refresh_token)
    registerSecret(credentials.access_token)
    if (credentials.route.type === 'app') registerSecret(credentials.route.client_secret)
    return credentials
  }

  /**
   * Claim the space the next write needs: a temp file beside the credential file, filled with
   * spaces (no secret ever sits in it unclaimed) and synced, so the blocks are really allocated.
   */
  async reserve(): Promise<Reservation> {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    let handle: FileHandle | undefined
    try {
      ensurePrivateDir(this.dir)
      handle = await open(tmp, 'wx', 0o600)
      await handle.write(Buffer.alloc(RESERVED_BYTES, 0x20), 0, RESERVED_BYTES, 0)
      await handle.sync()
    } catch (error) {
      await handle?.close().catch(() => undefined)
      await rm(tmp, {force: true}).catch(() => undefined)
      throw unwritable(this.path, error)
    }
    const file = handle
    let pending = true
    const close = async () => {
      if (!pending) return
      pending = false
      await file.close().catch(() => undefined)
    }
    return {
      commit: async (credentials) => {
        if (!pending) throw new Error('credential reservation already used')
        // conf's format, so files written before and after read the same.
        const text = Buffer.from(JSON.stringify(credentials, undefined, '\t'))
        try {
          // Overwriting blocks the file already has needs no new space; the rest is cut off.
          await file.write(text, 0, text.length, 0)
          await file.truncate(text.length)
          await file.sync()
          await close()
          await renameReplacing(tmp, this.path)
        } catch (error) {
          await close()
          await rm(tmp, {force: true}).catch(() => undefined)
          throw unwritable(this.path, error)
        }
      },
      cancel: async () => {
        if (!pending) return
        await close()
        await rm(tmp, {force: true}).catch(() => undefined)
      },
    }
  }

  async write(credentials: StoredCredentials): Promise<void> {
    await (await this.reserve()).commit(credentials)
  }

  async clear(): Promise<boolean> {
    const existed = (await this.read().catch(() => undefined)) !== undefined
    try {
      rmSync(this.path, {force: true})
    } catch (error) {
      throw asConfigFsError(error, this.path, 'removing')
    }
    return existed
  }
}

/** A credential file that cannot be written is the user's to fix (exit 9), and says where. */
function unwritable(path: string, error: unknown): unknown {
  return asConfigFsError(error, path, 'saving the login to')
}

function corrupt(path: string, error: unknown): AlipanError {
  return new AlipanError(`The credential file ${path} is unreadable (${(error as Error).message}).`, ExitCode.auth, {
    code: 'CredentialsCorrupt',
    hint: 'run `alipan logout` and `alipan login` again',
    cause: error,
  })
}
