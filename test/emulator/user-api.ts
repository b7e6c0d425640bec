// User endpoints (§3): drive info, space, VIP info, and the OAuth user-info GETs.
import type {Ctx} from './context.js'
import type {Principal} from './types.js'

/** POST /adrive/v1.0/user/getDriveInfo (§3.3) */
export function driveInfo(ctx: Ctx, p: Principal) {
  const u = ctx.users.get(p.userId)
  return {
    user_id: u.user_id,
    name: u.name,
    avatar: u.avatar,
    default_drive_id: u.default_drive_id,
    // present only if the user granted it (§3.3)
    ...(u.resourceWithheld ? {} : {resource_drive_id: u.resource_drive_id}),
    backup_drive_id: u.backup_drive_id,
  }
}

/** POST /adrive/v1.0/user/getSpaceInfo (§3.4): trashed files count, deleted ones do not */
export function spaceInfo(ctx: Ctx, p: Principal) {
  return {
    personal_space_info: {used_size: ctx.users.spaceUsed(p.userId), total_size: ctx.users.get(p.userId).totalSpace},
  }
}

/** VIP info on both paths; [U] the benefit-pack flag in both spellings (§3.5) */
export function vipInfo() {
  return {
    identity: 'member',
    level: '',
    expire: 0,
    thirdPartyVip: false,
    thirdPartyVipExpire: 0,
    third_party_vip: false,
    third_party_vip_expire: 0,
  }
}

/** GET /oauth/users/info (§3.1); `phone` only with the user:phone scope */
export function usersInfo(ctx: Ctx, p: Principal) {
  const u = ctx.users.get(p.userId)
  const out: Record<string, string> = {id: u.user_id, name: u.name, avatar: u.avatar}
  if (p.scopes.includes('user:phone')) out.phone = u.phone
  return out
}

/** GET /oauth/users/scopes (§3.2) */
export function usersScopes(_ctx: Ctx, p: Principal) {
  return {id: p.userId, scopes: p.scopes.map((scope) => ({scope}))}
}
