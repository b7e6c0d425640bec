import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {describe, it} from 'node:test'
import {inspect} from 'node:util'

import {
  BLOCK_DATA_SIZE,
  BLOCK_SIZE,
  CorruptBlockError,
  Crypt,
  CryptError,
  DEFAULT_SALT,
  Decryptor,
  Encryptor,
  NameCipher,
  NotEncryptedError,
  TruncatedError,
  WrongPasswordError,
  cipherRange,
  cryptRemoteFromConfig,
  decodeName,
  decryptedSize,
  deriveKeys,
  encodeName,
  encryptedSize,
  formatCryptSection,
  headerNonce,
  loadNameEncoding,
  loadSecretbox,
  nonceForBlock,
  obscure,
  reveal,
  saveCryptRemote,
  withSection,
} from '../../src/lib/crypt/index.js'
import {emeTransform} from '../../src/lib/crypt/eme.js'
import {scryptBytes} from '../../src/lib/crypt/keys.js'
import type {Secretbox} from '../../src/lib/crypt/secretbox.js'
import {ExitCode, UsageError} from '../../src/lib/errors.js'
import '../helpers.js'

// Vectors below come from rclone's backend/crypt/cipher_test.go and fs/config/obscure tests, and
// from rfjakob/eme's tests (the EME-32 draft); rclone's tests use an empty password: all-zero keys.
const ZERO_KEYS = {dataKey: Buffer.alloc(32), nameKey: Buffer.alloc(32), nameTweak: Buffer.alloc(16)}
/** The nonce rclone's tests get from their counting "random" source: 0x01…0x18. */
const COUNTING_NONCE = Buffer.from(Array.from({length: 24}, (_, i) => i + 1))
const HEADER = Buffer.concat([Buffer.from('RCLONE\0\0', 'latin1'), COUNTING_NONCE])

/** rclone's test data: byte(n % 257) for n = 1, 2, … */
function pattern(size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = ((i + 1) % 257) & 0xff
  return out
}

function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of source) parts.push(chunk)
  return Buffer.concat(parts)
}

/** The two secretbox libraries; native is skipped (with a note) where its addon does not load. */
async function backends(): Promise<Array<{name: string; box?: Secretbox; skip?: string}>> {
  const wasm = await loadSecretbox('wasm')
  const native = await loadSecretbox('native').then(
    (box) => ({name: 'native', box}),
    (error: Error) => ({name: 'native', skip: `sodium-native does not load here: ${error.message}`}),
  )
  return [{name: 'wasm', box: wasm}, native]
}

function encryptAll(box: Secretbox, key: Buffer, plain: Buffer, nonce: Buffer, chunkSize = plain.length || 1): Buffer {
  const encryptor = new Encryptor(box, key, nonce)
  return Buffer.concat([...chunks(plain, chunkSize).flatMap((c) => encryptor.push(c)), ...encryptor.finish()])
}

function decryptAll(box: Secretbox, key: Buffer, cipher: Buffer, options = {}, chunkSize = cipher.length || 1): Buffer {
  const decryptor = new Decryptor(box, key, options)
  return Buffer.concat([...chunks(cipher, chunkSize).flatMap((c) => decryptor.push(c)), ...decryptor.finish()])
}

/** What a decryption throws, with the plain bytes it had returned before. */
function failure(box: Secretbox, key: Buffer, cipher: Buffer, options = {}): {error: unknown; returned: number} {
  const decryptor = new Decryptor(box, key, options)
  let returned = 0
  try {
    for (const chunk of chunks(cipher, 10_000)) returned += Buffer.concat(decryptor.push(chunk)).length
    returned += Buffer.concat(decryptor.finish()).length
  } catch (error) {
    return {error, returned}
  }
  return {error: undefined, returned}
}

describe('crypt keys', () => {
  it("scrypt runs with rclone's parameters (RFC 7914 vector: N=16384, r=8, p=1)", async () => {
    const key = await scryptBytes('pleaseletmein', 'SodiumChloride', 64)
    assert.equal(key.toString('hex'), '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887')
  })

  it('80 bytes split 32/32/16; password2 is the salt, else the built-in one; empty password = zero keys', async () => {
    const keys = await deriveKeys('pw')
    const whole = await scryptBytes('pw', DEFAULT_SALT, 80)
    assert.deepEqual([keys.dataKey, keys.nameKey, keys.nameTweak], [whole.subarray(0, 32), whole.subarray(32, 64), whole.subarray(64, 80)])
    const salted = await deriveKeys('pw', 'salt')
    assert.deepEqual(salted.dataKey, (await scryptBytes('pw', 'salt', 80)).subarray(0, 32))
    assert.notDeepEqual(salted.dataKey, keys.dataKey)
    assert.deepEqual(await deriveKeys(''), ZERO_KEYS)
  })
})

