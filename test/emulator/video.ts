// Video preview (§4.15): getVideoPreviewPlayInfo / getVideoPreviewPlayMeta, plus the m3u8
// playlists and segments their URLs point at (served from the original bytes: good enough for a
// client to follow the links, not a real transcode).
import type {Call, Ctx} from './context.js'
import {ApiError, invalidParam} from './errors.js'
import {liveNode} from './files.js'
import type {Params} from './http.js'
import {classify} from './mime.js'
import {serveDownload} from './download.js'
import type {Drive} from './tree.js'
import type {FileNode, Principal, TranscodeStatus} from './types.js'

const TEMPLATES: Record<string, [number, number]> = {
  LD: [640, 360],
  SD: [848, 480],
  HD: [1280, 720],
  FHD: [1920, 1080],
  QHD: [2560, 1440],
}
const DEFAULT_TRANSCODING: Record<string, TranscodeStatus> = {LD: 'finished', SD: 'finished', HD: 'finished', FHD: 'finished'}
const DEFAULT_META = {duration: 60, width: 1920, height: 1080}

function videoNode(ctx: Ctx, p: Principal, b: Params): {drive: Drive; n: FileNode} {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const n = liveNode(drive, b.str('file_id'))
  // [U] previews exist only for videos
  if (n.type !== 'file' || classify(n.name).category !== 'video') throw invalidParam('file_id', 'file is not a video')
  // over quota, playback is blocked (§4.15)
  if (ctx.users.spaceUsed(p.userId) > ctx.users.get(p.userId).totalSpace) {
    throw new ApiError(403, 'ExceedCapacityForbidden', 'Exceed capacity, please expand your capacity.')
  }
  return {drive, n}
}

function playlistUrl(ctx: Ctx, base: string, drive: Drive, n: FileNode, template: string, ttl: number): string {
  const key = `${ctx.signer.keyPrefix}/${drive.id}/${n.file_id}/${template}/media.m3u8`
  return base + ctx.signer.sign('GET', key, [['f', n.file_id], ['u', drive.ownerId]], ttl).path
}

function info(ctx: Ctx, call: Call, p: Principal, b: Params, wrapper: string) {
  const {drive, n} = videoNode(ctx, p, b)
  const ttl = Math.min(Math.max(b.optInt('url_expire_sec') ?? 900, 1), 14400)
  const wanted = b.optStr('template_id')
  const statuses = Object.entries(n.transcoding ?? DEFAULT_TRANSCODING).filter(([t]) => !wanted || t === wanted)
  // [U] every requested template still transcoding → VideoPreviewWaitAndRetry
  if (statuses.length > 0 && statuses.every(([, s]) => s === 'running')) {
    throw new ApiError(400, 'VideoPreviewWaitAndRetry', 'video preview is transcoding, please wait and retry')
  }
  const tasks = statuses.map(([template_id, status]) => {
    const [w, h] = TEMPLATES[template_id] ?? [0, 0]
    return {
      template_id,
      template_name: template_id,
      template_width: w,
      template_height: h,
      status,
      stage: status === 'finished' ? 'stage_all' : 'stage_part',
      url: status === 'finished' ? playlistUrl(ctx, call.base, drive, n, template_id, ttl) : '',
    }
  })
  return {
    domain_id: 'bj29',
    drive_id: drive.id,
    file_id: n.file_id,
    [wrapper]: {
      category: b.optStr('category') ?? 'live_transcoding',
      meta: n.video ?? DEFAULT_META,
      live_transcoding_task_list: tasks,
      live_transcoding_subtitle_task_list: [],
    },
  }
}

export const playInfo = (ctx: Ctx, call: Call, p: Principal, b: Params) => info(ctx, call, p, b, 'video_preview_play_info')
export const playMeta = (ctx: Ctx, call: Call, p: Principal, b: Params) => info(ctx, call, p, b, 'video_preview_play_meta')

/** GET of `<prefix>/<drive>/<file>/<template>/media.m3u8` or `…/media-0.ts` (already verified) */
export async function serveVideo(ctx: Ctx, call: Call, parts: string[]): Promise<void> {
  const [, driveId, fileId, template, leaf] = parts
  const drive = ctx.users.drives.get(driveId)
  const n = drive?.get(fileId)
  if (!drive || !n || !n.sha1) {
    call.res.writeHead(404, {'Content-Type': 'text/plain'}).end('Not Found')
    return
  }
  if (leaf === 'media.m3u8') {
    const duration = (n.video ?? DEFAULT_META).duration
    const key = `${ctx.signer.keyPrefix}/${drive.id}/${n.file_id}/${template}/media-0.ts`
    const expires = Number(call.query.get('x-oss-expires')) - ctx.clock.unix()
    const seg = call.base + ctx.signer.sign('GET', key, [['f', n.file_id], ['u', drive.ownerId]], Math.max(1, expires)).path
    const body = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:${Math.ceil(duration)}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:${duration.toFixed(3)},\n${seg}\n#EXT-X-ENDLIST\n`
    call.res.writeHead(200, {'Content-Type': 'application/vnd.apple.mpegurl', 'Content-Length': Buffer.byteLength(body)})
    call.res.end(body)
    return
  }
  await serveDownload(ctx, call, n.sha1, 'video/MP2T')
}
