/**
 * Wire types of the Alipan Open API, field names and casing exactly as the service uses them
 * (../shared/alipan-openapi.md; section numbers in comments). Optional where the service may omit
 * a field: the client must tolerate missing and null values.
 */

// ---- OAuth (§2) ----

export interface TokenResponse {
  token_type?: string
  access_token: string
  /** Absent for PKCE grants (§2.5). */
  refresh_token?: string
  /** Seconds; absent from the online service's renewapi (§2.8). */
  expires_in?: number
}

export interface QrCodeResponse {
  qrCodeUrl: string
  sid: string
}

export type QrStatus = 'WaitLogin' | 'ScanSuccess' | 'LoginSuccess' | 'QRCodeExpired'

export interface QrStatusResponse {
  status: QrStatus | string
  authCode?: string
}

/** OpenList online service (§2.8). */
export interface OnlineQrResponse {
  text: string
  sid: string
}

export interface OnlineRenewResponse {
  refresh_token?: string
  access_token?: string
  text?: string
}

export interface UsersInfoResponse {
  id: string
  name: string
  avatar?: string
  phone?: string
}

// ---- User and drive (§3) ----

export interface DriveInfoResponse {
  user_id: string
  name: string
  avatar?: string
  default_drive_id: string
  resource_drive_id?: string
  backup_drive_id?: string
  album_drive_id?: string
}

export interface SpaceInfoResponse {
  personal_space_info: {used_size: number; total_size: number}
}

/** Field casing disputed between SDKs (§3.5): read both spellings. */
export interface VipInfoResponse {
  identity?: string
  level?: string
  expire?: number
  thirdPartyVip?: boolean
  thirdPartyVipExpire?: number
  third_party_vip?: boolean
  third_party_vip_expire?: number
}

// ---- Files (§4) ----

export type FileType = 'file' | 'folder'

export interface FileItem {
  drive_id: string
  file_id: string
  parent_file_id: string
  name: string
  type: FileType
  size?: number | null
  file_extension?: string | null
  content_hash?: string | null
  content_hash_name?: string | null
  category?: string | null
  mime_type?: string | null
  thumbnail?: string | null
  url?: string | null
  created_at: string
  updated_at: string
  local_created_at?: string | null
  local_modified_at?: string | null
  status?: string
  starred?: boolean
  hidden?: boolean
  trashed?: boolean
  punish_flag?: number
  streams_info?: Record<string, {size?: number}> | null
}

export type OrderBy = 'name' | 'created_at' | 'updated_at' | 'size' | 'name_enhanced'
export type OrderDirection = 'ASC' | 'DESC'

export interface ListRequest {
  drive_id: string
  parent_file_id: string
  limit?: number
  marker?: string
  order_by?: OrderBy
  order_direction?: OrderDirection
  type?: 'all' | 'file' | 'folder'
  category?: string
  fields?: string
}

export interface ListResponse {
  items: FileItem[]
  next_marker?: string | null
}

export interface SearchRequest {
  drive_id: string
  query: string
  limit?: number
  marker?: string
  /** A single string, e.g. `"updated_at DESC"` (§4.3). */
  order_by?: string
  return_total_count?: boolean
}

export interface SearchResponse extends ListResponse {
  total_count?: number
}

/** `batch/get` (§4.7): `{items}` per iOS and tickstep (the Flutter SDK reads a bare array). */
export interface BatchGetResponse {
  items?: FileItem[] | null
}

export type CheckNameMode = 'auto_rename' | 'refuse' | 'ignore'

export interface DownloadUrlResponse {
  url: string
  expiration?: string
  method?: string
  size?: number
  file_id?: string
  content_hash?: string
  content_hash_name?: string
  description?: string
  /** Live photos (§4.8): `url` is empty and each stream has its own URL. */
  streamsUrl?: Record<string, string>
  streams_url?: Record<string, string>
}

/** Response of folder and file `create` (§4.9, §5.2): the name comes back as `file_name`. */
export interface CreateResponse {
  drive_id: string
  parent_file_id: string
  file_id: string
  file_name?: string
  name?: string
  type?: FileType
  status?: string
  available?: boolean
  exist?: boolean
  rapid_upload?: boolean
  upload_id?: string
  part_info_list?: PartInfo[] | null
}

export interface PartInfo {
  part_number: number
  part_size?: number
  upload_url?: string
  content_type?: string
  etag?: string | null
}

export interface CreateFileRequest {
  drive_id: string
  parent_file_id: string
  name: string
  type: 'file'
  check_name_mode: CheckNameMode
  size?: number
  part_info_list?: Array<{part_number: number; part_size?: number}>
  pre_hash?: string
  content_hash?: string
  content_hash_name?: 'sha1' | 'none'
  proof_code?: string
  proof_version?: 'v1'
  local_created_at?: string
  local_modified_at?: string
}

export interface UploadUrlResponse {
  drive_id?: string
  file_id?: string
  upload_id?: string
  created_at?: string
  part_info_list: PartInfo[]
}

export interface UploadedPart {
  etag?: string
  part_number: number
  part_size?: number
}

export interface ListUploadedPartsResponse {
  drive_id?: string
  upload_id?: string
  parallelUpload?: boolean
  uploaded_parts?: UploadedPart[] | null
  next_part_number_marker?: string | null
}

export interface MoveResponse {
  drive_id: string
  file_id: string
  exist?: boolean
  async_task_id?: string
}

export interface CopyResponse {
  drive_id: string
  file_id: string
  async_task_id?: string
}

export interface RemoveResponse {
  drive_id?: string
  file_id?: string
  async_task_id?: string
}

export type AsyncTaskState = 'Succeed' | 'Running' | 'Failed'

export interface AsyncTaskResponse {
  async_task_id?: string
  state: AsyncTaskState | string
}

// ---- Video (§4.15) ----

export type VideoTemplate = 'LD' | 'SD' | 'HD' | 'FHD' | 'QHD'

export interface TranscodingTask {
  template_id: string
  template_name?: string
  template_width?: number
  template_height?: number
  status: 'finished' | 'running' | 'failed' | string
  stage?: string
  url?: string
  preview_url?: string
}

export interface VideoPreviewPlayInfoResponse {
  domain_id?: string
  drive_id: string
  file_id: string
  video_preview_play_info?: {
    category?: string
    meta?: {duration?: number; width?: number; height?: number}
    live_transcoding_task_list?: TranscodingTask[] | null
    live_transcoding_subtitle_task_list?: Array<{language?: string; status?: string; url?: string}> | null
  }
}

// ---- Errors (§7) ----

export interface ApiErrorBody {
  code?: string
  message?: string
  requestId?: string
  /** Gateway default shape for unknown routes (§7.1). */
  status?: number
  error?: string
  path?: string
  /** Online token service failures (§2.8). */
  text?: string
}
