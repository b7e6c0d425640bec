/**
 * Interoperability with the real rclone (Debian's `rclone` package, 1.60 here): files and names
 * our crypt library writes are read byte for byte by rclone through a crypt remote over a local
 * folder holding the same ciphertext, and what rclone encrypts is read by ours. Skipped, with a
 * note, where rclone is not installed (`.ci/run` installs it when it can).
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'

import {Crypt, type CryptOptions, cipherRange, cryptRemoteFromConfig, decryptedSize, headerNonce, obscure, reveal, saveCryptRemote} from '../../src/lib/crypt/index.js'
import {RCLONE, rcloneSkip as skip} from '../rclone.js'
import '../helpers.js'

const run = promisify(execFile)

const MiB = 1024 * 1024
/** The plain tree: the sizes around a block's edges, a name with a version suffix, Unicode, spaces. */
const FILES: Array<[string, number]> = [
  ['zero bytes.txt', 0],
  ['one.txt', 1],
  ['report-v2001-02-03-040506-123.txt', 700],
  ['dir/edge-65535.bin', 65_535],
  ['dir/edge 65536.bin', 65_536],
  ['dir/sub/edge-65537.bin', 65_537],
  ['dir/sub/Ünïcødé 日本 big.bin', 5 * MiB + 123],
]
const EMPTY_FOLDER = 'dir/empty folder'
const BIG = FILES[FILES.length - 1][0]

