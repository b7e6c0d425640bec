import {homedir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from './errors.js'

/** The environment contract (README "Environment variables"): the only seams between the CLI and the service. */
export interface Environment {
  apiUrl: string
  /** Explicitly set online token service base; undefined means "use the configured or default one". */
  onlineApiUrl?: string
  configDir?: string
  clientId?: string
  clientSecret?: string
  refreshToken?: string
  /** ALIPAN_PROFILE: the profile to use when no --profile is given. */
  profile?: string
}

export const DEFAULT_API_URL = 'https://openapi.alipan.com'
export const DEFAULT_ONLINE_API_URL = 'https://api.oplist.org'

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    apiUrl: baseUrl('ALIPAN_API_URL', env.ALIPAN_API_URL) ?? DEFAULT_API_URL,
    onlineApiUrl: baseUrl('ALIPAN_ONLINE_API_URL', env.ALIPAN_ONLINE_API_URL),
    configDir: expandHome(nonEmpty(env.ALIPAN_CONFIG_DIR)),
    clientId: nonEmpty(env.ALIPAN_CLIENT_ID),
    clientSecret: nonEmpty(env.ALIPAN_CLIENT_SECRET),
    refreshToken: nonEmpty(env.ALIPAN_REFRESH_TOKEN),
    profile: nonEmpty(env.ALIPAN_PROFILE),
  }
}

/** `~/x` → `$HOME/x`: CI files set variables without a shell to expand them. */
export function expandHome(path: string | undefined): string | undefined {
  if (!path || !/^~(?=$|[\\/])/.test(path)) return path
  return join(homedir(), path.slice(1))
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

/** Validates a base URL and drops trailing slashes so paths can be appended with one `/`. */
export function baseUrl(name: string, value: string | undefined): string | undefined {
  const trimmed = nonEmpty(value)
  if (!trimmed) return undefined
  let parsed: URL
  try {
    parsed = new URL(trimmed)
  } catch {
    throw new UsageError(`${name} is not a valid URL: ${trimmed}`, {hint: 'use a full URL such as https://openapi.alipan.com'})
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${name} must be an http(s) URL: ${trimmed}`)
  }
  return trimmed.replace(/\/+$/, '')
}
