import {join} from 'node:path'

import {DEFAULT_RETRY, MAX_ATTEMPTS, MIN_ATTEMPTS} from './api/retry-policy.js'
import {DEFAULT_ONLINE_API_URL, baseUrl} from './env.js'
import {AlipanError, ExitCode, UsageError, asConfigFsError} from './errors.js'
import {ensurePrivateDir} from './auth/credentials.js'
import {parseRate} from './transfer/bandwidth.js'
import {readJsonStore} from './json-file.js'

/**
 * Persistent defaults, mirroring the OpenList "AliyunDrive Open" driver's options. Flags
 * (`--drive`, `--root-folder-id`, …) override them per command.
 */
interface SettingSpec {
  description: string
  default: string
  values?: readonly string[]
  validate?: (value: string) => string
}

export const SETTINGS = {
  drive: {description: 'drive to use: default, resource or backup (§3.3)', default: 'default', values: ['default', 'resource', 'backup']},
  'root-folder-id': {
    description: 'file id that remote paths are resolved under ("root" = the drive root)',
    default: 'root',
    validate: (v: string) => {
      if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new UsageError(`Not a file id: ${v}`, {hint: 'file ids are letters and digits, e.g. root or 63db7b45…'})
      return v
    },
  },
  'removal-method': {description: 'what rm does by default: trash (recycle bin) or delete (permanent)', default: 'trash', values: ['trash', 'delete']},
  'livp-format': {description: 'which stream of a live photo (.livp) get and link use: jpeg or mov', default: 'jpeg', values: ['jpeg', 'mov']},
  'rapid-upload': {description: 'try rapid ("instant") upload by SHA-1 + proof code', default: 'on', values: ['on', 'off']},
  'internal-upload': {description: 'upload through the Beijing ECS internal endpoint (only works on Alibaba Cloud ECS in Beijing)', default: 'off', values: ['on', 'off']},
  retries: {
    description: `attempts per API call meeting a server error or a dropped connection (${MIN_ATTEMPTS}–${MAX_ATTEMPTS}; 1 = no retries)`,
    default: String(DEFAULT_RETRY.maxAttempts),
    validate: (v: string) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < MIN_ATTEMPTS || n > MAX_ATTEMPTS) throw new UsageError(`retries must be a whole number from ${MIN_ATTEMPTS} to ${MAX_ATTEMPTS} (got "${v}")`)
      return String(n)
    },
  },
  bwlimit: {
    description: 'default --bwlimit for put and get (bytes/s, binary units: 512K, 10M; off = none), e.g. for cron jobs',
    default: 'off',
    validate: (v: string) => {
      parseRate(v)
      return v
    },
  },
  'online-api-url': {
    description: 'online token service used when you have no app id/secret (ALIPAN_ONLINE_API_URL overrides)',
    default: DEFAULT_ONLINE_API_URL,
    validate: (v: string) => baseUrl('online-api-url', v)!,
  },
} as const satisfies Record<string, SettingSpec>

export type SettingKey = keyof typeof SETTINGS
export type SettingValues = {[K in SettingKey]: string}

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key)
}

export function validateSetting(key: string, value: string): string {
  if (!isSettingKey(key)) {
    throw new UsageError(`Unknown setting: ${key}`, {hint: `settings: ${Object.keys(SETTINGS).join(', ')}`})
  }
  const spec: SettingSpec = SETTINGS[key]
  const trimmed = value.trim()
  if (spec.values && !spec.values.includes(trimmed)) {
    throw new UsageError(`${key} must be one of ${spec.values.join(', ')} (got "${value}")`)
  }
  return spec.validate ? spec.validate(trimmed) : trimmed
}

type ConfStore = {store: Record<string, unknown>}

export class Settings {
  private conf?: ConfStore

  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, 'config.json')
  }

  private async open(): Promise<ConfStore> {
    if (this.conf) return this.conf
    ensurePrivateDir(this.dir)
    const {default: Conf} = await import('conf')
    try {
      this.conf = new Conf<Record<string, unknown>>({cwd: this.dir, configName: 'config', configFileMode: 0o600, projectName: 'alipan'})
    } catch (error) {
      throw unreadable(this.path, error)
    }
    return this.conf
  }

  /** Every setting, stored value or default, plus which keys were set explicitly. */
  async all(): Promise<{values: SettingValues; explicit: Set<SettingKey>}> {
    let stored: Record<string, unknown>
    try {
      stored = readJsonStore(this.path)
    } catch (error) {
      throw unreadable(this.path, error)
    }
    const values = {} as SettingValues
    const explicit = new Set<SettingKey>()
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const value = stored[key]
      if (typeof value === 'string') {
        values[key] = value
        explicit.add(key)
      } else {
        values[key] = SETTINGS[key].default
      }
    }
    return {values, explicit}
  }

  async get(key: SettingKey): Promise<string> {
    return (await this.all()).values[key]
  }

  async set(key: string, value: string): Promise<string> {
    const valid = validateSetting(key, value)
    const conf = await this.open()
    this.save(() => {
      conf.store = {...conf.store, [key]: valid}
    })
    return valid
  }

  async unset(key: string): Promise<void> {
    validateSetting(key, SETTINGS[key as SettingKey]?.default ?? '')
    const conf = await this.open()
    const {[key]: _removed, ...rest} = conf.store
    this.save(() => {
      conf.store = rest
    })
  }

  /** conf writes synchronously (temp file + rename); a refusal names config.json, not the temp file. */
  private save(write: () => void): void {
    try {
      write()
    } catch (error) {
      throw asConfigFsError(error, this.path, 'saving settings to')
    }
  }
}

function unreadable(path: string, error: unknown): AlipanError {
  return new AlipanError(`The config file ${path} is unreadable (${(error as Error).message}).`, ExitCode.usage, {hint: 'fix or delete that file'})
}
