import {getDriveInfo, getSpaceInfo, getVipInfo} from './api/user.js'
import type {Context, DriveType} from './context.js'
import {AlipanError, ExitCode} from './errors.js'
import {percent} from './output/format.js'

export interface WhoamiResult {
  /** The profile in use (`--profile`, ALIPAN_PROFILE, `profile use`, else default). */
  profile: string
  user_id: string
  name: string
  drive_id: string
  drive_type: DriveType
  /** The folder remote paths resolve under (`--root-folder-id`, the setting, else `root`). */
  root_folder_id: string
  drives: {default: string; resource?: string; backup?: string}
  /** `environment` when the login in use came from ALIPAN_REFRESH_TOKEN, else `store`. */
  credential_source: 'environment' | 'store'
  login_method: 'qr' | 'stdin' | 'env'
  renewal_route: 'app' | 'online'
  client_id?: string
  /** ISO time the current access token expires (it is renewed automatically before that). */
  access_token_expires_at?: string
  /** The folder holding this profile's credentials and settings. */
  config_dir: string
}

/** Who is logged in, checked against the service (one getDriveInfo call; no refresh while the token is valid). */
export async function whoami(context: Context): Promise<WhoamiResult> {
  const session = await context.session()
  const info = await getDriveInfo(await context.authedClient())
  await session.remember({
    user_id: info.user_id,
    user_name: info.name,
    default_drive_id: info.default_drive_id,
    resource_drive_id: info.resource_drive_id,
    backup_drive_id: info.backup_drive_id,
  })
  const credentials = await session.credentials()
  const {driveId, driveType} = await context.driveId()
  return {
    profile: context.profile.name,
    user_id: info.user_id,
    name: info.name,
    drive_id: driveId,
    drive_type: driveType,
    root_folder_id: (await context.settings())['root-folder-id'],
    drives: {default: info.default_drive_id, resource: info.resource_drive_id, backup: info.backup_drive_id},
    credential_source: credentials.source === 'env' ? 'environment' : 'store',
    login_method: credentials.source,
    renewal_route: credentials.route.type,
    client_id: credentials.route.type === 'app' ? credentials.route.client_id : undefined,
    access_token_expires_at: credentials.expires_at ? new Date(credentials.expires_at).toISOString() : undefined,
    config_dir: context.profile.dir,
  }
}

export interface QuotaResult {
  used: number
  total: number
  free: number
  percent: number
  vip?: {identity?: string; level?: string; expire?: string; third_party_vip?: boolean}
}

export async function quota(context: Context): Promise<QuotaResult> {
  const client = await context.authedClient()
  const [space, vip] = await Promise.all([
    getSpaceInfo(client),
    // VIP info is a nicety: a scope or path the service does not grant must not fail `quota`.
    getVipInfo(client).catch((error: unknown) => {
      if (error instanceof AlipanError && error.exitCode === ExitCode.auth) throw error
      return undefined
    }),
  ])
  const used = Number(space.personal_space_info?.used_size ?? 0)
  const total = Number(space.personal_space_info?.total_size ?? 0)
  const result: QuotaResult = {used, total, free: Math.max(0, total - used), percent: percent(used, total)}
  if (vip && (vip.identity || vip.level)) {
    result.vip = {
      identity: vip.identity,
      level: vip.level,
      expire: vip.expire ? new Date(vip.expire * 1000).toISOString() : undefined,
      third_party_vip: vip.thirdPartyVip ?? vip.third_party_vip,
    }
  }
  return result
}

export interface LogoutResult {
  profile: string
  removed: boolean
  path: string
  /** ALIPAN_REFRESH_TOKEN is still set: the next command logs in with it again. */
  env_token_set: boolean
}

export async function logout(context: Context): Promise<LogoutResult> {
  const removed = await context.store.clear()
  return {profile: context.profile.name, removed, path: context.store.path, env_token_set: Boolean(context.env.refreshToken)}
}
