import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import '../helpers.js'
import type {Emulator} from './index.js'
import {Client, setup} from './kit.js'

describe('§4.15 video preview', () => {
  let emu: Emulator
  let api: Client
  let videoId: string
  before(async () => {
    ;({emu, api} = await setup())
    videoId = emu.fs().put('/v/film.mkv', 'not really a video', {video: {duration: 5722.37, width: 1920, height: 1080}}).file_id as string
  })
  after(() => emu.close())

  const play = (body: Record<string, unknown>) => api.file('getVideoPreviewPlayInfo', {category: 'live_transcoding', ...body})

  it('default: LD/SD/HD/FHD finished, each with an m3u8 URL that serves a playlist', async () => {
    const r = await play({file_id: videoId})
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(Object.keys(r.body).sort(), ['domain_id', 'drive_id', 'file_id', 'video_preview_play_info'])
    const info = r.body.video_preview_play_info
    assert.equal(info.category, 'live_transcoding')
    assert.deepEqual(info.meta, {duration: 5722.37, width: 1920, height: 1080})
    const tasks = info.live_transcoding_task_list as Array<Record<string, unknown>>
    assert.deepEqual(tasks.map((t) => t.template_id), ['LD', 'SD', 'HD', 'FHD'])
    assert.deepEqual(tasks.map((t) => t.template_height), [360, 480, 720, 1080])
    for (const t of tasks) assert.equal(t.status, 'finished')
    const m3u8 = await fetch(tasks[0].url as string)
    assert.equal(m3u8.status, 200)
    const text = await m3u8.text()
    assert.match(text, /^#EXTM3U/)
    const segment = text.split('\n').find((l) => l.startsWith('http')) as string
    assert.equal(await (await fetch(segment)).text(), 'not really a video')
    assert.deepEqual(info.live_transcoding_subtitle_task_list, [])
  })

  it('template_id filters; setTranscoding states show up; every requested template running → VideoPreviewWaitAndRetry', async () => {
    emu.fs().setTranscoding('/v/film.mkv', {LD: 'finished', FHD: 'running', HD: 'failed'})
    const all = await play({file_id: videoId})
    const tasks = all.body.video_preview_play_info.live_transcoding_task_list as Array<{template_id: string; status: string; url: string}>
    assert.deepEqual(tasks.map((t) => [t.template_id, t.status, t.url === '']), [['LD', 'finished', false], ['FHD', 'running', true], ['HD', 'failed', true]])
    const fhd = await play({file_id: videoId, template_id: 'FHD'})
    assert.deepEqual([fhd.status, fhd.body.code], [400, 'VideoPreviewWaitAndRetry'])
    const ld = await play({file_id: videoId, template_id: 'LD'})
    assert.deepEqual(ld.body.video_preview_play_info.live_transcoding_task_list.map((t: {template_id: string}) => t.template_id), ['LD'])
    emu.fs().setTranscoding('/v/film.mkv', {LD: 'finished', SD: 'finished', HD: 'finished', FHD: 'finished'})
  })

  it('getVideoPreviewPlayMeta wraps the same data in video_preview_play_meta', async () => {
    const r = await api.file('getVideoPreviewPlayMeta', {file_id: videoId})
    assert.equal(r.body.video_preview_play_meta.live_transcoding_task_list.length, 4)
  })

  it('a non-video file → 400', async () => {
    const id = emu.fs().put('/v/readme.txt', 'x').file_id
    assert.equal((await play({file_id: id})).status, 400)
  })

  it('over quota → 403 ExceedCapacityForbidden', async () => {
    emu.setTotalSpace(1)
    try {
      const r = await play({file_id: videoId})
      assert.deepEqual([r.status, r.body.code], [403, 'ExceedCapacityForbidden'])
    } finally {
      emu.setTotalSpace(100 * 1024 ** 3)
    }
  })
})