function content(rel: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = [...rel].reduce((h, c) => (h * 31 + c.codePointAt(0)!) >>> 0, 7)
  for (let i = 0; i < size; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

interface Mode {
  label: string
  options: Omit<CryptOptions, 'password' | 'password2'>
}

const MODES: Mode[] = [
  {label: 'standard, base32, folder names encrypted', options: {filenameEncryption: 'standard', directoryNameEncryption: true, filenameEncoding: 'base32'}},
  {label: 'standard, base32, folder names in clear', options: {filenameEncryption: 'standard', directoryNameEncryption: false, filenameEncoding: 'base32'}},
  {label: 'off (plain names + .bin)', options: {filenameEncryption: 'off', directoryNameEncryption: true, filenameEncoding: 'base32'}},
  {label: 'obfuscate', options: {filenameEncryption: 'obfuscate', directoryNameEncryption: true, filenameEncoding: 'base32'}},
  {label: 'standard, base64', options: {filenameEncryption: 'standard', directoryNameEncryption: true, filenameEncoding: 'base64'}},
  {label: 'standard, base32768, folder names in clear', options: {filenameEncryption: 'standard', directoryNameEncryption: false, filenameEncoding: 'base32768'}},
]
const PASSWORD = 'correct horse ✓'
const PASSWORD2 = 'battery staple'

// A skipped test (rather than a skipped suite) so the run's summary counts it and prints why.
if (skip) it('crypt interop with real rclone', {skip}, () => {})
else describe(`crypt interop with real rclone (${RCLONE})`, () => {
  let root: string
  let plainDir: string
  let emptyConf: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'alipan-rclone-'))
    plainDir = join(root, 'plain')
    for (const [rel, size] of FILES) {
      await mkdir(dirname(join(plainDir, rel)), {recursive: true})
      await writeFile(join(plainDir, rel), content(rel, size))
    }
    await mkdir(join(plainDir, EMPTY_FOLDER), {recursive: true})
    emptyConf = join(root, 'empty.conf')
    await writeFile(emptyConf, '')
  })

  after(async () => {
    await rm(root, {recursive: true, force: true})
  })

  /** The crypt remote `V:` over `encDir`, configured by environment alone. */
  function remoteEnv(encDir: string, mode: Mode): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: root,
      RCLONE_CONFIG_V_TYPE: 'crypt',
      RCLONE_CONFIG_V_REMOTE: encDir,
      // Obscured by our obscure(): rclone revealing it is part of what is tested.
      RCLONE_CONFIG_V_PASSWORD: obscure(PASSWORD),
      RCLONE_CONFIG_V_PASSWORD2: obscure(PASSWORD2),
      RCLONE_CONFIG_V_FILENAME_ENCRYPTION: mode.options.filenameEncryption,
      RCLONE_CONFIG_V_DIRECTORY_NAME_ENCRYPTION: String(mode.options.directoryNameEncryption),
      RCLONE_CONFIG_V_FILENAME_ENCODING: mode.options.filenameEncoding,
    }
  }

  async function rclone(encDir: string, mode: Mode, args: string[]): Promise<string> {
    return (await run('rclone', ['--config', emptyConf, ...args], {env: remoteEnv(encDir, mode), maxBuffer: 64 * MiB, encoding: 'utf8'})).stdout
  }

  async function rcloneBytes(encDir: string, mode: Mode, args: string[]): Promise<Buffer> {
    return (await run('rclone', ['--config', emptyConf, ...args], {env: remoteEnv(encDir, mode), maxBuffer: 64 * MiB, encoding: 'buffer'})).stdout
  }

  /** Every file and folder under `dir`, relative, POSIX separators. */
  async function walk(dir: string, rel = ''): Promise<Array<{rel: string; folder: boolean}>> {
    const out: Array<{rel: string; folder: boolean}> = []
    for (const entry of await readdir(join(dir, rel), {withFileTypes: true})) {
      const child = rel ? `${rel}/${entry.name}` : entry.name
      out.push({rel: child, folder: entry.isDirectory()})
      if (entry.isDirectory()) out.push(...(await walk(dir, child)))
    }
    return out
  }

  for (const mode of MODES) {
    describe(mode.label, () => {
      let crypt: Crypt
      before(async () => {
        crypt = await Crypt.create({password: PASSWORD, password2: PASSWORD2, ...mode.options})
      })

      it('what we encrypt, rclone lists and reads byte for byte (and seeks into)', async () => {
        const encDir = join(root, `ours-${MODES.indexOf(mode)}`)
        for (const [rel] of FILES) {
          const stored = join(encDir, crypt.names.encryptFilePath(rel))
          await mkdir(dirname(stored), {recursive: true})
          await pipeline(createReadStream(join(plainDir, rel)), crypt.encryptStream(), createWriteStream(stored))
        }
        await mkdir(join(encDir, crypt.names.encryptDirPath(EMPTY_FOLDER)), {recursive: true})

        const listed = JSON.parse(await rclone(encDir, mode, ['lsjson', '-R', 'V:'])) as Array<{Path: string; Size: number; IsDir: boolean}>
        const files = new Map(listed.filter((e) => !e.IsDir).map((e) => [e.Path, e.Size]))
        assert.deepEqual(files, new Map(FILES), 'rclone sees our names and plain sizes')
        assert.deepEqual(listed.filter((e) => e.IsDir).map((e) => e.Path).sort(), ['dir', EMPTY_FOLDER, 'dir/sub'].sort())

        const out = join(root, `rclone-read-${MODES.indexOf(mode)}`)
        await rclone(encDir, mode, ['copy', 'V:', out])
        for (const [rel, size] of FILES) assert.ok((await readFile(join(out, rel))).equals(content(rel, size)), `${rel} read back by rclone`)

        // rclone's own Range reads land inside our blocks: it must derive the same nonces (the
        // same in every name mode, so once).
        if (MODES.indexOf(mode) > 0) return
        for (const [offset, count] of [
          [65_530, 20],
          [131_071, 65_538],
          [5 * MiB + 100, 23],
        ]) {
          const piece = await rcloneBytes(encDir, mode, ['cat', '--offset', String(offset), '--count', String(count), `V:${BIG}`])
          assert.ok(piece.equals(content(BIG, 5 * MiB + 123).subarray(offset, offset + count)), `rclone cat --offset ${offset} --count ${count}`)
        }
      })

      it('what rclone encrypts, we name and decrypt byte for byte, whole and by ranges across block edges', async () => {
        const encDir = join(root, `theirs-${MODES.indexOf(mode)}`)
        await rclone(encDir, mode, ['copy', '--create-empty-src-dirs', plainDir, 'V:'])

        const stored = await walk(encDir)
        const names = stored.map((e) => (e.folder ? crypt.names.decryptDirPath(e.rel) : crypt.names.decryptFilePath(e.rel)))
        assert.deepEqual(new Set(names), new Set([...FILES.map(([rel]) => rel), 'dir', 'dir/sub', EMPTY_FOLDER]))

        for (const entry of stored.filter((e) => !e.folder)) {
          const rel = crypt.names.decryptFilePath(entry.rel)
          const size = FILES.find(([name]) => name === rel)![1]
          const path = join(encDir, entry.rel)
          const encrypted = (await stat(path)).size
          assert.equal(decryptedSize(encrypted), size, `${rel}: size by formula`)
          const parts: Buffer[] = []
          await pipeline(createReadStream(path, {highWaterMark: 100_000}), crypt.decryptStream({label: rel, expectedBytes: encrypted}), async (source: AsyncIterable<Buffer>) => {
            for await (const chunk of source) parts.push(chunk)
          })
          assert.ok(Buffer.concat(parts).equals(content(rel, size)), `${rel} decrypted`)

          if (rel !== BIG) continue
          // A Range read: the 32-byte header for the nonce, then only the blocks the range needs.
          const handle = await open(path)
          try {
            const header = Buffer.alloc(32)
            await handle.read(header, 0, 32, 0)
            const nonce = headerNonce(header, rel)
            for (const [start, end] of [
              [0, 1],
              [65_535, 65_537],
              [65_536, 131_072],
              [131_071, 131_073 + 100_000],
              [size - 10, size],
              [3 * 65_536 - 1, 3 * 65_536],
            ]) {
              const range = cipherRange(start, end, size)
              const slice = Buffer.alloc(range.cipherEnd - range.cipherStart)
              await handle.read(slice, 0, slice.length, range.cipherStart)
              const plain: Buffer[] = []
              for await (const chunk of crypt.decrypt([slice], {range: {nonce, firstBlock: range.firstBlock, discard: range.discard, length: end - start}, expectedBytes: slice.length})) plain.push(chunk)
              assert.ok(Buffer.concat(plain).equals(content(rel, size).subarray(start, end)), `range ${start}-${end}`)
            }
          } finally {
            await handle.close()
          }
        }
      })
    })
  }

  it('obscure/reveal agree with rclone both ways', async () => {
    const env = {PATH: process.env.PATH, HOME: root}
    for (const secret of ['potato', 'pässwörd with spaces ✓', '']) {
      const theirs = (await run('rclone', ['--config', emptyConf, 'obscure', '--', secret], {env})).stdout.trim()
      assert.equal(reveal(theirs), secret)
      assert.equal((await run('rclone', ['--config', emptyConf, 'reveal', '--', obscure(secret)], {env})).stdout.replace(/\n$/, ''), secret)
    }
  })

  it('an rclone.conf section rclone wrote, we read; one we wrote, rclone uses', async () => {
    const encDir = join(root, 'conf-remote')
    const plainFile = join(plainDir, 'dir/sub/edge-65537.bin')
    const env = {PATH: process.env.PATH, HOME: root}
    const theirs = join(root, 'theirs.conf')
    await writeFile(theirs, '')
    await run('rclone', ['--config', theirs, 'config', 'create', 'vault', 'crypt', `remote=${encDir}`, 'password=pw one', 'password2=salt two', 'filename_encryption=obfuscate', 'directory_name_encryption=false'], {env})
    await run('rclone', ['--config', theirs, 'copy', plainFile, 'vault:x'], {env})
    const config = cryptRemoteFromConfig(await readFile(theirs, 'utf8'), 'vault')
    assert.deepEqual({...config, remote: undefined}, {name: 'vault', remote: undefined, password: 'pw one', password2: 'salt two', filenameEncryption: 'obfuscate', directoryNameEncryption: false, filenameEncoding: 'base32'})
    const crypt = await Crypt.fromRcloneConfig(config)
    const [stored] = (await walk(encDir)).filter((e) => !e.folder)
    assert.equal(crypt.names.decryptFilePath(stored.rel), 'x/edge-65537.bin')
    const plain: Buffer[] = []
    for await (const chunk of crypt.decrypt(createReadStream(join(encDir, stored.rel)))) plain.push(chunk)
    assert.ok(Buffer.concat(plain).equals(await readFile(plainFile)))

    const ours = join(root, 'ours.conf')
    await saveCryptRemote(ours, {...config, name: 'mine'})
    assert.equal((await run('rclone', ['--config', ours, 'lsf', '-R', 'mine:'], {env})).stdout, 'x/\nx/edge-65537.bin\n')
    assert.ok((await run('rclone', ['--config', ours, 'cat', 'mine:x/edge-65537.bin'], {env, encoding: 'buffer', maxBuffer: 4 * MiB})).stdout.equals(await readFile(plainFile)))
  })
})
