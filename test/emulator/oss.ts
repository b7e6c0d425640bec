// The data plane (§5.6, §6): everything under /oss/. PUT writes upload parts; GET/HEAD serve
// downloads and video playlists. Errors here are OSS XML, never JSON.
import type {Call, Ctx} from './context.js'
import {OssError} from './errors.js'
import {serveDownload} from './download.js'
import {classify} from './mime.js'
import {handlePut} from './parts.js'
import {EC} from './signer.js'
import {serveVideo} from './video.js'

export const OSS_PREFIX = '/oss/'

export async function handleOss(ctx: Ctx, call: Call): Promise<void> {
  let key: string
  try {
    key = decodeURIComponent(call.path.slice(OSS_PREFIX.length))
  } catch {
    throw new OssError(400, 'InvalidObjectName', 'The specified object is not valid.', EC.invalidArgument)
  }
  if (call.method === 'PUT') return handlePut(ctx, call, key)
  if (call.method !== 'GET' && call.method !== 'HEAD') {
    throw new OssError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', EC.invalidArgument)
  }
  ctx.signer.verify('GET', key, call.query)
  const parts = key.split('/')
  if (parts.length === 5) return serveVideo(ctx, call, parts)
  // <prefix>/<drive>/<file>/<sha1>: the sha1 names the blob; the file gives the content type
  const [, driveId, fileId, sha1] = parts
  const name = ctx.users.drives.get(driveId)?.get(fileId)?.name ?? ''
  return serveDownload(ctx, call, sha1 ?? '', classify(name).mime_type)
}
