import type {ApiClient, CallOptions} from './client.js'
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

export function createFolder(client: ApiClient, driveId: string, parentId: string, name: string, mode: CheckNameMode = 'refuse'): Promise<CreateResponse> {
  return client.call<CreateResponse>(ENDPOINTS.create, {drive_id: driveId, parent_file_id: parentId, name, type: 'folder', check_name_mode: mode})
}

export function renameFile(client: ApiClient, driveId: string, fileId: string, name: string, mode: CheckNameMode = 'refuse'): Promise<FileItem> {
  return client.call<FileItem>(ENDPOINTS.update, {drive_id: driveId, file_id: fileId, name, check_name_mode: mode})
}

export function moveFile(
  client: ApiClient,
  driveId: string,
  fileId: string,
  toParentId: string,
  options: {checkNameMode?: CheckNameMode; newName?: string} = {},
): Promise<MoveResponse> {
  return client.call<MoveResponse>(ENDPOINTS.move, {
    drive_id: driveId,
    file_id: fileId,
    to_parent_file_id: toParentId,
    check_name_mode: options.checkNameMode ?? 'refuse',
    ...(options.newName ? {new_name: options.newName} : {}),
  })
}

export function copyFile(client: ApiClient, driveId: string, fileId: string, toParentId: string, autoRename = false): Promise<CopyResponse> {
  return client.call<CopyResponse>(ENDPOINTS.copy, {drive_id: driveId, file_id: fileId, to_parent_file_id: toParentId, auto_rename: autoRename})
}

export function trashFile(client: ApiClient, driveId: string, fileId: string): Promise<RemoveResponse> {
  return client.call<RemoveResponse>(ENDPOINTS.trash, {drive_id: driveId, file_id: fileId})
}

export function deleteFile(client: ApiClient, driveId: string, fileId: string): Promise<RemoveResponse> {
  return client.call<RemoveResponse>(ENDPOINTS.delete, {drive_id: driveId, file_id: fileId})
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
