import type {ApiClient, CallOptions} from './client.js'
import type {Checked} from './retry-policy.js'
import {getFile} from './files.js'
import {ENDPOINTS} from './endpoints.js'
import type {CreateFileRequest, CreateResponse, FileItem, ListUploadedPartsResponse, UploadUrlResponse} from './wire.js'

/** Upload endpoints (§5). `create` takes a body builder so the proof code uses the token actually sent (§5.4). */

/**
 * A file's upload session (§5.2). Whether a lost `create` took effect (a rapid upload makes the
 * file at once) depends on the content and on what the folder held before, which only the caller
 * knows: it passes the check (write-checks.ts `uploadCreatedCheck`).
 */
export function createFile(
  client: ApiClient,
  request: CreateFileRequest | ((accessToken: string) => CreateFileRequest | Promise<CreateFileRequest>),
  options: CallOptions & {check: () => Promise<Checked<CreateResponse>>},
): Promise<CreateResponse> {
  return client.call<CreateResponse>(ENDPOINTS.create, request, options)
}

export function getUploadUrls(
  client: ApiClient,
  session: {driveId: string; fileId: string; uploadId: string},
  partNumbers: number[],
  options?: CallOptions,
): Promise<UploadUrlResponse> {
  return client.call<UploadUrlResponse>(
    ENDPOINTS.uploadUrl,
    {drive_id: session.driveId, file_id: session.fileId, upload_id: session.uploadId, part_info_list: partNumbers.map((n) => ({part_number: n}))},
    options,
  )
}

export async function listUploadedParts(
  client: ApiClient,
  session: {driveId: string; fileId: string; uploadId: string},
  options?: CallOptions,
): Promise<Array<{part_number: number; part_size?: number}>> {
  const parts: Array<{part_number: number; part_size?: number}> = []
  let marker = ''
  // Page through next_part_number_marker (the Flutter SDK forgets to; §5.8).
  for (let page = 0; page < 1000; page++) {
    const response = await client.call<ListUploadedPartsResponse>(
      ENDPOINTS.uploadedParts,
      {drive_id: session.driveId, file_id: session.fileId, upload_id: session.uploadId, ...(marker ? {part_number_marker: marker} : {})},
      options,
    )
    parts.push(...(response.uploaded_parts ?? []))
    marker = response.next_part_number_marker ?? ''
    if (!marker) break
  }
  return parts.sort((a, b) => a.part_number - b.part_number)
}

/**
 * `complete` (§5.8) is safe to resend: completing a completed session returns the file. Should the
 * service instead call the session gone after a lost answer, the file itself says whether it landed.
 */
export function completeUpload(
  client: ApiClient,
  session: {driveId: string; fileId: string; uploadId: string},
  options?: CallOptions,
): Promise<FileItem> {
  return client.call<FileItem>(ENDPOINTS.complete, {drive_id: session.driveId, file_id: session.fileId, upload_id: session.uploadId}, {
    ...options,
    settledBy: async (error) => {
      if (error.apiCode !== 'NotFound.UploadId') return undefined
      const file = await getFile(client, session.driveId, session.fileId).catch(() => undefined)
      return file?.content_hash ? file : undefined
    },
  })
}
