import assert from 'node:assert/strict'
import {readFileSync, readdirSync, readlinkSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {ApiClient} from '../../src/lib/api/client.js'
import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {Session} from '../../src/lib/auth/session.js'
import {AlipanDrive as Drive} from '../../src/lib/drive/alipan-drive.js'
import {InterruptedError} from '../../src/lib/errors.js'
import {downloadToFile} from '../../src/lib/transfer/download.js'
import {ResumeStore} from '../../src/lib/transfer/resume-state.js'
import {uploadFile} from '../../src/lib/transfer/upload.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const KiB = 1024

describe('transfer engine (lib)', () => {
  let f: Fixture
  let client: ApiClient
  let drive: Drive
  let resume: ResumeStore
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test'})
    client.tokens = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
    drive = new Drive(client, f.emu.user.default_drive_id)
    resume = new ResumeStore(join(f.configDir, 'transfers'))
  })
  after(() => f.close())
  beforeEach(() => {
    f.emu.faults.clear()
    f.emu.resetCounters()
  })

  const localFile = (name: string, data: Buffer) => {
    const path = join(f.workDir, name)
    writeFileSync(path, data)
    return {path, stat: statSync(path)}
  }
  const target = (name: string) => ({client, driveId: drive.driveId, parentId: 'root', name, checkNameMode: 'refuse' as const, occupants: []})

  it('an interrupted upload resumes from the parts the server has: fewer bytes the second time', async () => {
    const data = pattern(1000 * KiB, 31)
    const {path, stat} = localFile('resume.bin', data)
    const abort = new AbortController()
    const first = uploadFile(path, stat, target('resume.bin'), {
      rapid: false,
      partSize: 100 * KiB,
      resume,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'upload' && p.done >= 450 * KiB) abort.abort()
      },
    })
    await assert.rejects(first, (e) => e instanceof InterruptedError)
    assert.equal(f.emu.fs().get('/resume.bin'), undefined, 'nothing visible under the name yet')
    assert.equal(readdirSync(join(f.configDir, 'transfers')).length, 1, 'resume state kept')
    const firstBytes = f.emu.counters.bytesIn
    f.emu.resetCounters()
    const outcome = await uploadFile(path, stat, target('resume.bin'), {rapid: false, partSize: 100 * KiB, resume})
    assert.equal(outcome.status, 'uploaded')
    assert.ok(outcome.status === 'uploaded' && outcome.resumedParts >= 4, 'continued after the stored parts')
    assert.ok(f.emu.counters.bytesIn <= data.length - 400 * KiB, `second run sent ${f.emu.counters.bytesIn} of ${data.length}`)
    assert.ok(firstBytes + f.emu.counters.bytesIn < 2 * data.length)
    assert.ok(f.emu.fs().read('/resume.bin').equals(data), 'the resumed file is whole and verified')
    assert.deepEqual(readdirSync(join(f.configDir, 'transfers')), [], 'state removed after success')
  })

  it('a changed local file does not resume into the old session', async () => {
    const {path, stat} = localFile('changed.bin', pattern(500 * KiB, 32))
    const abort = new AbortController()
    await assert.rejects(
      uploadFile(path, stat, target('changed.bin'), {rapid: false, partSize: 100 * KiB, resume, signal: abort.signal, onProgress: (p) => p.done > 150 * KiB && abort.abort()}),
    )
    const changed = pattern(500 * KiB, 33)
    writeFileSync(path, changed)
    const outcome = await uploadFile(path, statSync(path), target('changed.bin'), {rapid: false, partSize: 100 * KiB, resume})
    assert.ok(outcome.status === 'uploaded' && outcome.resumedParts === 0)
    assert.ok(f.emu.fs().read('/changed.bin').equals(changed))
  })

  it('a local file that shrinks during upload fails at once with SourceChanged instead of hanging', async () => {
    const {path, stat} = localFile('shrinks.bin', pattern(250 * KiB, 34))
    // As if the file was truncated between stat and the read of its second part.
    const claimed = {size: 300 * KiB, mtimeMs: stat.mtimeMs}
    const started = Date.now()
    await assert.rejects(uploadFile(path, claimed, target('shrinks.bin'), {rapid: false, partSize: 100 * KiB}), (e: Error & {code?: string; exitCode?: number}) => {
      assert.equal(e.code, 'SourceChanged')
      assert.equal(e.exitCode, 1)
      assert.match(e.message, /read 51200 bytes of a part, expected 102400/)
      return true
    })
    assert.ok(Date.now() - started < 5000, 'no wait for a server timeout')
    assert.equal(f.emu.fs().get('/shrinks.bin'), undefined, 'nothing visible under the name')
  })

  it('an upload URL that expires mid-file is renewed', async () => {
    const data = pattern(400 * KiB, 34)
    const {path, stat} = localFile('expire-up.bin', data)
    let advanced = false
    const outcome = await uploadFile(path, stat, target('expire-up.bin'), {
      rapid: false,
      partSize: 100 * KiB,
      onProgress: (p) => {
        if (!advanced && p.phase === 'upload' && p.done >= 100 * KiB) {
          advanced = true
          f.emu.advanceTime(2 * 3600 * 1000) // every part URL handed out so far is now past its time
        }
      },
    })
    assert.equal(outcome.status, 'uploaded')
    const expired = f.emu.log.filter((e) => e.method === 'PUT' && e.status === 403)
    assert.ok(expired.length >= 1, 'the data plane said "expired" at least once')
    assert.ok((f.emu.counters.requests['/adrive/v1.0/openFile/getUploadUrl'] ?? 0) >= 1, 'new URLs were fetched')
    assert.ok(f.emu.fs().read('/expire-up.bin').equals(data))
  })

  it('a part refused before its body is read (expired URL) stops sending at once and leaves no open file', async () => {
    // Parts far bigger than the socket buffers: the 403 arrives while most of the part is unsent.
    const MiB = 1024 * KiB
    const data = pattern(24 * MiB, 36)
    const {path, stat} = localFile('expire-big.bin', data)
    let advanced = false
    let last = 0
    let refusedAttemptReached: number | undefined
    const outcome = await uploadFile(path, stat, target('expire-big.bin'), {
      rapid: false,
      partSize: 12 * MiB,
      onProgress: (p) => {
        if (p.phase !== 'upload') return
        if (p.done < last) refusedAttemptReached ??= last // a retry starts the part again
        last = p.done
        if (!advanced && p.done >= 12 * MiB) {
          advanced = true
          f.emu.advanceTime(2 * 3600 * 1000)
        }
      },
    })
    assert.equal(outcome.status, 'uploaded')
    assert.ok(f.emu.log.some((e) => e.method === 'PUT' && e.status === 403), 'a PUT was refused as expired')
    // No progress went backwards when the 403 came before the refused attempt handed out any byte
    // (a race with the socket): that attempt stopped at once too.
    assert.ok(refusedAttemptReached === undefined || refusedAttemptReached < 20 * MiB, `the refused attempt went on to ${refusedAttemptReached} bytes`)
    if (process.platform !== 'linux') return // the open-file check reads /proc/self/fd
    const open = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(join('/proc/self/fd', fd)) === path
      } catch {
        return false
      }
    })
    assert.deepEqual(open, [], 'the local file is closed once the upload is done')
    assert.ok(f.emu.fs().read('/expire-big.bin').equals(data))
  })

  it('a download URL that expires mid-file is renewed and the download continues with Range', async () => {
    const data = pattern(6 * 1024 * KiB, 35) // above the 5 MB listing-URL limit: getDownloadUrl
    f.emu.fs().put('/expire-down.bin', data)
    const entry = await drive.stat('/expire-down.bin')
    f.emu.faults.dropConnection({kind: 'download', afterBytes: 2 * 1024 * KiB})
    let advanced = false
    const destination = join(f.workDir, 'expire-down.bin')
    const result = await downloadToFile(entry, destination, {
      client,
      driveId: drive.driveId,
      // The one-stream path (multi-stream.test.ts renews the URL shared by several streams).
      multiStreamMin: 32 * 1024 * KiB,
      onProgress: (p) => {
        if (!advanced && p.done >= 1024 * KiB) {
          advanced = true
          f.emu.advanceTime(2 * 3600 * 1000)
        }
      },
    })
    assert.equal(result.verified, true)
    assert.ok(readFileSync(destination).equals(data))
    const gets = f.emu.log.filter((e) => e.method === 'GET' && e.path.startsWith('/oss/'))
    assert.ok(gets.some((e) => e.status === 403), 'the old URL was refused as expired')
    const renewals = f.emu.log.filter((e) => e.path === '/adrive/v1.0/openFile/getDownloadUrl' && e.status === 200)
    assert.equal(renewals.length, 2, 'one new URL')
    // Two hours also outlived the access token: it was renewed on the way, and the job carried on.
    assert.equal(f.emu.counters.tokenRefreshes, 1)
    assert.ok(f.emu.counters.bytesOut < data.length + 1024 * KiB, 'continued instead of starting over')
  })

  it('PartAlreadyExist counts as done: a part the server already has is not an error', async () => {
    const data = pattern(500 * KiB, 37)
    const {path, stat} = localFile('already.bin', data)
    const abort = new AbortController()
    await assert.rejects(
      uploadFile(path, stat, target('already.bin'), {rapid: false, partSize: 100 * KiB, resume, signal: abort.signal, onProgress: (p) => p.done > 250 * KiB && abort.abort()}),
    )
    // The server forgets to mention its parts: the client re-sends part 1 and meets a real 409.
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/listUploadedParts', status: 200, body: {uploaded_parts: [], next_part_number_marker: ''}})
    f.emu.resetCounters()
    const outcome = await uploadFile(path, stat, target('already.bin'), {rapid: false, partSize: 100 * KiB, resume})
    assert.equal(outcome.status, 'uploaded')
    assert.ok(f.emu.log.some((e) => e.method === 'PUT' && e.status === 409), 'the data plane answered PartAlreadyExist')
    assert.ok(f.emu.fs().read('/already.bin').equals(data), 'and the file still verifies')
  })

  it('a stale resume state (session gone on the server) starts over cleanly', async () => {
    const data = pattern(300 * KiB, 36)
    const {path, stat} = localFile('stale.bin', data)
    const abort = new AbortController()
    await assert.rejects(
      uploadFile(path, stat, target('stale.bin'), {rapid: false, partSize: 100 * KiB, resume, signal: abort.signal, onProgress: (p) => p.done > 120 * KiB && abort.abort()}),
    )
    f.emu.faults.inject({path: '/adrive/v1.0/openFile/listUploadedParts', status: 400, code: 'NotFound.UploadId', message: 'upload id not found'})
    const outcome = await uploadFile(path, stat, target('stale.bin'), {rapid: false, partSize: 100 * KiB, resume})
    assert.ok(outcome.status === 'uploaded' && outcome.resumedParts === 0)
    assert.ok(f.emu.fs().read('/stale.bin').equals(data))
  })
})
