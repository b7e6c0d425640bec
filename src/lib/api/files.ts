import {isNotFound} from './api-error.js'
import type {ApiClient, CallOptions} from './client.js'
import {type Checked, NOT_DONE, alreadyDone} from './retry-policy.js'
import {ENDPOINTS} from './endpoints.js'
import type {
  AsyncTaskResponse,
  BatchGetResponse,
  CheckNameMode,
  CopyResponse,
  CreateResponse,
  DownloadUrlResponse,
  FileItem,
  ListRequest,
  ListResponse,
  MoveResponse,
  RemoveResponse,
  SearchRequest,
  SearchResponse,
  VideoPreviewPlayInfoResponse,
  VideoTemplate,
} from './wire.js'

/** One typed function per file endpoint (§4). */

export function listFiles(client: ApiClient, request: ListRequest, options?: CallOptions): Promise<ListResponse> {
  return client.call<ListResponse>(ENDPOINTS.list, request, options)
}

export function searchFiles(client: ApiClient, request: SearchRequest, options?: CallOptions): Promise<SearchResponse> {
  return client.call<SearchResponse>(ENDPOINTS.search, request, options)
}

export function getFile(client: ApiClient, driveId: string, fileId: string): Promise<FileItem> {
  return client.call<FileItem>(ENDPOINTS.get, {drive_id: driveId, file_id: fileId})
}

export function getFileByPath(client: ApiClient, driveId: string, filePath: string): Promise<FileItem> {
  return client.call<FileItem>(ENDPOINTS.getByPath, {drive_id: driveId, file_path: filePath})
}

/** Up to 100 files by id (§4.7); missing ones are left out. Tolerates a bare array answer [U]. */
export async function batchGetFiles(client: ApiClient, driveId: string, fileIds: readonly string[]): Promise<FileItem[]> {
  const response = await client.call<BatchGetResponse | FileItem[]>(ENDPOINTS.batchGet, {file_list: fileIds.map((id) => ({drive_id: driveId, file_id: id}))})
  return (Array.isArray(response) ? response : response.items) ?? []
}

export function getDownloadUrl(client: ApiClient, driveId: string, fileId: string, expireSec?: number, options?: CallOptions): Promise<DownloadUrlResponse> {
  return client.call<DownloadUrlResponse>(ENDPOINTS.downloadUrl, {drive_id: driveId, file_id: fileId, ...(expireSec ? {expire_sec: expireSec} : {})}, options)
}

/** A folder `create` answer; `resent`: it answers a resend after a lost answer, so `exist` may be our own folder. */
export type CreateFolderResponse = CreateResponse & {resent: boolean}

/**
 * Folders are always created with `check_name_mode: refuse` (§4.9), which makes a resend its own
 * check: if the lost attempt made the folder, the resend answers its id with `exist: true` and
 * creates nothing. `resent` tells the caller that `exist` may be that folder rather than an old one.
 */
export async function createFolder(client: ApiClient, driveId: string, parentId: string, name: string): Promise<CreateFolderResponse> {
  let resent = false
  const answer = await client.call<CreateResponse>(
    ENDPOINTS.create,
    {drive_id: driveId, parent_file_id: parentId, name, type: 'folder', check_name_mode: 'refuse'},
    {
      check: async () => {
        resent = true
        return NOT_DONE
      },
    },
  )
  return {...answer, resent}
}

/**
 * Rename (§4.10). After a lost answer the entry is looked at first: it already carries the new
 * name, or (auto_rename) no longer carries `from`, its name before → the rename took effect.
 */
export function renameFile(client: ApiClient, driveId: string, fileId: string, name: string, mode: CheckNameMode = 'refuse', from?: string): Promise<FileItem> {
  return client.call<FileItem>(
    ENDPOINTS.update,
    {drive_id: driveId, file_id: fileId, name, check_name_mode: mode},
    {
      check: async () => {
        const item = await getFile(client, driveId, fileId)
        return item.name === name || (from !== undefined && item.name !== from) ? alreadyDone(item) : NOT_DONE
      },
    },
  )
}

/** Move (§4.11). After a lost answer the entry is looked at first: already in the target folder → it moved. */
export function moveFile(
  client: ApiClient,
  driveId: string,
  fileId: string,
  toParentId: string,
  options: {checkNameMode?: CheckNameMode; newName?: string} = {},
): Promise<MoveResponse> {
  return client.call<MoveResponse>(
    ENDPOINTS.move,
    {
      drive_id: driveId,
      file_id: fileId,
      to_parent_file_id: toParentId,
      check_name_mode: options.checkNameMode ?? 'refuse',
      ...(options.newName ? {new_name: options.newName} : {}),
    },
    {
      check: async () => {
        const item = await getFile(client, driveId, fileId)
        // The lost answer's async task id (folders) is gone; the move is visible, so it stands.
        return item.parent_file_id === toParentId ? alreadyDone({drive_id: driveId, file_id: fileId, exist: false, async_task_id: ''}) : NOT_DONE
      },
    },
  )
}

/**
 * Copy (§4.12). Whether a lost copy landed depends on what the destination held before, which
 * only the caller knows: it passes the check (write-checks.ts `copyLandedCheck`).
 */
export function copyFile(
  client: ApiClient,
  driveId: string,
  fileId: string,
  toParentId: string,
  autoRename: boolean,
  check: () => Promise<Checked<CopyResponse>>,
): Promise<CopyResponse> {
  return client.call<CopyResponse>(ENDPOINTS.copy, {drive_id: driveId, file_id: fileId, to_parent_file_id: toParentId, auto_rename: autoRename}, {check})
}

/** Trash (§4.13). Safe to resend: after a lost answer, "already in the recycle bin" (or gone) means done. */
export function trashFile(client: ApiClient, driveId: string, fileId: string): Promise<RemoveResponse> {
  return client.call<RemoveResponse>(ENDPOINTS.trash, {drive_id: driveId, file_id: fileId}, {
    settledBy: (error) => (error.apiCode === 'ForbiddenFileInTheRecycleBin' || isNotFound(error) ? {drive_id: driveId, file_id: fileId} : undefined),
  })
}

/** Delete for good (§4.13). Safe to resend: after a lost answer, "not found" means done. */
export function deleteFile(client: ApiClient, driveId: string, fileId: string, options: CallOptions = {}): Promise<RemoveResponse> {
  return client.call<RemoveResponse>(ENDPOINTS.delete, {drive_id: driveId, file_id: fileId}, {
    ...options,
    settledBy: (error) => (isNotFound(error) ? {drive_id: driveId, file_id: fileId} : undefined),
  })
}

export function getAsyncTask(client: ApiClient, taskId: string): Promise<AsyncTaskResponse> {
  return client.call<AsyncTaskResponse>(ENDPOINTS.asyncTask, {async_task_id: taskId})
}

export function getVideoPreviewPlayInfo(
  client: ApiClient,
  driveId: string,
  fileId: string,
  options: {templateId?: VideoTemplate; urlExpireSec?: number} = {},
): Promise<VideoPreviewPlayInfoResponse> {
  return client.call<VideoPreviewPlayInfoResponse>(ENDPOINTS.videoPlayInfo, {
    drive_id: driveId,
    file_id: fileId,
    category: 'live_transcoding',
    ...(options.templateId ? {template_id: options.templateId} : {}),
    ...(options.urlExpireSec ? {url_expire_sec: options.urlExpireSec} : {}),
    get_subtitle_info: false,
  })
}