describe('crypt file format: sizes, nonces, ranges', () => {
  it("encrypted and decrypted sizes (rclone's table)", () => {
    const table: Array<[number, number]> = [
      [0, 32],
      [1, 32 + 16 + 1],
      [65536, 32 + 16 + 65536],
      [65537, 32 + 16 + 65536 + 16 + 1],
      [1 << 20, 32 + 16 * (16 + 65536)],
      [(1 << 20) + 65535, 32 + 16 * (16 + 65536) + 16 + 65535],
      [2 ** 30, 32 + 16384 * (16 + 65536)],
      [2 ** 40 + 1, 32 + 16777216 * (16 + 65536) + 16 + 1],
    ]
    for (const [plain, cipher] of table) {
      assert.equal(encryptedSize(plain), cipher, `encryptedSize(${plain})`)
      assert.equal(decryptedSize(cipher), plain, `decryptedSize(${cipher})`)
    }
  })

  it('sizes no encrypted file has: empty or foreign, truncated header, a block without data', () => {
    assert.throws(() => decryptedSize(0), NotEncryptedError)
    for (const size of [1, 7, 31, 32 + 1, 32 + 16, 32 + 16 + 65536 + 1, 32 + 16 + 65536 + 16]) {
      assert.throws(() => decryptedSize(size, 'x.bin'), (error: unknown) => error instanceof TruncatedError && error.exitCode === ExitCode.crypt && /x\.bin/.test(error.message), `size ${size}`)
    }
  })

  it("the nonce counts blocks little-endian across all 24 bytes (rclone's carry cases)", () => {
    const ff = (n: number) => Buffer.concat([Buffer.alloc(n, 0xff), Buffer.alloc(24 - n)])
    const expect = (...bytes: number[]) => Buffer.concat([Buffer.from(bytes), Buffer.alloc(24 - bytes.length)])
    assert.deepEqual(nonceForBlock(Buffer.alloc(24), 1), expect(1))
    assert.deepEqual(nonceForBlock(ff(1), 1), expect(0, 1))
    assert.deepEqual(nonceForBlock(ff(1), 0xff), expect(0xfe, 1))
    assert.deepEqual(nonceForBlock(ff(4), 0xffffffff), expect(0xfe, 0xff, 0xff, 0xff, 1))
    assert.deepEqual(nonceForBlock(ff(6), 0xffffffffffff), expect(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 1))
    assert.deepEqual(nonceForBlock(ff(23), 1), expect(...Array(23).fill(0), 1))
    assert.deepEqual(nonceForBlock(ff(24), 1), Buffer.alloc(24), 'wraps around')
    assert.deepEqual(nonceForBlock(COUNTING_NONCE, 0), COUNTING_NONCE)
  })

  it('a range maps to whole blocks, clipped to the file', () => {
    const size = 3 * BLOCK_DATA_SIZE + 100
    assert.deepEqual(cipherRange(0, 1, size), {start: 0, end: 1, firstBlock: 0, blocks: 1, cipherStart: 32, cipherEnd: 32 + BLOCK_SIZE, discard: 0})
    assert.deepEqual(cipherRange(65535, 65537, size), {start: 65535, end: 65537, firstBlock: 0, blocks: 2, cipherStart: 32, cipherEnd: 32 + 2 * BLOCK_SIZE, discard: 65535})
    assert.deepEqual(cipherRange(65536, 65536 * 2, size), {start: 65536, end: 131072, firstBlock: 1, blocks: 1, cipherStart: 32 + BLOCK_SIZE, cipherEnd: 32 + 2 * BLOCK_SIZE, discard: 0})
    const tail = cipherRange(size - 1, size + 1000, size)
    assert.deepEqual(tail, {start: size - 1, end: size, firstBlock: 3, blocks: 1, cipherStart: 32 + 3 * BLOCK_SIZE, cipherEnd: encryptedSize(size), discard: 99})
    assert.equal(cipherRange(10, 10, size).blocks, 0)
  })
})

