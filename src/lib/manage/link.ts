import {getDownloadUrl, getVideoPreviewPlayInfo} from '../api/files.js'
import type {TranscodingTask, VideoTemplate} from '../api/wire.js'
import type {Drive} from '../drive/drive.js'
import {remotePathArg} from '../drive/remote-path.js'
import {AlipanError, ExitCode, NetworkError, NotFoundError, NotReadyError, UsageError} from '../errors.js'
import {urlExpiresAt} from '../transfer/oss-url.js'
import {type LivpFormat, isLivePhoto} from '../transfer/download.js'

export const VIDEO_TEMPLATES: readonly VideoTemplate[] = ['LD', 'SD', 'HD', 'FHD', 'QHD']
/** Longest link any app tier gets (§4.8, §4.15); the service clamps further to the app's tier. */
export const MAX_EXPIRE_SEC = 14_400
export const DEFAULT_EXPIRE_SEC = 900

export interface LinkOptions {
  path: string
  /** Requested lifetime in seconds; the service may give less (normal apps: 900). */
  expireSec?: number
  /** Live photos: which stream (§4.8). */
  livp?: LivpFormat
  /** The m3u8 of a transcode (§4.15): a template, or `best` for the best finished one. */
  video?: VideoTemplate | 'best'
  signal?: AbortSignal
}

/** The `--json` shape of `link`. */
export interface LinkResult {
  url: string
  /** ISO time, from the response's `expiration` (else the URL's signature). */
  expires_at: string | null
  size: number | null
  content_hash: string | null
  file_id: string
  path: string
  /** Seconds asked for, and what the service actually granted. */
  requested_expire_sec: number
  granted_expire_sec: number | null
  /** Live photos: the stream linked. */
  stream?: LivpFormat
  /** Video: the template of the playlist. */
  template?: string
}

/** Transcoding must look ready (finished), else say when to come back. */
const TRANSCODING = 'Transcoding in progress, try again in a minute.'

/**
 * `link`: a direct download URL (`getDownloadUrl`, the drivers' "302" mode), a live photo's
 * stream, or a video's HLS playlist. The getDownloadUrl rate (1/s) is the client pacer's job.
 */
export async function link(drive: Drive, options: LinkOptions): Promise<LinkResult> {
  const entry = await drive.stat(remotePathArg(options.path))
  const api = drive.api
  if (!api) throw new UsageError(`${entry.path} has no direct link: its bytes are stored encrypted, and only alipan can read them.`, {hint: 'download it with `alipan get`, or serve the location with `alipan serve webdav`'})
  if (entry.type === 'folder') throw new UsageError(`${entry.path} is a folder; links are for files.`, {hint: 'link the files inside it, e.g. `alipan find <folder> --name "*" --json`'})
  const requested = Math.min(Math.max(1, Math.round(options.expireSec ?? DEFAULT_EXPIRE_SEC)), MAX_EXPIRE_SEC)
  const common = {file_id: entry.file_id, path: entry.path, requested_expire_sec: requested}
  const now = Date.now()

  if (options.video) {
    const category = entry.item?.category
    if (category && category !== 'video') throw new UsageError(`${entry.path} is not a video (category: ${category}).`)
    const template = options.video === 'best' ? undefined : options.video
    const answer = await getVideoPreviewPlayInfo(api.client, api.driveId, entry.file_id, {templateId: template, urlExpireSec: requested})
    const tasks = answer.video_preview_play_info?.live_transcoding_task_list ?? []
    const task = pickTranscode(tasks, template, entry.path)
    const url = task.url!
    const expiresAt = urlExpiresAt(url)
    return {
      ...common,
      url,
      expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
      size: null,
      content_hash: null,
      granted_expire_sec: expiresAt === undefined ? null : Math.max(0, Math.round((expiresAt - now) / 1000)),
      template: task.template_id,
    }
  }

  const answer = await getDownloadUrl(api.client, api.driveId, entry.file_id, requested, {signal: options.signal})
  let url = answer.url
  let stream: LivpFormat | undefined
  const streams = answer.streamsUrl ?? answer.streams_url
  if (isLivePhoto(entry) || (!url && streams)) {
    stream = options.livp ?? 'jpeg'
    const chosen = streams?.[stream]
    if (chosen) url = chosen
    else if (!url) throw new UsageError(`The live photo ${entry.path} has no ${stream} stream (it has: ${Object.keys(streams ?? {}).join(', ') || 'none'}).`)
    else stream = undefined
  }
  if (!url) throw new NetworkError(`The service gave no download URL for ${entry.path}.`)
  const expiresMs = parseTime(answer.expiration) ?? urlExpiresAt(url)
  return {
    ...common,
    url,
    expires_at: expiresMs === undefined ? null : new Date(expiresMs).toISOString(),
    size: answer.size ?? (entry.type === 'file' ? entry.size : null),
    content_hash: (answer.content_hash ?? entry.content_hash)?.toUpperCase() ?? null,
    granted_expire_sec: expiresMs === undefined ? null : Math.max(0, Math.round((expiresMs - now) / 1000)),
    ...(stream ? {stream} : {}),
  }
}

/** The finished transcode for `template`, or the best finished one; running → exit 8. */
export function pickTranscode(tasks: readonly TranscodingTask[], template: string | undefined, path: string): TranscodingTask {
  const usable = (t: TranscodingTask) => t.status === 'finished' && Boolean(t.url)
  if (template) {
    const task = tasks.find((t) => t.template_id?.toUpperCase() === template)
    if (task && usable(task)) return task
    if (task?.status === 'running') throw new NotReadyError(TRANSCODING, {code: 'Transcoding'})
    const available = tasks.filter(usable).map((t) => t.template_id)
    if (task?.status === 'failed') throw new AlipanError(`Transcoding ${path} to ${template} failed on the service.`, ExitCode.unexpected, {code: 'TranscodeFailed', hint: available.length ? `finished: ${available.join(', ')}` : undefined})
    throw new NotFoundError(`${path} has no ${template} transcode.`, {code: 'NoSuchTranscode', hint: available.length ? `finished: ${available.join(', ')}` : 'try --video without a quality'})
  }
  const rank = (t: TranscodingTask) => {
    const index = VIDEO_TEMPLATES.indexOf(t.template_id?.toUpperCase() as VideoTemplate)
    return (t.template_height ?? 0) * 10 + index
  }
  const best = tasks.filter(usable).sort((a, b) => rank(b) - rank(a))[0]
  if (best) return best
  if (tasks.some((t) => t.status === 'running')) throw new NotReadyError(TRANSCODING, {code: 'Transcoding'})
  throw new NotFoundError(`${path} has no finished transcode to link.`, {code: 'NoSuchTranscode'})
}

function parseTime(iso: string | undefined): number | undefined {
  if (!iso) return undefined
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : ms
}
