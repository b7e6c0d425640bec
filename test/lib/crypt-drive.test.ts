/**
 * The encrypted drive's pieces (issue 20): the ciphertext of any byte range of a local file (what
 * the upload engine reads), the download codec and its resume points, the in-place decoding of a
 * multi-stream download that is interrupted and resumed, range reads across block edges, and the
 * mapping of names (a file and a folder of one name, a name too long to store).
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {ApiClient} from '../../src/lib/api/client.js'
import {CredentialStore} from '../../src/lib/auth/credentials.js'
import {Session} from '../../src/lib/auth/session.js'
import {cryptCodec} from '../../src/lib/crypt/codec.js'
import {CryptDrive} from '../../src/lib/crypt/crypt-drive.js'
import {EncryptedSource} from '../../src/lib/crypt/encrypted-source.js'
import {BLOCK_DATA_SIZE, BLOCK_SIZE, Crypt, HEADER_SIZE, encryptedSize} from '../../src/lib/crypt/index.js'
import {NonceStore} from '../../src/lib/crypt/nonces.js'
import {AlipanDrive} from '../../src/lib/drive/alipan-drive.js'
import type {RemoteEntry} from '../../src/lib/drive/drive.js'
import {UsageError} from '../../src/lib/errors.js'
import {fileSource} from '../../src/lib/transfer/byte-source.js'
import {BufferPool} from '../../src/lib/transfer/file-chunks.js'
import {rangeStatePath} from '../../src/lib/transfer/range-state.js'
import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const MiB = 1024 * 1024
const NONCE = Buffer.from(Array.from({length: 24}, (_, i) => 200 - i))

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of source) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

describe('encrypted drive: pieces', () => {
  let crypt: Crypt
  let f: Fixture

  before(async () => {
    crypt = await Crypt.create({password: 'pieces', password2: 'salt'})
    f = await setup({rateLimit: false})
    await f.login()
  })
  after(() => f.close())

  it('EncryptedSource gives, for any range, exactly those bytes of the whole ciphertext (header, block edges, a part boundary inside a block)', async () => {
    const plain = pattern(5 * BLOCK_DATA_SIZE + 1234, 5)
    const path = join(f.workDir, 'source.bin')
    writeFileSync(path, plain)
    const whole = await collect(crypt.encrypt([plain], NONCE))
    const source = new EncryptedSource(fileSource(path, plain.length), crypt, Buffer.from(NONCE))
    assert.equal(source.size, whole.length)
    assert.equal(source.size, encryptedSize(plain.length))
    const ranges: Array<[number, number]> = [
      [0, source.size],
      [0, 10],
      [5, HEADER_SIZE + 7],
      [HEADER_SIZE, HEADER_SIZE + BLOCK_SIZE],
      [HEADER_SIZE + BLOCK_SIZE - 3, HEADER_SIZE + 2 * BLOCK_SIZE + 3],
      [100_000, 200_000],
      [source.size - 50, source.size],
      [source.size, source.size],
    ]
    for (const [start, end] of ranges) {
      const got = await collect(source.chunks(start, end, new BufferPool(BLOCK_SIZE)))
      assert.ok(got.equals(whole.subarray(start, end)), `[${start}, ${end})`)
      assert.ok((await source.read(start, end)).equals(whole.subarray(start, end)))
    }
    const hash = createHash('sha1')
    await source.hashInto(hash, 0, 300_000)
    assert.equal(hash.digest('hex'), createHash('sha1').update(whole.subarray(0, 300_000)).digest('hex'))
    // The nonce travels with a resumable upload's state: another source takes it and gives the same bytes.
    const other = new EncryptedSource(fileSource(path, plain.length), crypt)
    assert.equal(other.resumeFrom(source.resumeToken), true)
    assert.ok((await other.read(0, other.size)).equals(whole))
    assert.equal(other.resumeFrom('crypt-nonce:zz'), false)
  })

  it('the download codec decodes in any chunking, gives resume points on block edges, and re-encodes a decoded prefix exactly', async () => {
    const plain = pattern(7 * BLOCK_DATA_SIZE + 99, 6)
    const stored = await collect(crypt.encrypt([plain], NONCE))
    const codec = cryptCodec(crypt, stored.length, '/x.bin')
    assert.equal(codec.decodedSize, plain.length)
    for (const step of [1, 7, 4096, BLOCK_SIZE, BLOCK_SIZE + 1, stored.length]) {
      const decoder = codec.decoder()
      const out: Buffer[] = []
      for (let at = 0; at < stored.length; at += step) out.push(...decoder.push(stored.subarray(at, at + step)).map((b) => Buffer.from(b)))
      out.push(...decoder.finish().map((b) => Buffer.from(b)))
      assert.ok(Buffer.concat(out).equals(plain), `chunks of ${step}`)
    }
    // Interrupted after 3 blocks landed: resume from the point, re-encode the prefix.
    const first = codec.decoder()
    first.push(stored.subarray(0, HEADER_SIZE + 3 * BLOCK_SIZE + 500))
    const point = first.pointAt(3 * BLOCK_DATA_SIZE + 10)!
    assert.deepEqual({stored: point.stored, decoded: point.decoded}, {stored: HEADER_SIZE + 3 * BLOCK_SIZE, decoded: 3 * BLOCK_DATA_SIZE})
    assert.equal(point.state?.nonce, NONCE.toString('hex'))
    const prefix = await collect(codec.reencode(point, [plain.subarray(0, point.decoded)]))
    assert.ok(prefix.equals(stored.subarray(0, point.stored)))
    const resumed = codec.decoder(point)
    const rest = Buffer.concat([...resumed.push(stored.subarray(point.stored)), ...resumed.finish()].map((b) => Buffer.from(b)))
    assert.ok(rest.equals(plain.subarray(point.decoded)))
    // A stored size no encrypted file has is refused before anything is fetched.
    assert.throws(() => cryptCodec(crypt, HEADER_SIZE + 10, '/bad.bin'), /truncated/)
  })

  describe('over the emulator', () => {
    let inner: AlipanDrive
    let drive: CryptDrive
    let nonces: NonceStore

    before(async () => {
      const client = await ApiClient.create({apiUrl: f.emu.url, userAgent: 'alipan-test', retry: {baseDelayMs: 20, maxDelayMs: 100}})
      client.tokens = new Session({store: new CredentialStore(f.configDir), client, env: {apiUrl: f.emu.url}, onlineUrl: f.emu.onlineUrl})
      inner = new AlipanDrive(client, f.emu.user.default_drive_id)
      nonces = new NonceStore(join(f.configDir, 'transfers'))
      drive = new CryptDrive(inner, '/enc', crypt, {name: 'enc', nonces})
    })

    /** An encrypted 12 MiB file on the drive, and a multi-stream download of it stopped after ~5 MiB (its .part and record kept). */
    async function interruptedDownload(label: string, seed: number): Promise<{plain: Buffer; entry: RemoteEntry; destination: string; part: string}> {
      const plain = pattern(12 * MiB + 777, seed)
      const local = join(f.workDir, `up-${label}.bin`)
      writeFileSync(local, plain)
      const folder = await drive.mkdirp(`/dl-${label}`)
      const up = await drive.upload(folder, 'big.bin', {kind: 'file', path: local, size: plain.length, mtimeMs: Date.now()}, {checkNameMode: 'refuse', occupants: [], rapid: true})
      assert.equal(up.status, 'uploaded')
      const entry = await drive.stat(`/dl-${label}/big.bin`)
      assert.equal(entry.size, plain.length)
      const destination = join(f.workDir, `down-${label}.bin`)
      f.emu.resetCounters()
      f.emu.setThrottle(4 * MiB)
      const abort = new AbortController()
      const watch = setInterval(() => f.emu.counters.bytesOut > 5 * MiB && abort.abort(), 20)
      try {
        await assert.rejects(drive.download(entry, destination, {signal: abort.signal, pieceSize: MiB, streams: 3}), /Interrupted/)
      } finally {
        clearInterval(watch)
        f.emu.setThrottle(false)
      }
      const part = `${destination}.alipan-part`
      assert.ok(existsSync(part) && existsSync(rangeStatePath(part)), 'the .part and its record are kept')
      assert.equal(existsSync(destination), false)
      return {plain, entry, destination, part}
    }

    function decodePoint(part: string): {stored: number; decoded: number} {
      const record = JSON.parse(readFileSync(rangeStatePath(part), 'utf8'))
      assert.ok(record.decoded && record.decoded.decoded > 0, `decoded in place before the interruption: ${JSON.stringify(record.decoded)}`)
      return record.decoded
    }

    it('a multi-stream download decodes in place; interrupted, it resumes from its decode point and lands the same file', async () => {
      const {plain, entry, destination, part} = await interruptedDownload('resumed', 8)
      decodePoint(part)

      f.emu.resetCounters()
      const result = await drive.download(entry, destination, {pieceSize: MiB})
      assert.equal(result.verified, true)
      assert.ok(result.resumedFrom > 0)
      assert.ok(f.emu.counters.bytesOut < encryptedSize(plain.length) - 4 * MiB, `resumed: ${f.emu.counters.bytesOut} bytes fetched`)
      assert.ok(readFileSync(destination).equals(plain))
      assert.equal(existsSync(part), false)
      assert.equal(existsSync(rangeStatePath(part)), false)
    })

    it('killed outright between two saves of its record (decoded bytes over stored ones it still counts): the resume starts over and lands the file', async () => {
      const {plain, entry, destination, part} = await interruptedDownload('killed', 9)
      // What the record said at its save before the last: a block edge 40 blocks back, whose stored
      // bytes the decoded ones written since have overwritten (as after kill -9 between two saves).
      const point = decodePoint(part)
      const blocks = Math.max(0, Math.floor(point.decoded / BLOCK_DATA_SIZE) - 40)
      const record = JSON.parse(readFileSync(rangeStatePath(part), 'utf8'))
      record.decoded = {...point, stored: HEADER_SIZE + blocks * BLOCK_SIZE, decoded: blocks * BLOCK_DATA_SIZE}
      writeFileSync(rangeStatePath(part), JSON.stringify(record))

      f.emu.resetCounters()
      const result = await drive.download(entry, destination, {pieceSize: MiB})
      assert.equal(result.verified, true)
      assert.ok(readFileSync(destination).equals(plain), 'the file lands whole')
      assert.ok(f.emu.counters.bytesOut >= encryptedSize(plain.length), `started over: ${f.emu.counters.bytesOut} bytes fetched`)
      assert.equal(existsSync(part), false)
      assert.equal(existsSync(rangeStatePath(part)), false)
    })

    it('range reads across block edges: from the start (header with the blocks), and anywhere else with the recorded nonce or a 32-byte read', async () => {
      const plain = pattern(3 * BLOCK_DATA_SIZE + 10, 9)
      const local = join(f.workDir, 'ranges.bin')
      writeFileSync(local, plain)
      const root = await drive.mkdirp('/')
      await drive.upload(root, 'ranges.bin', {kind: 'file', path: local, size: plain.length, mtimeMs: Date.now()}, {checkNameMode: 'refuse', occupants: [], rapid: false})
      const entry = await drive.stat('/ranges.bin')
      const read = async (start: number, end: number) => collect((await drive.openRange(entry, {start, end})).stream as AsyncIterable<Buffer>)
      const cases: Array<[number, number]> = [
        [0, plain.length],
        [0, 5],
        [BLOCK_DATA_SIZE - 3, BLOCK_DATA_SIZE + 3],
        [BLOCK_DATA_SIZE, 2 * BLOCK_DATA_SIZE],
        [2 * BLOCK_DATA_SIZE + 1, plain.length],
        [plain.length - 1, plain.length],
      ]
      for (const [start, end] of cases) assert.ok((await read(start, end)).equals(plain.subarray(start, end)), `[${start}, ${end})`)
      // A drive without the record reads the header first: one more small request, same bytes.
      const fresh = new CryptDrive(inner, '/enc', crypt, {name: 'enc'})
      const again = await fresh.stat('/ranges.bin')
      f.emu.resetCounters()
      const bytes = await collect((await fresh.openRange(again, {start: BLOCK_DATA_SIZE + 5, end: BLOCK_DATA_SIZE + 25})).stream as AsyncIterable<Buffer>)
      assert.ok(bytes.equals(plain.subarray(BLOCK_DATA_SIZE + 5, BLOCK_DATA_SIZE + 25)))
      assert.equal(f.emu.counters.bytesOut, HEADER_SIZE + BLOCK_SIZE)
    })

    it('off names and clear folder names: a file and a folder of one name are told apart; a name too long to store is refused plainly', async () => {
      for (const options of [{filenameEncryption: 'off' as const}, {directoryNameEncryption: false}]) {
        const other = await Crypt.create({password: 'pieces', password2: 'salt', ...options})
        const base = `/mode-${Object.values(options)[0]}`
        const d = new CryptDrive(inner, base, other, {name: 'm'})
        const root = await d.mkdirp('/')
        await d.createFolderIn(root, 'same')
        const local = join(f.workDir, 'same.txt')
        writeFileSync(local, 'file')
        const up = await d.upload(root, 'same', {kind: 'file', path: local, size: 4, mtimeMs: Date.now()}, {checkNameMode: 'refuse', occupants: [], rapid: false})
        assert.equal(up.status, 'uploaded', JSON.stringify(options))
        const fresh = new CryptDrive(inner, base, other, {name: 'm'})
        const entry = await fresh.stat('/same')
        assert.equal(entry.type, 'file', 'the file first')
        const listed = (await fresh.list('/')).map((e) => `${e.type}:${e.name}`).sort()
        assert.deepEqual(listed, ['file:same', 'folder:same'])
      }
      const root = await drive.mkdirp('/')
      await assert.rejects(drive.createFolderIn(root, 'x'.repeat(700)), (error: unknown) => error instanceof UsageError && /too long to store encrypted/.test(error.message))
      assert.ok((await drive.createFolderIn(root, 'y'.repeat(639))).created, '639 bytes fit (standard names, base32)')
    })
  })
})