describe('crypt file contents', async () => {
  for (const {name, box, skip} of await backends()) {
    it(`${name}: rclone's file vectors (0, 1 and 16 bytes, zero key, counting nonce)`, {skip}, () => {
      const file1 = Buffer.concat([HEADER, Buffer.from('095b446cd6237bbcb08d09fb524ce565aa', 'hex')])
      const file16 = Buffer.concat([HEADER, Buffer.from('b9c4552a271006291896 0a3e608c29b9aa8a5e1e165b6d075de4e9bb367fd6d4'.replace(/ /g, ''), 'hex')])
      const vectors: Array<[Buffer, Buffer]> = [
        [Buffer.alloc(0), HEADER],
        [Buffer.from([1]), file1],
        [Buffer.from(Array.from({length: 16}, (_, i) => i + 1)), file16],
      ]
      for (const [plain, cipher] of vectors) {
        assert.deepEqual(encryptAll(box!, ZERO_KEYS.dataKey, plain, COUNTING_NONCE), cipher)
        assert.deepEqual(decryptAll(box!, ZERO_KEYS.dataKey, cipher), plain)
      }
    })

    it(`${name}: the same ciphertext whatever the chunking, and back (0 B … 3 blocks + 1)`, {skip}, () => {
      const key = createHash('sha256').update('k').digest()
      for (const size of [0, 1, 65535, 65536, 65537, 3 * 65536 + 1]) {
        const plain = pattern(size)
        const whole = encryptAll(box!, key, plain, COUNTING_NONCE)
        assert.equal(whole.length, encryptedSize(size))
        for (const chunk of [1, 7, 65535, 65536, 65537, 300_000]) {
          if (chunk === 1 && size !== 65537) continue // byte by byte across one block edge is enough
          assert.deepEqual(encryptAll(box!, key, plain, COUNTING_NONCE, chunk), whole, `encrypt ${size} in ${chunk}s`)
          assert.deepEqual(decryptAll(box!, key, whole, {}, chunk), plain, `decrypt ${size} in ${chunk}s`)
        }
      }
    })

    it(`${name}: ranges at and across block edges (rclone's seek trials)`, {skip}, () => {
      const key = createHash('sha256').update('k').digest()
      const size = 150_000
      const plain = pattern(size)
      const cipher = encryptAll(box!, key, plain, COUNTING_NONCE)
      const nonce = headerNonce(cipher.subarray(0, 32))
      const offsets = [0, 1, 2, 15, 16, 17, 31, 32, 33, 4095, 4096, 65535, 65536, 65537, 131071, 131072, 131073, size - 1, size]
      const limits = [0, 1, 65535, 65536, 65537, 131071, 131072, 131073, size]
      for (const offset of offsets) {
        for (const limit of limits) {
          const range = cipherRange(offset, offset + limit, size)
          const got = decryptAll(box!, key, cipher.subarray(range.cipherStart, range.cipherEnd), {
            range: {nonce, firstBlock: range.firstBlock, discard: range.discard, length: range.end - range.start},
            expectedBytes: range.cipherEnd - range.cipherStart,
          })
          assert.deepEqual(got, plain.subarray(offset, offset + limit), `offset ${offset}, limit ${limit}`)
        }
      }
    })
  }

  it('both libraries seal alike, and each opens what the other sealed', async (t) => {
    const all = await backends()
    const [wasm, native] = all
    if (native.skip) return t.skip(native.skip)
    const key = createHash('sha256').update('k').digest()
    const plain = pattern(200_000)
    const a = encryptAll(wasm.box!, key, plain, COUNTING_NONCE)
    assert.deepEqual(encryptAll(native.box!, key, plain, COUNTING_NONCE), a)
    assert.deepEqual(decryptAll(native.box!, key, a), plain)
  })

  it('a random nonce by default: two encryptions of one file differ, both decrypt', async () => {
    const crypt = await Crypt.create({password: 'pw'})
    const plain = pattern(1000)
    const a = await collect(crypt.encrypt([plain]))
    const b = await collect(crypt.encrypt([plain]))
    assert.notDeepEqual(a.subarray(8, 32), b.subarray(8, 32))
    assert.deepEqual(await collect(crypt.decrypt([a])), plain)
    assert.deepEqual(await collect(crypt.decrypt([b])), plain)
  })

  it('Transform streams: pipeline through encrypt then decrypt gives the bytes back', async () => {
    const crypt = await Crypt.create({password: 'pw'})
    const plain = pattern(5 * 65536 + 3)
    const out: Buffer[] = []
    await pipeline(Readable.from(chunks(plain, 10_000)), crypt.encryptStream(), crypt.decryptStream({expectedBytes: encryptedSize(plain.length)}), new Writable({write: (c, _e, done) => (out.push(c), done())}))
    assert.deepEqual(Buffer.concat(out), plain)
  })

  it('ciphertextSha1 under a recorded nonce equals the SHA-1 of the file that nonce produced', async () => {
    const crypt = await Crypt.create({password: 'pw'})
    const plain = pattern(3 * 65536 + 5)
    const file = await collect(crypt.encrypt(chunks(plain, 4096)))
    const {sha1, size} = await crypt.ciphertextSha1(chunks(plain, 1000), headerNonce(file))
    assert.equal(size, file.length)
    assert.equal(sha1, createHash('sha1').update(file).digest('hex').toUpperCase())
  })

  it('the keys never show in inspect or JSON output of a Crypt', async () => {
    const crypt = await Crypt.create({password: 'secret-pw'})
    const keys = await deriveKeys('secret-pw')
    const shown = inspect(crypt, {depth: 10, showHidden: true}) + JSON.stringify(crypt)
    for (const key of [keys.dataKey, keys.nameKey, keys.nameTweak]) {
      assert.ok(!shown.includes(key.toString('hex')) && !shown.includes(key.toString('base64')), 'a key leaked')
      assert.ok(!shown.includes(`${key[0]}, ${key[1]}, ${key[2]}, ${key[3]}`), 'a key leaked as bytes')
    }
  })
})

