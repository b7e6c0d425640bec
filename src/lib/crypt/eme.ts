import {createCipheriv, createDecipheriv} from 'node:crypto'

/**
 * EME (ECB-Mix-ECB, Halevi and Rogaway 2003), the wide-block mode rclone encrypts names with:
 * deterministic, and a change anywhere in the name changes all of it. No maintained npm package
 * offers it, so it is this short mode over node:crypto's AES (ECB, no padding: one call per pass
 * over all blocks), checked against the EME-32 draft's vectors and rclone's own name vectors.
 * The doubling in GF(2^128) follows the draft (and rfjakob/eme, which rclone uses): little-endian,
 * reduction constant 135.
 */
export type EmeDirection = 'encrypt' | 'decrypt'

const BLOCK = 16
/** EME handles 1 to 128 blocks (16 to 2048 bytes). */
export const EME_MAX_BYTES = BLOCK * 128

export function emeTransform(key: Uint8Array, tweak: Uint8Array, input: Uint8Array, direction: EmeDirection): Buffer {
  if (tweak.length !== BLOCK) throw new Error(`internal: the EME tweak has ${BLOCK} bytes, not ${tweak.length}`)
  if (input.length === 0 || input.length % BLOCK !== 0 || input.length > EME_MAX_BYTES) {
    throw new Error(`internal: EME takes 1 to 128 whole 16-byte blocks, not ${input.length} bytes`)
  }
  const m = input.length / BLOCK
  const pass = (data: Buffer) => aesEcb(key, data, direction)
  // L = 2·AES-enc(K, 0), in both directions.
  const l = aesEcb(key, Buffer.alloc(BLOCK), 'encrypt')
  double(l)

  // PPj = 2^(j-1)·L ⊕ Pj, then PPPj = AES(PPj), all blocks in one pass.
  const masks = Buffer.allocUnsafe(input.length)
  for (let j = 0; j < m; j++) {
    l.copy(masks, j * BLOCK)
    double(l)
  }
  const ppp = pass(xor(Buffer.from(input), masks))

  // MP = (⊕ PPPj) ⊕ T; MC = AES(MP); M = MP ⊕ MC.
  const mp = Buffer.from(tweak)
  for (let j = 0; j < m; j++) xorInto(mp, ppp.subarray(j * BLOCK, (j + 1) * BLOCK))
  const mc = pass(mp)
  const mix = xor(Buffer.from(mp), mc)

  // CCCj = 2^(j-1)·M ⊕ PPPj for j ≥ 2; CCC1 = (⊕ CCCj, j ≥ 2) ⊕ T ⊕ MC.
  const ccc = ppp
  const first = xor(Buffer.from(mc), tweak)
  for (let j = 1; j < m; j++) {
    double(mix)
    const block = ccc.subarray(j * BLOCK, (j + 1) * BLOCK)
    xorInto(block, mix)
    xorInto(first, block)
  }
  first.copy(ccc, 0)

  // Cj = AES(CCCj) ⊕ 2^(j-1)·L.
  return xor(pass(ccc), masks)
}

function aesEcb(key: Uint8Array, data: Buffer, direction: EmeDirection): Buffer {
  const cipher = direction === 'encrypt' ? createCipheriv('aes-256-ecb', key, null) : createDecipheriv('aes-256-ecb', key, null)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(data), cipher.final()])
}

/** x ← 2·x in GF(2^128), little-endian as in the EME-32 draft. */
function double(x: Buffer): void {
  const carry = x[BLOCK - 1] >> 7
  for (let j = BLOCK - 1; j > 0; j--) x[j] = ((x[j] << 1) | (x[j - 1] >> 7)) & 0xff
  x[0] = ((x[0] << 1) & 0xff) ^ (carry ? 135 : 0)
}

function xorInto(target: Uint8Array, other: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] ^= other[i]
}

function xor(target: Buffer, other: Uint8Array): Buffer {
  xorInto(target, other)
  return target
}
