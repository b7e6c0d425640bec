import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {AlipanError, ExitCode} from '../errors.js'
import {readJsonStore} from '../json-file.js'
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
  mkdirSync(dir, {recursive: true, mode: 0o700})
}

type ConfStore = {store: Record<string, unknown>; path: string; clear(): void}

/**
 * The credential file: `credentials.json` in the config folder, mode 0600, written atomically
 * (conf → atomically: temp file, fsync, rename). Read fresh on every call, because another
 * process may have rotated the refresh token since we last looked; conf is loaded only to write.
 */
export class CredentialStore {
  private conf?: ConfStore

  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, `${FILE_NAME}.json`)
  }

  private async open(): Promise<ConfStore> {
    if (this.conf) return this.conf
    ensurePrivateDir(this.dir)
    const {default: Conf} = await import('conf')
    try {
      this.conf = new Conf<Record<string, unknown>>({cwd: this.dir, configName: FILE_NAME, configFileMode: 0o600, projectName: 'alipan'})
    } catch (error) {
      throw corrupt(this.path, error)
    }
    return this.conf
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

  async write(credentials: StoredCredentials): Promise<void> {
    const conf = await this.open()
    conf.store = {...credentials} as unknown as Record<string, unknown>
  }

  async clear(): Promise<boolean> {
    const existed = (await this.read().catch(() => undefined)) !== undefined
    rmSync(this.path, {force: true})
    return existed
  }
}

function corrupt(path: string, error: unknown): AlipanError {
  return new AlipanError(`The credential file ${path} is unreadable (${(error as Error).message}).`, ExitCode.auth, {
    code: 'CredentialsCorrupt',
    hint: 'run `alipan logout` and `alipan login` again',
    cause: error,
  })
}
