import type {Bucket} from './pacer.js'
import type {Endpoint} from './client.js'
import type {RetryKind} from './retry-policy.js'

function post(path: string, bucket: Bucket | 'none', retry: RetryKind, auth = true): Endpoint {
  return {method: 'POST', path, bucket, retry, auth}
}

function get(path: string, bucket: Bucket | 'none', retry: RetryKind, auth = true): Endpoint {
  return {method: 'GET', path, bucket, retry, auth}
}

/**
 * Every endpoint the CLI calls (§2–§5), with its rate-limit class and its retry policy: what may
 * be sent again after a 5xx, a 408 or a dropped connection, when the first attempt may or may not
 * have been carried out. (A 429 or a refused connection was never carried out: any call is resent.)
 *
 * - `safe`: sending it twice changes nothing more. Reads; `getUploadUrl`/`listUploadedParts`;
 *   `complete` (a second complete of a completed upload returns the file); `recyclebin/trash` and
 *   `delete` (after a lost answer, "already in the recycle bin" / "not found" means done).
 * - `check`: a resend could duplicate or fail (a `name(1)` copy, a refused rename), so the caller's
 *   `check()` first looks whether the first attempt took effect (files.ts, upload.ts, write-checks.ts).
 * - `token`: a refresh is resent with the same single-use refresh token, under the credential lock;
 *   if that resend is refused, the lost first attempt spent it (auth/session.ts decides what then).
 */
export const ENDPOINTS = {
  // OAuth (§2) — outside the per-user limits
  qrCode: post('/oauth/authorize/qrcode', 'none', 'safe', false), // a second QR session is harmless
  qrStatus: (sid: string) => get(`/oauth/qrcode/${encodeURIComponent(sid)}/status`, 'none', 'safe', false),
  accessToken: post('/oauth/access_token', 'none', 'token', false),
  usersInfo: get('/oauth/users/info', 'other', 'safe'),

  // OpenList online token service (§2.8): absolute URLs under its own base
  onlineRequests: get('/alicloud/requests', 'none', 'safe', false),
  onlineCallback: get('/alicloud/callback', 'none', 'token', false),
  onlineRenew: get('/alicloud/renewapi', 'none', 'token', false),

  // User and drive (§3)
  driveInfo: post('/adrive/v1.0/user/getDriveInfo', 'other', 'safe'),
  spaceInfo: post('/adrive/v1.0/user/getSpaceInfo', 'other', 'safe'),
  vipInfo: post('/v1.0/user/getVipInfo', 'other', 'safe'),
  vipInfoBusiness: post('/business/v1.0/user/getVipInfo', 'other', 'safe'),

  // Files (§4)
  list: post('/adrive/v1.0/openFile/list', 'list', 'safe'),
  search: post('/adrive/v1.0/openFile/search', 'other', 'safe'),
  get: post('/adrive/v1.0/openFile/get', 'other', 'safe'),
  getByPath: post('/adrive/v1.0/openFile/get_by_path', 'other', 'safe'),
  batchGet: post('/adrive/v1.0/openFile/batch/get', 'other', 'safe'),
  downloadUrl: post('/adrive/v1.0/openFile/getDownloadUrl', 'link', 'safe'),
  create: post('/adrive/v1.0/openFile/create', 'other', 'check'),
  update: post('/adrive/v1.0/openFile/update', 'other', 'check'),
  move: post('/adrive/v1.0/openFile/move', 'other', 'check'),
  copy: post('/adrive/v1.0/openFile/copy', 'other', 'check'),
  trash: post('/adrive/v1.0/openFile/recyclebin/trash', 'other', 'safe'),
  delete: post('/adrive/v1.0/openFile/delete', 'other', 'safe'),
  asyncTask: post('/adrive/v1.0/openFile/async_task/get', 'other', 'safe'),
  videoPlayInfo: post('/adrive/v1.0/openFile/getVideoPreviewPlayInfo', 'other', 'safe'),

  // Upload (§5)
  uploadUrl: post('/adrive/v1.0/openFile/getUploadUrl', 'other', 'safe'),
  uploadedParts: post('/adrive/v1.0/openFile/listUploadedParts', 'other', 'safe'),
  complete: post('/adrive/v1.0/openFile/complete', 'other', 'safe'),
} as const
