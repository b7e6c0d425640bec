/**
 * rclone's crypt file format (backend/crypt, "File formats" in its docs): an 8-byte magic, a
 * 24-byte random nonce, then the plain bytes in 64 KiB blocks, each sealed with secretbox under
 * the nonce plus the block's index (a little-endian counter across all 24 bytes), the 16-byte tag
 * first. Every size and offset follows from the plain size by formula.
 */
export const FILE_MAGIC = Buffer.from('RCLONE\x00\x00', 'latin1')
export const NONCE_SIZE = 24
export const HEADER_SIZE = FILE_MAGIC.length + NONCE_SIZE
export const TAG_SIZE = 16
export const BLOCK_DATA_SIZE = 64 * 1024
export const BLOCK_SIZE = TAG_SIZE + BLOCK_DATA_SIZE

/** The encrypted size of `plainSize` bytes (a 0-byte file is its 32-byte header). */
export function encryptedSize(plainSize: number): number {
  const blocks = Math.floor(plainSize / BLOCK_DATA_SIZE)
  const residue = plainSize % BLOCK_DATA_SIZE
  return HEADER_SIZE + blocks * BLOCK_SIZE + (residue === 0 ? 0 : TAG_SIZE + residue)
}

/**
 * The plain size of an encrypted file of `size` bytes, or why no encrypted file has that size:
 * `short` (under the 32-byte header) or `bad-block` (the last block would hold no data byte).
 */
export function decryptedSizeOrReason(size: number): number | 'short' | 'bad-block' {
  if (size < HEADER_SIZE) return 'short'
  const body = size - HEADER_SIZE
  const blocks = Math.floor(body / BLOCK_SIZE)
  const residue = body % BLOCK_SIZE
  if (residue === 0) return blocks * BLOCK_DATA_SIZE
  if (residue <= TAG_SIZE) return 'bad-block'
  return blocks * BLOCK_DATA_SIZE + residue - TAG_SIZE
}

/** Byte offset of block `index` in the encrypted file. */
export function blockOffset(index: number): number {
  return HEADER_SIZE + index * BLOCK_SIZE
}

/** The block holding plain byte `offset`. */
export function blockOf(offset: number): number {
  return Math.floor(offset / BLOCK_DATA_SIZE)
}

/**
 * What to fetch for plain bytes [start, end) of a file of `plainSize` bytes: whole blocks only
 * (a block is authenticated as one), so a Range read or one stream of a multi-stream download
 * asks for [cipherStart, cipherEnd) and drops `discard` plain bytes of the first block.
 */
export interface CipherRange {
  /** Plain bytes wanted, clipped to the file. */
  start: number
  end: number
  firstBlock: number
  /** Blocks to fetch (0 for an empty range). */
  blocks: number
  cipherStart: number
  /** Exclusive; never past the encrypted file's end. */
  cipherEnd: number
  /** Plain bytes of the first block before `start`. */
  discard: number
}

export function cipherRange(start: number, end: number, plainSize: number): CipherRange {
  start = Math.max(0, Math.min(start, plainSize))
  end = Math.max(start, Math.min(end, plainSize))
  const firstBlock = blockOf(start)
  const blocks = end > start ? blockOf(end - 1) - firstBlock + 1 : 0
  const cipherStart = blockOffset(firstBlock)
  const cipherEnd = blocks === 0 ? cipherStart : Math.min(blockOffset(firstBlock + blocks), encryptedSize(plainSize))
  return {start, end, firstBlock, blocks, cipherStart, cipherEnd, discard: start - firstBlock * BLOCK_DATA_SIZE}
}

/** nonce + n, little-endian across all 24 bytes (wrapping), as rclone moves to block n. */
export function nonceForBlock(base: Uint8Array, n: number): Buffer {
  const nonce = Buffer.from(base)
  let carry = n
  for (let i = 0; i < NONCE_SIZE && carry > 0; i++) {
    const sum = nonce[i] + (carry % 256)
    nonce[i] = sum & 0xff
    carry = Math.floor(carry / 256) + (sum >> 8)
  }
  return nonce
}

/** nonce + 1 in place (the step between consecutive blocks). */
export function incrementNonce(nonce: Uint8Array): void {
  for (let i = 0; i < NONCE_SIZE; i++) {
    nonce[i] = (nonce[i] + 1) & 0xff
    if (nonce[i] !== 0) return
  }
}

/** The 32-byte header of a file sealed under `nonce`. */
export function fileHeader(nonce: Uint8Array): Buffer {
  if (nonce.length !== NONCE_SIZE) throw new Error(`internal: a crypt nonce has ${NONCE_SIZE} bytes, not ${nonce.length}`)
  return Buffer.concat([FILE_MAGIC, nonce])
}