describe('crypt failures: typed, named, exit 10', async () => {
  const box = await loadSecretbox()
  const key = createHash('sha256').update('right').digest()
  const wrong = createHash('sha256').update('wrong').digest()
  const plain = pattern(3 * 65536 + 100)
  const file = encryptAll(box, key, plain, COUNTING_NONCE)
  const damage = (at: number) => {
    const copy = Buffer.from(file)
    copy[at] ^= 0x40
    return copy
  }
  const is = (type: new (...args: never[]) => CryptError, code: string, pattern?: RegExp) => (error: unknown) =>
    error instanceof type && error.exitCode === ExitCode.crypt && error.code === code && (!pattern || pattern.test(error.message))

  it('wrong password: one line, for a multi-block and a one-block file, nothing returned', () => {
    for (const data of [file, encryptAll(box, key, pattern(10), COUNTING_NONCE)]) {
      const {error, returned} = failure(box, wrong, data, {label: 'docs/a.txt'})
      assert.ok(is(WrongPasswordError, 'CryptWrongPassword', /^Cannot decrypt docs\/a\.txt: wrong password, or not an rclone-crypt file\.$/)(error), String(error))
      assert.equal(returned, 0)
    }
  })

  it('not an rclone-crypt file: bad magic, empty, or too short to be one', () => {
    const plainFile = Buffer.from('just some text that is long enough to have a header')
    assert.ok(is(NotEncryptedError, 'CryptNotEncrypted', /RCLONE header/)(failure(box, key, plainFile).error))
    assert.ok(is(NotEncryptedError, 'CryptNotEncrypted', /empty/)(failure(box, key, Buffer.alloc(0)).error))
    assert.ok(is(NotEncryptedError, 'CryptNotEncrypted')(failure(box, key, Buffer.from('RC-')).error))
  })

  it('a corrupted block fails alone and named, after the good blocks before it', () => {
    for (const block of [1, 2, 3]) {
      const {error, returned} = failure(box, key, damage(32 + block * BLOCK_SIZE + 20), {label: 'f.bin'})
      assert.ok(is(CorruptBlockError, 'CryptCorruptBlock', new RegExp(`f\\.bin: block ${block} `))(error), String(error))
      assert.equal((error as CorruptBlockError).block, block)
      assert.equal(returned, block * BLOCK_DATA_SIZE, 'only the blocks before it came out')
    }
  })

  it('a corrupted first block is told from a wrong password by the block after it', () => {
    const {error, returned} = failure(box, key, damage(32 + 5))
    assert.ok(is(CorruptBlockError, 'CryptCorruptBlock', /block 0 /)(error), String(error))
    assert.equal(returned, 0)
    // A flipped tag byte is the same: the block does not authenticate.
    assert.ok(is(CorruptBlockError, 'CryptCorruptBlock', /block 0 /)(failure(box, key, damage(32)).error))
  })

  it('truncated: inside the header, inside a tag, inside a block (with the expected size), or on a block edge', () => {
    const cut = (n: number, options = {}) => failure(box, key, file.subarray(0, n), options).error
    assert.ok(is(TruncatedError, 'CryptTruncated', /10 of the 32 header bytes/)(cut(10)))
    assert.ok(is(TruncatedError, 'CryptTruncated', /tag of block 1/)(cut(32 + BLOCK_SIZE + 5)))
    const expectedBytes = file.length
    assert.ok(is(TruncatedError, 'CryptTruncated', /of \d+ bytes/)(cut(32 + BLOCK_SIZE + 100, {expectedBytes})))
    assert.ok(is(TruncatedError, 'CryptTruncated')(cut(32 + 2 * BLOCK_SIZE, {expectedBytes})), 'a cut on a block edge, seen through the expected size')
    assert.ok(is(TruncatedError, 'CryptTruncated')(cut(0, {expectedBytes})))
    // Without the size, a cut inside a block is an authentication failure of that block.
    assert.ok(is(CorruptBlockError, 'CryptCorruptBlock', /block 1 /)(cut(32 + BLOCK_SIZE + 100)))
  })

  it('more bytes than expected is corruption, not a silent success', () => {
    assert.ok(is(CorruptBlockError, 'CryptCorruptBlock', /more than/)(failure(box, key, Buffer.concat([file, Buffer.alloc(5)]), {expectedBytes: file.length}).error))
  })

  it('a Transform fails the pipeline with the typed error', async () => {
    const crypt = await Crypt.create({password: 'a'})
    const other = await Crypt.create({password: 'b'})
    const data = await collect(crypt.encrypt([pattern(70_000)]))
    await assert.rejects(pipeline(Readable.from([data]), other.decryptStream({label: 'x'}), new Writable({write: (_c, _e, done) => done()})), WrongPasswordError)
  })
})

