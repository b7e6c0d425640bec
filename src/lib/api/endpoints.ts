import type {Bucket} from './pacer.js'
import type {Endpoint} from './client.js'

function post(path: string, bucket: Bucket | 'none', idempotent: boolean, auth = true): Endpoint {
  return {method: 'POST', path, bucket, idempotent, auth}
}

function get(path: string, bucket: Bucket | 'none', auth = true): Endpoint {
  return {method: 'GET', path, bucket, idempotent: true, auth}
}

/**
 * Every Open API endpoint the CLI calls (§2–§5), with its rate-limit class and whether it is
 * safe to send twice. Reads are idempotent; anything that creates, moves or consumes is not:
 * a retried `/oauth/access_token` refresh would burn the single-use refresh token (§2.6).
 */
export const ENDPOINTS = {
  // OAuth (§2) — outside the per-user limits
  qrCode: post('/oauth/authorize/qrcode', 'none', false, false),
  qrStatus: (sid: string) => get(`/oauth/qrcode/${encodeURIComponent(sid)}/status`, 'none', false),
  accessToken: post('/oauth/access_token', 'none', false, false),
  usersInfo: get('/oauth/users/info', 'other'),

  // User and drive (§3)
  driveInfo: post('/adrive/v1.0/user/getDriveInfo', 'other', true),
  spaceInfo: post('/adrive/v1.0/user/getSpaceInfo', 'other', true),
  vipInfo: post('/v1.0/user/getVipInfo', 'other', true),
  vipInfoBusiness: post('/business/v1.0/user/getVipInfo', 'other', true),

  // Files (§4)
  list: post('/adrive/v1.0/openFile/list', 'list', true),
  search: post('/adrive/v1.0/openFile/search', 'other', true),
  get: post('/adrive/v1.0/openFile/get', 'other', true),
  getByPath: post('/adrive/v1.0/openFile/get_by_path', 'other', true),
  batchGet: post('/adrive/v1.0/openFile/batch/get', 'other', true),
  downloadUrl: post('/adrive/v1.0/openFile/getDownloadUrl', 'link', true),
  create: post('/adrive/v1.0/openFile/create', 'other', false),
  update: post('/adrive/v1.0/openFile/update', 'other', false),
  move: post('/adrive/v1.0/openFile/move', 'other', false),
  copy: post('/adrive/v1.0/openFile/copy', 'other', false),
  trash: post('/adrive/v1.0/openFile/recyclebin/trash', 'other', false),
  delete: post('/adrive/v1.0/openFile/delete', 'other', false),
  asyncTask: post('/adrive/v1.0/openFile/async_task/get', 'other', true),
  videoPlayInfo: post('/adrive/v1.0/openFile/getVideoPreviewPlayInfo', 'other', true),

  // Upload (§5)
  uploadUrl: post('/adrive/v1.0/openFile/getUploadUrl', 'other', true),
  uploadedParts: post('/adrive/v1.0/openFile/listUploadedParts', 'other', true),
  complete: post('/adrive/v1.0/openFile/complete', 'other', false),
} as const
