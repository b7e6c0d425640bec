import assert from 'node:assert/strict'
import {after, before, beforeEach, describe, it} from 'node:test'

import type {LinkResult} from '../../src/lib/manage/link.js'
import {type Fixture, setup} from '../support.js'
import '../helpers.js'

const LINK = '/adrive/v1.0/openFile/getDownloadUrl'

async function fetchText(url: string): Promise<{status: number; text: string}> {
  const response = await fetch(url, {headers: {referer: 'https://www.aliyundrive.com/'}})
  return {status: response.status, text: await response.text()}
}

describe('link', () => {
  let f: Fixture
  before(async () => {
    // Ten times the real limits for the functional tests; the burst tests switch to the real ones.
    f = await setup({rateLimit: 10})
    await f.login()
    f.emu.fs().put('/docs/report.pdf', 'the report')
    f.emu.fs().put('/movies/trip.mp4', Buffer.alloc(2048, 3))
    f.emu.fs().seedLivePhoto('/photos/IMG_1.livp', {jpeg: 'JPEG-BYTES', mov: 'MOV-BYTES'})
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
    f.emu.setTier('normal')
  })

  it('prints only the URL on stdout (curl-able); the expiry goes to stderr', async () => {
    const r = await f.cli(['link', '/docs/report.pdf'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+\/oss\/\S+\n$/)
    assert.match(r.stderr, /Link expires at \d{4}-\d\d-\d\d \d\d:\d\d \(in 1[45]m/)
    const body = await fetchText(r.stdout.trim())
    assert.deepEqual(body, {status: 200, text: 'the report'})
  })

  it('--json: {url, expires_at, size, content_hash, file_id}; default expiry 900 s from the response', async () => {
    const r = await f.cli(['link', '/docs/report.pdf', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    const result = JSON.parse(r.stdout) as LinkResult
    const file = f.emu.fs().get('/docs/report.pdf') as {file_id: string; content_hash: string}
    assert.equal(result.file_id, file.file_id)
    assert.equal(result.size, 10)
    assert.equal(result.content_hash, file.content_hash)
    assert.equal(result.requested_expire_sec, 900)
    assert.ok(Math.abs(Date.parse(result.expires_at!) - f.emu.now() - 900_000) < 5000, result.expires_at!)
    assert.match(r.stderr, /expires at/, 'the expiry is shown on stderr even with --json')
  })

  it('--expire is capped by the service to the app tier, and stderr says so', async () => {
    const normal = await f.cli(['link', '/docs/report.pdf', '--expire', '14400', '--json'])
    const capped = JSON.parse(normal.stdout) as LinkResult
    assert.ok(Math.abs(Date.parse(capped.expires_at!) - f.emu.now() - 900_000) < 5000)
    assert.match(normal.stderr, /asked for 14400 s, the service allows less/)
    f.emu.setTier('certified')
    const certified = await f.cli(['link', '/docs/report.pdf', '--expire', '3600', '--json'])
    const long = JSON.parse(certified.stdout) as LinkResult
    assert.ok(Math.abs(Date.parse(long.expires_at!) - f.emu.now() - 3_600_000) < 5000)
    assert.doesNotMatch(certified.stderr, /allows less/)
  })

  it('live photos: jpeg by default, mov on request or by the livp-format setting', async () => {
    const jpeg = await f.cli(['link', '/photos/IMG_1.livp', '--json'])
    assert.equal(jpeg.exitCode, 0, jpeg.stderr)
    const j = JSON.parse(jpeg.stdout) as LinkResult
    assert.equal(j.stream, 'jpeg')
    assert.equal((await fetchText(j.url)).text, 'JPEG-BYTES')
    const mov = await f.cli(['link', '/photos/IMG_1.livp', '--livp', 'mov'])
    assert.equal((await fetchText(mov.stdout.trim())).text, 'MOV-BYTES')
    assert.match(mov.stderr, /mov stream link expires/)
    await f.cli(['config', 'set', 'livp-format', 'mov'])
    try {
      const byDefault = await f.cli(['link', '/photos/IMG_1.livp'])
      assert.equal((await fetchText(byDefault.stdout.trim())).text, 'MOV-BYTES')
    } finally {
      await f.cli(['config', 'unset', 'livp-format'])
    }
  })

  it('--video QUALITY links that m3u8; --video alone the best finished one', async () => {
    const hd = await f.cli(['link', '/movies/trip.mp4', '--video', 'HD', '--json'])
    assert.equal(hd.exitCode, 0, hd.stderr)
    const result = JSON.parse(hd.stdout) as LinkResult
    assert.equal(result.template, 'HD')
    assert.match(result.url, /(\/|%2F)HD(\/|%2F)media\.m3u8\?/)
    assert.ok(result.expires_at)
    const playlist = await fetchText(result.url)
    assert.equal(playlist.status, 200)
    assert.match(playlist.text, /^#EXTM3U/)
    const best = await f.cli(['link', '--video', '/movies/trip.mp4'])
    assert.equal(best.exitCode, 0, best.stderr)
    assert.match(best.stdout, /(\/|%2F)FHD(\/|%2F)media\.m3u8\?/)
    assert.match(best.stderr, /FHD playlist expires/)
    assert.equal(f.emu.log.filter((e) => e.path === LINK).length, 0, 'no getDownloadUrl for a playlist')
  })

  it('a transcode still running: exit 8 "Transcoding in progress"; the best finished one otherwise', async () => {
    f.emu.fs().setTranscoding('/movies/trip.mp4', {LD: 'finished', FHD: 'running'})
    const fhd = await f.spawn(['link', '/movies/trip.mp4', '--video', 'FHD'])
    assert.equal(fhd.status, 8, fhd.stderr)
    assert.equal(fhd.stdout, '')
    assert.match(fhd.stderr, /^Error: Transcoding in progress, try again in a minute\./)
    const best = await f.cli(['link', '/movies/trip.mp4', '--video'])
    assert.match(best.stdout, /(\/|%2F)LD(\/|%2F)media\.m3u8\?/)
    // Every template still running: the service answers VideoPreviewWaitAndRetry.
    f.emu.fs().setTranscoding('/movies/trip.mp4', {LD: 'running', SD: 'running'})
    const waiting = await f.cli(['link', '/movies/trip.mp4', '--video'])
    assert.equal(waiting.exitCode, 8)
    assert.match(waiting.stderr, /Transcoding in progress, try again in a minute\./)
    const missing = await f.cli(['link', '/movies/trip.mp4', '--video', 'QHD'])
    assert.equal(missing.exitCode, 3, 'no QHD transcode at all')
    assert.match(missing.stderr, /has no QHD transcode/)
    f.emu.fs().setTranscoding('/movies/trip.mp4', {LD: 'finished', SD: 'finished', HD: 'finished', FHD: 'finished'})
  })

  it('over quota the video is blocked with a plain explanation (exit 7)', async () => {
    f.emu.setTotalSpace(1)
    try {
      const r = await f.cli(['link', '/movies/trip.mp4', '--video', 'LD'])
      assert.equal(r.exitCode, 7)
      assert.match(r.stderr, /over its capacity/)
    } finally {
      f.emu.setTotalSpace(100 * 1024 ** 3)
    }
  })

  it('folders and non-videos are usage errors (exit 2); a missing file exit 3', async () => {
    assert.equal((await f.cli(['link', '/docs'])).exitCode, 2)
    const notVideo = await f.cli(['link', '/docs/report.pdf', '--video', 'LD'])
    assert.equal(notVideo.exitCode, 2)
    assert.match(notVideo.stderr, /not a video/)
    assert.equal((await f.cli(['link', '/docs/missing.pdf'])).exitCode, 3)
  })

  it('--qr draws the link on stderr; stdout still holds only the URL', async () => {
    const r = await f.cli(['link', '/docs/report.pdf', '--qr'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout.trim().split('\n').length, 1)
    assert.match(r.stderr, /[▀▄█]{4}/)
  })

  it('a burst of links against the real 1/s limit all succeed, none surfacing a 429', async (t) => {
    f.emu.setRateLimit(true)
    t.after(() => f.emu.setRateLimit(10))
    const started = Date.now()
    const results = []
    for (let i = 0; i < 4; i++) results.push(await f.cli(['link', '/docs/report.pdf']))
    for (const r of results) {
      assert.equal(r.exitCode, 0, r.stderr)
      assert.doesNotMatch(r.stderr, /too many|429/i)
    }
    const ok = f.emu.log.filter((e) => e.path === LINK && e.status === 200).length
    assert.equal(ok, 4)
    assert.ok(Date.now() - started >= 2500, 'paced at about one a second')
  })

  it('four processes at once: all succeed (429s are waited out)', async (t) => {
    f.emu.setRateLimit(true)
    t.after(() => f.emu.setRateLimit(10))
    const runs = await Promise.all(Array.from({length: 4}, () => f.spawn(['link', '/docs/report.pdf'])))
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr)
      assert.match(r.stdout, /^http:\/\/\S+\n$/)
    }
    assert.equal(f.emu.log.filter((e) => e.path === LINK && e.status === 200).length, 4)
  })

  // Last: it moves the emulator clock forward.
  it('the link stops working after its time (403 "Request has expired")', async () => {
    const r = await f.cli(['link', '/docs/report.pdf', '--expire', '60', '--json'])
    const {url, expires_at} = JSON.parse(r.stdout) as LinkResult
    assert.ok(Math.abs(Date.parse(expires_at!) - f.emu.now() - 60_000) < 5000)
    assert.equal((await fetchText(url)).status, 200)
    f.emu.advanceTime(61_000)
    const expired = await fetchText(url)
    assert.equal(expired.status, 403)
    assert.match(expired.text, /Request has expired/)
  })
})