describe('crypt names', () => {
  const cipher = (mode: 'standard' | 'obfuscate' | 'off', encoding: 'base32' | 'base64' | 'base32768' = 'base32', encryptDirectories = true, suffix?: string) =>
    NameCipher.create(ZERO_KEYS, {mode, encoding, encryptDirectories, suffix})
  const digits = ['1', '12', '123', '1234', '12345', '123456', '1234567', '12345678', '123456789', '1234567890', '12345678901', '123456789012', '1234567890123', '12345678901234', '123456789012345', '1234567890123456']

  it("encodings: rclone's base32 / base64 / base32768 vectors, both ways", async () => {
    await loadNameEncoding('base32768')
    const vectors = {
      base32: ['64', '64p0', '64p36', '64p36d0', '64p36d1l', '64p36d1l6o', '64p36d1l6org', '64p36d1l6orjg', '64p36d1l6orjge8', '64p36d1l6orjge9g', '64p36d1l6orjge9g64', '64p36d1l6orjge9g64p0', '64p36d1l6orjge9g64p36', '64p36d1l6orjge9g64p36d0', '64p36d1l6orjge9g64p36d1l', '64p36d1l6orjge9g64p36d1l6o'],
      base64: ['MQ', 'MTI', 'MTIz', 'MTIzNA', 'MTIzNDU', 'MTIzNDU2', 'MTIzNDU2Nw', 'MTIzNDU2Nzg', 'MTIzNDU2Nzg5', 'MTIzNDU2Nzg5MA', 'MTIzNDU2Nzg5MDE', 'MTIzNDU2Nzg5MDEy', 'MTIzNDU2Nzg5MDEyMw', 'MTIzNDU2Nzg5MDEyMzQ', 'MTIzNDU2Nzg5MDEyMzQ1', 'MTIzNDU2Nzg5MDEyMzQ1Ng'],
      base32768: ['㼿', '㻙ɟ', '㻙ⲿ', '㻙ⲍƟ', '㻙ⲍ⍟', '㻙ⲍ⍆ʏ', '㻙ⲍ⍆觟', '㻙ⲍ⍆觓ɧ', '㻙ⲍ⍆觓栯', '㻙ⲍ⍆觓栩ɣ', '㻙ⲍ⍆觓栩朧', '㻙ⲍ⍆觓栩朤ʅ', '㻙ⲍ⍆觓栩朤談', '㻙ⲍ⍆觓栩朤諆ɔ', '㻙ⲍ⍆觓栩朤諆媕', '㻙ⲍ⍆觓栩朤諆媕䆿'],
    } as const
    for (const [encoding, expected] of Object.entries(vectors) as Array<[keyof typeof vectors, readonly string[]]>) {
      assert.equal(encodeName(Buffer.alloc(0), encoding), '')
      digits.forEach((plain, i) => {
        assert.equal(encodeName(Buffer.from(plain), encoding), expected[i], `${encoding} ${plain}`)
        assert.equal(decodeName(expected[i], encoding).toString(), plain)
      })
    }
    assert.equal(decodeName('64P36D1L6ORJGE9G', 'base32').toString(), '1234567890', 'base32 ignores case')
    for (const bad of ['64=', '!', 'hello=hello']) assert.throws(() => decodeName(bad, 'base32'))
    for (const bad of ['64=', '!', 'Hello=Hello']) assert.throws(() => decodeName(bad, 'base64'))
    for (const bad of ['㼿c', '!']) assert.throws(() => decodeName(bad, 'base32768'))
  })

  it("standard segments: rclone's vectors in all three encodings, and back", async () => {
    const vectors = {
      base32: ['p0e52nreeaj0a5ea7s64m4j72s', 'l42g6771hnv3an9cgc8cr2n1ng', 'qgm4avr35m5loi1th53ato71v0', '8ivr2e9plj3c3esisjpdisikos', 'rh9vu63q3o29eqmj4bg6gg7s44', 'bn717l3alepn75b2fb2ejmi4b4', 'n6bo9jmb1qe3b1ogtj5qkf19k8', 'u9t24j7uaq94dh5q53m3s4t9ok', '37hn305g6j12d1g0kkrl7ekbs4', 'ot8d91eplaglb62k2b1trm2qv0', 'h168vvrgb53qnrtvvmb378qrcs', 's3hsdf9e29ithrqbjqu01t8q2s', 'cf3jimlv1q2oc553mv7s3mh3eo', 'moq0uqdlqrblrc5pa5u5c7hq9g', 'eeam3li4rnommi3a762h5n7meg', 'mijbj0frqf6ms7frcr6bd9h0env53jv96pjaaoirk7forcgpt70g'],
      base64: ['yBxRX25ypgUVyj8MSxJnFw', 'qQUDHOGN_jVdLIMQzYrhvA', '1CxFf2Mti1xIPYlGruDh-A', 'RL-xOTmsxsG7kuTy2XJUxw', '3FP_GHoeBJdq0yLgaED8IQ', 'Xc4T1Gqrs3OVYnrE6dpEWQ', 'uZeEzssOnDWHEOzLqjwpog', '8noiTP5WkkbEuijsPhOpxQ', 'GeNxgLA0wiaGAKU3U7qL4Q', 'x1DUhdmqoVWYVBLD3dha-A', 'iEyP_3BZR6vvv_2WM6NbZw', '4OPGvS4SZdjvS568APUaFw', 'Y8c5Wr8OhYYUo7fPwdojdg', 'tjQPabXW112wuVF8Vh46TA', 'c5Vh1kTd8WtIajmFEtz2dA', 'tKa5gfvTzW4d-2bMtqYgdf5Rz-k2ZqViW6HfjbIZ6cE'],
      base32768: ['詮㪗鐮僀伎作㻖㢧⪟', '竢朧䉱虃光塬䟛⣡蓟', '遶㞟鋅缕袡鲅ⵝ蝁ꌟ', '䢟銮䵵狌㐜燳谒颴詟', '钉Ꞇ㖃蚩憶狫朰杜㜿', '啇ᚵⵕ憗䋫➫➓肤卟', '茫螓翁連劘樓㶔抉矟', '龝☳䘊辄岅較络㧩襟', 'ⲱ苀㱆犂媐Ꮤ锇惫靟', '計宁憕偵匢皫╛纺ꌟ', '檆䨿鑫㪺藝ꡖ勇䦛婟', '雑頏䰂䲝淚哚鹡魺⪟', '塃璶繁躸圅㔟䗃肃懟', '腺ᕚ崚鏕鏥讥鼌䑺䲿', '怪绕滻蕶肣但⠥荖惟', '肳哀旚挶靏鏻㾭䱠慟㪳ꏆ賊兲铧敻塹魀ʟ'],
    } as const
    for (const [encoding, expected] of Object.entries(vectors) as Array<[keyof typeof vectors, readonly string[]]>) {
      const names = await cipher('standard', encoding)
      assert.equal(names.encryptSegment(''), '')
      digits.forEach((plain, i) => {
        assert.equal(names.encryptSegment(plain), expected[i], `${encoding} ${plain}`)
        assert.equal(names.decryptSegment(expected[i]), plain)
      })
    }
    assert.equal((await cipher('standard')).decryptSegment('P0E52NREEAJ0A5EA7S64M4J72S'), '1', 'upper-cased by a drive, still decrypts')
  })

  it('paths with and without directory-name encryption; version suffixes stay in clear', async () => {
    const on = await cipher('standard')
    const off = await cipher('standard', 'base32', false)
    const [a, b, c] = ['p0e52nreeaj0a5ea7s64m4j72s', 'l42g6771hnv3an9cgc8cr2n1ng', 'qgm4avr35m5loi1th53ato71v0']
    assert.equal(on.encryptFilePath('1/12/123'), `${a}/${b}/${c}`)
    assert.equal(off.encryptFilePath('1/12/123'), `1/12/${c}`)
    assert.equal(on.encryptFilePath('1/12-v2001-02-03-040506-123'), `${a}/${b}-v2001-02-03-040506-123`)
    assert.equal(off.encryptFilePath('1/12-v2001-02-03-040506-123'), `1/${b}-v2001-02-03-040506-123`)
    assert.equal(on.encryptDirPath('1/12/123'), `${a}/${b}/${c}`)
    assert.equal(off.encryptDirPath('1/12/123'), '1/12/123')
    assert.equal(on.decryptFilePath(`${a}/${b}/${c}`), '1/12/123')
    assert.equal(off.decryptFilePath(`1/12/${c}`), '1/12/123')
    assert.equal(on.decryptDirPath(`${a}/${b}`), '1/12')
    assert.equal(off.decryptDirPath(`${a}/${b}`), `${a}/${b}`)
    // Invalid dates are not versions (Feb 30; hour 24): the whole name is encrypted.
    assert.doesNotMatch(on.encryptFilePath('x-v2001-02-30-040506-123.txt'), /-v2001/)
    assert.doesNotMatch(on.encryptFilePath('x-v2001-02-03-240506-123'), /-v2001/)
    // A dot-file's version sits before no extension (rclone's splitExt).
    assert.match((await cipher('obfuscate')).encryptFilePath('.potato-v2001-02-03-040506-123'), /^\d+\.-v2001-02-03-040506-123\./)
    assert.throws(() => on.decryptFilePath(`${a}/1`), (error: unknown) => error instanceof CryptError && error.code === 'CryptBadName')
  })

  it("obfuscate: rclone's vectors, quoting, and round trips", async () => {
    const names = await cipher('obfuscate')
    assert.equal(names.encryptFilePath('1/12/123/!hello'), '49.6/99.23/150.890/53.!!lipps')
    assert.equal(names.encryptFilePath('1/12/123/!hello-v2001-02-03-040506-123'), '49.6/99.23/150.890/53-v2001-02-03-040506-123.!!lipps')
    assert.equal(names.encryptFilePath('1/12/123/hello-v2001-02-03-040506-123.txt'), '49.6/99.23/150.890/162.uryyB-v2001-02-03-040506-123.GKG')
    assert.equal(names.encryptFilePath('\u00a1'), '161.\u00e4')
    assert.equal(names.encryptFilePath('\u03a0'), '160.\u03c2')
    assert.equal((await cipher('obfuscate', 'base32', false)).encryptFilePath('1/12/123/!hello'), '1/12/123/53.!!lipps')
    assert.equal(names.decryptFilePath('!.hello'), 'hello')
    assert.equal(names.decryptFilePath('161.\u00e4'), '\u00a1')
    assert.equal((await cipher('obfuscate', 'base32', false)).decryptFilePath('1/12/123/53-v2001-02-03-040506-123.!!lipps'), '1/12/123/!hello-v2001-02-03-040506-123')
    assert.throws(() => names.decryptFilePath('hello'), CryptError)
    for (const plain of ['1/2/3/4/!hello\u03a0', 'Avatar The Last Airbender', 'Ünïcødé 日本語 😀.txt', 'a\ud800b']) {
      assert.equal(names.decryptFilePath(names.encryptFilePath(plain)), plain, plain)
    }
  })

  it('off: plain names plus a suffix on files; folders unchanged', async () => {
    const names = await cipher('off')
    assert.equal(names.encryptFilePath('1/12/123'), '1/12/123.bin')
    assert.equal(names.encryptDirPath('1/12/123'), '1/12/123')
    assert.equal(names.decryptFilePath('1/12/123.bin'), '1/12/123')
    assert.equal(names.decryptFilePath('1/12/123-v2001-02-03-040506-123.bin'), '1/12/123-v2001-02-03-040506-123')
    assert.equal(names.decryptDirPath('1/12/123.bin'), '1/12/123.bin')
    for (const bad of ['1/12/123.bix', '.bin']) assert.throws(() => names.decryptFilePath(bad), CryptError)
    assert.equal((await cipher('off', 'base32', true, '.jpg')).decryptFilePath('1/12/123.jpg'), '1/12/123')
    assert.equal((await cipher('off', 'base32', true, 'none')).encryptFilePath('1/12/123'), '1/12/123')
  })

  it('names that are not encrypted names fail with BadNameError (exit 10), never decrypt to garbage', async () => {
    const names = await cipher('standard')
    const rejects = (stored: string) => assert.throws(() => names.decryptSegment(stored), (error: unknown) => error instanceof CryptError && error.code === 'CryptBadName', stored)
    rejects('64=')
    rejects('!')
    rejects('a'.repeat(3328))
    rejects(encodeName(Buffer.from('a'), 'base32'))
    rejects(encodeName(Buffer.from('123456789abcdef'), 'base32'))
    rejects(encodeName(Buffer.from('123456789abcdef0'), 'base32')) // decrypts, but its padding is wrong
    rejects('notes.txt')
    assert.throws(() => names.encryptSegment('x'.repeat(2048)), UsageError)
  })
})

