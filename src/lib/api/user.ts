import {isNotFound} from './api-error.js'
import type {ApiClient} from './client.js'
import {ENDPOINTS} from './endpoints.js'
import type {DriveInfoResponse, SpaceInfoResponse, UsersInfoResponse, VipInfoResponse} from './wire.js'

export function getDriveInfo(client: ApiClient): Promise<DriveInfoResponse> {
  return client.call<DriveInfoResponse>(ENDPOINTS.driveInfo, {})
}

export function getSpaceInfo(client: ApiClient): Promise<SpaceInfoResponse> {
  return client.call<SpaceInfoResponse>(ENDPOINTS.spaceInfo, {})
}

export function getUsersInfo(client: ApiClient): Promise<UsersInfoResponse> {
  return client.call<UsersInfoResponse>(ENDPOINTS.usersInfo)
}

/**
 * The VIP endpoint's path is disputed (§3.5): the official SDKs use `/v1.0/…`, others
 * `/business/v1.0/…`. Try the first and fall back on a 404; undefined when neither answers.
 */
export async function getVipInfo(client: ApiClient): Promise<VipInfoResponse | undefined> {
  for (const endpoint of [ENDPOINTS.vipInfo, ENDPOINTS.vipInfoBusiness]) {
    try {
      return await client.call<VipInfoResponse>(endpoint, {})
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  return undefined
}
