import {join} from 'node:path'

import {ApiClient} from './api/client.js'
import {getDriveInfo} from './api/user.js'
import {AlipanDrive} from './drive/alipan-drive.js'
import {setDataPlaneUserAgent} from './transfer/data-plane.js'
import {CredentialStore} from './auth/credentials.js'
import {Session} from './auth/session.js'
import {DEFAULT_ONLINE_API_URL, type Environment} from './env.js'
import {AlipanError, ExitCode} from './errors.js'
import {DEFAULT_PROFILE, type SelectedProfile} from './profiles.js'
import {Settings, type SettingValues, validateSetting} from './settings.js'

/** Who is logged in and the ids of their drives (§3.3). */
export interface AccountDrives {
  user_id: string
  user_name: string
  default_drive_id: string
  resource_drive_id?: string
  backup_drive_id?: string
}

export type DriveType = 'default' | 'resource' | 'backup'

export interface ContextOptions {
  env: Environment
  /** ALIPAN_CONFIG_DIR, else the platform's config folder (oclif's configDir). */
  configDir: string
  /** The profile in use: its credentials, settings and resume state live in `profile.dir` (default: `configDir`). */
  profile?: SelectedProfile
  userAgent: string
  signal?: AbortSignal
  /** Per-command overrides of settings (`--drive`, `--root-folder-id`, `--retries`). */
  overrides?: Partial<SettingValues>
}

/**
 * Everything a command may need, built lazily so that `alipan config list` never loads the HTTP
 * stack and `alipan --help` loads nothing at all.
 */
export class Context {
  readonly env: Environment
  readonly configDir: string
  readonly profile: SelectedProfile
  readonly store: CredentialStore
  readonly settingsStore: Settings
  private clientPromise?: Promise<ApiClient>
  private settingsPromise?: Promise<SettingValues>
  private sessionInstance?: Session

  constructor(readonly options: ContextOptions) {
    this.env = options.env
    this.configDir = options.configDir
    this.profile = options.profile ?? {name: DEFAULT_PROFILE, dir: options.configDir, source: 'default'}
    this.store = new CredentialStore(this.profile.dir)
    this.settingsStore = new Settings(this.profile.dir)
  }

  /** Where interrupted uploads of this profile remember their sessions. */
  get transfersDir(): string {
    return join(this.profile.dir, 'transfers')
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal
  }

  /** Settings with per-command overrides applied. */
  settings(): Promise<SettingValues> {
    this.settingsPromise ??= this.settingsStore.all().then(({values}) => ({...values, ...definedOnly(this.options.overrides)}))
    return this.settingsPromise
  }

  async onlineUrl(): Promise<string> {
    return this.env.onlineApiUrl ?? (await this.settings())['online-api-url'] ?? DEFAULT_ONLINE_API_URL
  }

  /** The HTTP client, without credentials attached (login uses it before there are any). */
  client(): Promise<ApiClient> {
    setDataPlaneUserAgent(this.options.userAgent)
    this.clientPromise ??= this.settings().then((settings) =>
      ApiClient.create({apiUrl: this.env.apiUrl, userAgent: this.options.userAgent, signal: this.options.signal, retry: {maxAttempts: Number(validateSetting('retries', settings.retries))}}),
    )
    return this.clientPromise
  }

  /** The credential session; the client it returns renews tokens on its own. */
  async session(): Promise<Session> {
    if (this.sessionInstance) return this.sessionInstance
    const client = await this.client()
    const session = new Session({store: this.store, client, env: this.env, onlineUrl: await this.onlineUrl()})
    client.tokens = session
    this.sessionInstance = session
    return session
  }

  /** A client whose calls carry the user's access token. */
  async authedClient(): Promise<ApiClient> {
    await this.session()
    return this.client()
  }

  /**
   * The user's drive ids, from the store when a previous run learned them, else from
   * getDriveInfo (remembered for next time).
   */
  async account(): Promise<AccountDrives> {
    const session = await this.session()
    const c = await session.credentials()
    if (c.user_id && c.default_drive_id && c.user_name !== undefined) {
      return {
        user_id: c.user_id,
        user_name: c.user_name,
        default_drive_id: c.default_drive_id,
        resource_drive_id: c.resource_drive_id,
        backup_drive_id: c.backup_drive_id,
      }
    }
    const info = await getDriveInfo(await this.authedClient())
    const account: AccountDrives = {
      user_id: info.user_id,
      user_name: info.name,
      default_drive_id: info.default_drive_id,
      resource_drive_id: info.resource_drive_id,
      backup_drive_id: info.backup_drive_id,
    }
    await session.remember(account)
    return account
  }

  /** Resolve the drive type in use (setting or `--drive`) to a drive id. */
  async driveId(): Promise<{driveId: string; driveType: DriveType}> {
    return this.driveIdOf((await this.settings()).drive as DriveType)
  }

  /** One of this login's drives by type (a location's `drive=`); exit 4 when the login has none such. */
  async driveIdOf(driveType: DriveType): Promise<{driveId: string; driveType: DriveType}> {
    const account = await this.account()
    const id = driveType === 'default' ? account.default_drive_id : driveType === 'resource' ? account.resource_drive_id : account.backup_drive_id
    if (!id) {
      throw new AlipanError(`This login has no ${driveType} drive.`, ExitCode.auth, {
        code: 'NoSuchDrive',
        hint: `run \`alipan login\` again and grant the ${driveType} drive, or use --drive default`,
      })
    }
    return {driveId: id, driveType}
  }
}

/** The drive in use (`--drive`), addressed under the root folder (`--root-folder-id`). */
export async function openDrive(context: Context): Promise<AlipanDrive> {
  const [settings] = await Promise.all([context.settings(), context.client()])
  const {driveId} = await context.driveId()
  return new AlipanDrive(await context.authedClient(), driveId, settings['root-folder-id'])
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {}
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