describe('EME (AES-256 wide-block), EME-32 draft vectors', () => {
  const zeroKey = Buffer.alloc(32)
  const zeroTweak = Buffer.alloc(16)
  const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex')

  it('16, 512 and 2048 zero bytes, both directions', () => {
    assert.equal(emeTransform(zeroKey, zeroTweak, Buffer.alloc(16), 'encrypt').toString('hex'), 'f1b9ce8ca15a4ba9fb476905434b9fd3')
    const enc512 = emeTransform(zeroKey, zeroTweak, Buffer.alloc(512), 'encrypt')
    assert.equal(enc512.subarray(0, 16).toString('hex'), '9f2e6c3daecae79e8839b0588ff378cd')
    assert.equal(sha1(enc512), 'a3ae2f3c9011c3d3482e29ed8e1d400ff149ff65')
    const dec512 = emeTransform(zeroKey, zeroTweak, Buffer.alloc(512), 'decrypt')
    assert.equal(dec512.subarray(0, 16).toString('hex'), '080905dee8ebcc89f68bd1af635db3f5')
    assert.equal(sha1(dec512), '1dee7e165efa5a74d9d78860ea7928dc9ffbc572')
    const enc2048 = emeTransform(zeroKey, zeroTweak, Buffer.alloc(2048), 'encrypt')
    assert.equal(enc2048.subarray(0, 16).toString('hex'), '630500884158a8d41216aaa6351e92ea')
    assert.equal(sha1(enc2048), '9cb4342ff606cebb8dae95f6378081a4c9b0d261')
    assert.deepEqual(emeTransform(zeroKey, zeroTweak, enc2048, 'decrypt'), Buffer.alloc(2048))
    assert.throws(() => emeTransform(zeroKey, zeroTweak, Buffer.alloc(2064), 'encrypt'))
  })
})

