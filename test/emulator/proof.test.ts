import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, it} from 'node:test'
import '../helpers.js'
import {preHash, proofCode, proofRange, sha1Hex} from './proof.js'

// the 3000-byte file of the §5.4 test vector: byte i = (7·i + 3) mod 256
const vectorFile = Buffer.from(Array.from({length: 3000}, (_, i) => (7 * i + 3) % 256))
const TOKEN = 'test-access-token'

describe('§5.4 proof_code v1 test vector', () => {
  it('MD5 of the token and its unsigned 64-bit prefix', () => {
    assert.equal(createHash('md5').update(TOKEN).digest('hex'), 'c47c598d9b3d8a7695818ec4a60fb9f2')
    assert.equal(BigInt('0xc47c598d9b3d8a76'), 14158289793275759222n)
  })

  it('3000-byte file: range 2222..2230, proof xczT2uHo7/Y=', () => {
    assert.deepEqual(proofRange(TOKEN, 3000), {start: 2222, end: 2230})
    assert.equal(proofCode(TOKEN, vectorFile), 'xczT2uHo7/Y=')
  })

  it('3000-byte file: pre_hash and content_hash (§5.3)', () => {
    assert.equal(preHash(vectorFile), 'D48DD3C1EECCAD4E67BA2FB337A050A6CB306F44')
    assert.equal(sha1Hex(vectorFile), 'FF0F60646FBAEA7C324C3F247B4F9871DAC279C2')
  })

  it('"hello": range 2..5, proof bGxv (fewer than 8 bytes at the end)', () => {
    assert.deepEqual(proofRange(TOKEN, 5), {start: 2, end: 5})
    assert.equal(proofCode(TOKEN, Buffer.from('hello')), 'bGxv')
  })

  it('empty file: proof "" and the well-known SHA-1', () => {
    assert.equal(proofCode(TOKEN, Buffer.alloc(0)), '')
    assert.equal(sha1Hex(Buffer.alloc(0)), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709')
  })

  it('pre_hash covers only the first 1024 bytes (§5.3)', () => {
    const a = Buffer.concat([vectorFile.subarray(0, 1024), Buffer.from('tail A')])
    const b = Buffer.concat([vectorFile.subarray(0, 1024), Buffer.from('tail B')])
    assert.equal(preHash(a), preHash(b))
    assert.notEqual(sha1Hex(a), sha1Hex(b))
  })
})
