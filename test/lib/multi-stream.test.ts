import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {ApiClient} from '../../src/lib/api/client.js'
import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {Session} from '../../src/lib/auth/session.js'
import {AlipanDrive as Drive} from '../../src/lib/drive/alipan-drive.js'
import {InterruptedError} from '../../src/lib/errors.js'
import {BandwidthLimiter} from '../../src/lib/transfer/bandwidth.js'
import {type DownloadOptions, downloadToFile, partPathFor} from '../../src/lib/transfer/download.js'
import {rangeStatePath} from '../../src/lib/transfer/range-state.js'
import {Semaphore} from '../../src/lib/transfer/semaphore.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const KiB = 1024
const MiB = 1024 * KiB

/** Multi-stream downloads (issue 9), on small files: the size threshold and piece size are lowered. */
describe('multi-stream download (lib)', () => {
  let f: Fixture
  let client: ApiClient
  let drive: Drive
  let n = 0
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    client.tokens = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
    drive = new Drive(client, f.emu.user.default_drive_id)
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.setDownloadCap(false)
    f.emu.resetCounters()
  })

  const seed = async (size: number, seedValue: number) => {
    const name = `/ms-${++n}.bin`
    const data = pattern(size, seedValue)
    f.emu.fs().put(name, data)
    return {data, entry: await drive.stat(name), destination: join(f.workDir, `ms-${n}.bin`)}
  }
  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({client, driveId: drive.driveId, multiStreamMin: 1 * MiB, pieceSize: 256 * KiB, ...extra})
  const dataGets = () => f.emu.log.filter((e) => e.method === 'GET' && e.path.startsWith('/oss/'))
  const urlCalls = () => f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/getDownloadUrl' && e.status === 200).length

  it('fetches a file over 3 streams sharing one URL, verified by SHA-1', async () => {
    const {data, entry, destination} = await seed(3 * MiB, 51)
    f.emu.setDownloadCap(4 * MiB) // slow enough that the streams overlap
    const result = await downloadToFile(entry, destination, options())
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    assert.equal(f.emu.counters.peakDownloads, 3, 'three connections at once')
    assert.equal(urlCalls(), 1, 'one getDownloadUrl for all streams')
    assert.equal(dataGets().length, 12, 'twelve 256 KiB pieces')
    assert.equal(f.emu.counters.bytesOut, data.length, 'every byte fetched once')
    assert.ok(!existsSync(partPathFor(destination)) && !existsSync(rangeStatePath(partPathFor(destination))), 'no .alipan-part or state left')
  })

  it('--streams 1 and a busy slot pool: never more connections than slots', async () => {
    const {data, entry, destination} = await seed(2 * MiB, 52)
    f.emu.setDownloadCap(8 * MiB)
    await downloadToFile(entry, destination, options({streams: 1, pieceSize: undefined}))
    assert.equal(f.emu.counters.peakDownloads, 1)
    assert.equal(dataGets().length, 1, 'one stream asks for everything at once')
    f.emu.resetCounters()
    const slots = new Semaphore(3)
    const held = await slots.acquire() // another file of the same command holds one slot
    await downloadToFile(entry, `${destination}.2`, options({slots}))
    held()
    assert.equal(f.emu.counters.peakDownloads, 2)
    assert.ok(readFileSync(`${destination}.2`).equals(data))
  })

  it('an interrupted download keeps what each stream wrote and the re-run fetches only the rest', async () => {
    const {data, entry, destination} = await seed(4 * MiB, 53)
    f.emu.setDownloadCap(4 * MiB)
    const abort = new AbortController()
    const first = downloadToFile(entry, destination, options({signal: abort.signal, onProgress: (p) => p.done >= 2 * MiB && abort.abort()}))
    await assert.rejects(first, (e) => e instanceof InterruptedError)
    assert.ok(!existsSync(destination), 'nothing under the final name')
    const state = JSON.parse(readFileSync(rangeStatePath(partPathFor(destination)), 'utf8')) as {written: Array<[number, number]>}
    const kept = state.written.reduce((sum, [a, b]) => sum + b - a, 0)
    assert.ok(state.written.length >= 2, `several ranges on disk: ${JSON.stringify(state.written)}`)
    assert.ok(kept >= MiB, `kept ${kept} bytes`)
    f.emu.setDownloadCap(false)
    f.emu.resetCounters()
    const second = await downloadToFile(entry, destination, options())
    assert.equal(second.verified, true)
    assert.equal(second.resumedFrom, kept)
    assert.equal(f.emu.counters.bytesOut, data.length - kept, 'only the missing bytes')
    assert.ok(readFileSync(destination).equals(data))
    assert.ok(!existsSync(rangeStatePath(partPathFor(destination))))
  })

  it('a .part from another file (state for a different file id) starts over; an earlier alipan\'s NAME.part is taken over and judged the same way', async () => {
    const {data, entry, destination} = await seed(2 * MiB, 54)
    const part = `${destination}.part`
    writeFileSync(part, Buffer.alloc(MiB, 7))
    writeFileSync(rangeStatePath(part), JSON.stringify({version: 1, file_id: 'other', size: entry.size, content_hash: null, written: [[0, MiB]]}))
    const result = await downloadToFile(entry, destination, options())
    assert.equal(result.resumedFrom, 0)
    assert.ok(readFileSync(destination).equals(data))
    assert.ok(!existsSync(part) && !existsSync(rangeStatePath(part)), 'the old files were taken over, then cleared')
  })

  it('an expired URL is renewed once for all streams in the middle of the download', async () => {
    const {data, entry, destination} = await seed(4 * MiB, 55)
    f.emu.setDownloadCap(6 * MiB)
    let advanced = false
    const result = await downloadToFile(entry, destination, options({
      onProgress: (p) => {
        if (!advanced && p.done >= MiB) {
          advanced = true
          f.emu.advanceTime(2 * 3600 * 1000) // the URL (and the access token) are now past their time
        }
      },
    }))
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    assert.ok(dataGets().some((e) => e.status === 403), 'a piece was refused as expired')
    assert.equal(urlCalls(), 2, 'one renewal, shared by the streams')
    assert.ok(f.emu.counters.bytesOut <= data.length + 256 * KiB, 'nothing fetched twice beyond a piece')
  })

  it('a stream dropped mid-range resumes from its last byte on disk', async () => {
    const {data, entry, destination} = await seed(3 * MiB, 56)
    f.emu.faults.dropConnection({kind: 'download', afterBytes: 100 * KiB, times: 2})
    const result = await downloadToFile(entry, destination, options())
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    const ranges = dataGets().map((e) => e.status)
    assert.equal(ranges.length, 12 + 2, 'two pieces needed a second request')
    assert.ok(f.emu.counters.bytesOut <= data.length + 2 * 100 * KiB, `sent ${f.emu.counters.bytesOut}: the rest of each piece only`)
  })

  it('ExceedMaxConcurrency from another client: the download carries on and never fails', async () => {
    const {data, entry, destination} = await seed(3 * MiB, 57)
    f.emu.faults.inject({path: /^\/oss\//, method: 'GET', status: 403, code: 'RequestDeniedByCallback', message: 'Callback deny this request reason: ExceedMaxConcurrency', times: 4})
    const result = await downloadToFile(entry, destination, options())
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    assert.equal(dataGets().filter((e) => e.status === 403).length, 4)
  })

  it('a file of one piece still comes over 3 streams: free ones split the piece in flight (issue 16)', async () => {
    const {data, entry, destination} = await seed(6 * MiB, 59)
    f.emu.setDownloadCap(4 * MiB)
    const result = await downloadToFile(entry, destination, options({pieceSize: 6 * MiB}))
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    assert.equal(f.emu.counters.peakDownloads, 3, 'three connections at once on a single piece')
    assert.ok(dataGets().length >= 3, `${dataGets().length} requests: the piece was split`)
    assert.equal(urlCalls(), 1)
  })

  it('the tail: once no file waits, every connection works on the files in hand; each file its link first (issue 16)', async () => {
    // Three files as get -r runs them, one link per second (the client's pacer): while the last
    // one waits for its link, the others take every connection; then the last takes all three.
    const files = [await seed(6 * MiB, 60), await seed(6 * MiB, 61), await seed(6 * MiB, 62)]
    f.emu.setDownloadCap(3 * MiB)
    const paced = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    paced.tokens = client.tokens
    const slots = new Semaphore(3)
    const results = await Promise.all(files.map((file) => downloadToFile(file.entry, file.destination, {client: paced, driveId: drive.driveId, slots})))
    for (const [i, file] of files.entries()) {
      assert.equal(results[i].verified, true)
      assert.ok(readFileSync(file.destination).equals(file.data))
    }
    assert.equal(f.emu.counters.peakDownloads, 3, 'never more than 3 connections')
    const urls = f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/getDownloadUrl').map((e) => e.time)
    assert.equal(urls.length, 3, 'one link per file')
    assert.ok(urls[2] - urls[0] >= 1900, 'links at 1/s')
    // Each file came down over several connections, the last one included (before issue 16, files
    // under 32 MiB took one stream each and the last file's tail ran over one connection).
    for (const file of files) {
      const gets = dataGets().filter((e) => e.path.endsWith(file.entry.content_hash!.toLowerCase()) || e.path.toUpperCase().endsWith(file.entry.content_hash!))
      assert.ok(gets.length >= 3, `${file.entry.path}: ${gets.length} requests`)
    }
  })

  it('an extra stream gives way mid-piece to a file waiting for its first connection', async () => {
    const big = await seed(12 * MiB, 63)
    const small = await seed(1 * MiB, 64)
    f.emu.setDownloadCap(2 * MiB)
    const slots = new Semaphore(3)
    let bigDone = 0
    // Three pieces of 4 MiB, 2 s each: every connection is in the middle of one when the small file comes.
    const first = downloadToFile(big.entry, big.destination, options({slots, pieceSize: 4 * MiB})).then((r) => ((bigDone = performance.now()), r))
    await new Promise((r) => setTimeout(r, 400))
    const started = performance.now()
    const second = await downloadToFile(small.entry, small.destination, {client, driveId: drive.driveId, slots})
    const waited = performance.now() - started
    assert.ok(readFileSync(small.destination).equals(small.data))
    assert.equal(second.verified, true)
    assert.equal(bigDone, 0, 'the small file was done before the big one')
    // 1 MiB at 2 MiB/s is 0.5 s; waiting for a piece of the big file to end would take 1.6 s more.
    assert.ok(waited < 1400, `the small file took ${waited.toFixed(0)} ms`)
    assert.equal((await first).verified, true)
    assert.ok(readFileSync(big.destination).equals(big.data))
    assert.ok(f.emu.counters.peakDownloads <= 3)
  })

  it('--bwlimit: all streams together keep to the rate', async () => {
    const {data, entry, destination} = await seed(3 * MiB, 58)
    const started = performance.now()
    await downloadToFile(entry, destination, options({bandwidth: new BandwidthLimiter(2 * MiB)}))
    const seconds = (performance.now() - started) / 1000
    assert.ok(readFileSync(destination).equals(data))
    // 3 MiB at 2 MiB/s: 1.5 s, less the 0.1 s burst the bucket allows.
    assert.ok(seconds > 1.3 && seconds < 2.2, `took ${seconds.toFixed(2)} s`)
  })
})