describe('rclone obscure and rclone.conf', () => {
  it("obscure/reveal: rclone's vectors (fixed IVs) and refusals (exit 2)", () => {
    assert.equal(obscure('', Buffer.from('aaaaaaaaaaaaaaaa')), 'YWFhYWFhYWFhYWFhYWFhYQ')
    assert.equal(obscure('potato', Buffer.from('aaaaaaaaaaaaaaaa')), 'YWFhYWFhYWFhYWFhYWFhYXMaGgIlEQ')
    assert.equal(obscure('potato', Buffer.from('bbbbbbbbbbbbbbbb')), 'YmJiYmJiYmJiYmJiYmJiYp3gcEWbAw')
    assert.equal(reveal('YWFhYWFhYWFhYWFhYWFhYXMaGgIlEQ'), 'potato')
    assert.equal(reveal('YmJiYmJiYmJiYmJiYmJiYp3gcEWbAw'), 'potato')
    assert.equal(reveal(obscure('pässwörd 🔑')), 'pässwörd 🔑')
    for (const bad of ['YmJiYmJiYmJiYmJiYmJiYp*gcEWbAw', 'aGVsbG8', '', 'correcthorsebatterystaples']) {
      assert.throws(() => reveal(bad, 'the password of [v]'), (error: unknown) => error instanceof UsageError && error.exitCode === ExitCode.usage && error.code === 'BadObscuredValue' && /password of \[v\]/.test(error.message), bad)
    }
  })

  const conf = [
    '# my remotes',
    '[drive]',
    'type = webdav',
    'url = http://localhost:5244/dav',
    '',
    '[vault]',
    'type = crypt',
    'remote = drive:/vault',
    `password = ${obscure('pw one')}`,
    `password2 = ${obscure('salt two')}`,
    'filename_encryption = obfuscate',
    'directory_name_encryption = false',
    'filename_encoding = base64',
    '',
    '[plain]',
    'type = crypt',
    'remote = /mnt/x',
    `password = "${obscure('p')}"`,
    '',
  ].join('\n')

  it('reads a crypt section: passwords revealed, defaults for what is not set', () => {
    assert.deepEqual(cryptRemoteFromConfig(conf, 'vault'), {
      name: 'vault',
      remote: 'drive:/vault',
      password: 'pw one',
      password2: 'salt two',
      filenameEncryption: 'obfuscate',
      directoryNameEncryption: false,
      filenameEncoding: 'base64',
    })
    assert.deepEqual(cryptRemoteFromConfig(conf, 'plain'), {name: 'plain', remote: '/mnt/x', password: 'p', password2: '', filenameEncryption: 'standard', directoryNameEncryption: true, filenameEncoding: 'base32'})
  })

  it('refuses with exit 2 and the reason: no such section, not crypt, bad obscured value, bad setting, encrypted file', () => {
    const refuses = (text: string, name: string, code: string, message: RegExp) =>
      assert.throws(() => cryptRemoteFromConfig(text, name), (error: unknown) => error instanceof UsageError && error.exitCode === 2 && error.code === code && message.test(error.message), `${name}: ${code}`)
    refuses(conf, 'nope', 'RcloneConfigNoSection', /no section \[nope\]/)
    assert.throws(() => cryptRemoteFromConfig(conf, 'nope'), (error: unknown) => (error as UsageError).hint === 'its crypt sections: vault, plain')
    refuses(conf, 'drive', 'RcloneConfigNotCrypt', /webdav, not a crypt remote/)
    refuses(conf.replace(/^password = .*$/m, 'password = not*obscured'), 'vault', 'BadObscuredValue', /the password of \[vault\]/)
    refuses(conf.replace(/^password2 = .*$/m, 'password2 = abc'), 'vault', 'BadObscuredValue', /password2 of \[vault\]/)
    refuses(conf.replace('filename_encryption = obfuscate', 'filename_encryption = rot13'), 'vault', 'RcloneConfigBadValue', /rot13/)
    refuses(conf.replace('directory_name_encryption = false', 'directory_name_encryption = maybe'), 'vault', 'RcloneConfigBadValue', /maybe/)
    refuses(`${conf}\n[nd]\ntype = crypt\nremote = /x\npassword = ${obscure('p')}\nno_data_encryption = true\n`, 'nd', 'RcloneConfigUnsupported', /no_data_encryption/)
    refuses('[v]\ntype = crypt\nremote = /x\n', 'v', 'RcloneConfigIncomplete', /no password/)
    refuses('# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\nabcdef', 'v', 'RcloneConfigEncrypted', /encrypted/)
    refuses('just text', 'v', 'RcloneConfigSyntax', /line 1/)
  })

  it('writes a section rclone reads back (obscured passwords), replacing only that section', async () => {
    const config = {name: 'vault', remote: 'alipan:/vault', password: 'new pw', password2: '', filenameEncryption: 'standard' as const, directoryNameEncryption: true, filenameEncoding: 'base32' as const}
    const section = formatCryptSection(config)
    assert.doesNotMatch(section, /new pw/)
    assert.doesNotMatch(section, /password2/)
    const updated = withSection(conf, 'vault', section)
    assert.deepEqual(cryptRemoteFromConfig(updated, 'vault'), config)
    assert.equal(cryptRemoteFromConfig(updated, 'plain').password, 'p', 'the other sections are untouched')
    assert.match(updated, /^# my remotes\n\[drive\]\ntype = webdav\n/)
    assert.equal(updated.split('[vault]').length, 2)
    assert.deepEqual(cryptRemoteFromConfig(withSection('', 'vault', section), 'vault'), config)

    const dir = await mkdtemp(join(tmpdir(), 'alipan-conf-'))
    try {
      const path = join(dir, 'rclone.conf')
      await writeFile(path, conf)
      await saveCryptRemote(path, config)
      assert.deepEqual(cryptRemoteFromConfig(await readFile(path, 'utf8'), 'vault'), config)
      if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('crypt output pools', () => {
  it('blocks come from the pool given, and the bytes are the same as without one', async () => {
    const {BufferPool} = await import('../../src/lib/transfer/file-chunks.js')
    const box = await loadSecretbox()
    const key = createHash('sha256').update('k').digest()
    const plain = pattern(3 * 65536 + 7)
    const pool = new BufferPool(BLOCK_SIZE, 4)
    const given = pool.take()
    pool.give(given)
    const encryptor = new Encryptor(box, key, COUNTING_NONCE, pool)
    const blocks = [...encryptor.push(plain), ...encryptor.finish()]
    assert.equal(blocks[1].buffer, given.buffer, 'the first sealed block went into the pooled buffer')
    assert.deepEqual(Buffer.concat(blocks), encryptAll(box, key, plain, COUNTING_NONCE))
    const decryptor = new Decryptor(box, key, {output: pool})
    assert.deepEqual(Buffer.concat([...decryptor.push(Buffer.concat(blocks)), ...decryptor.finish()]), plain)
  })
})
