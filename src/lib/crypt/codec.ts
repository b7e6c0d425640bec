import type {DecodePoint, StoredCodec, StreamDecoder} from '../transfer/codec.js'
import {BufferPool} from '../transfer/file-chunks.js'
import {type Crypt, decryptedSize} from './crypt.js'
import {BLOCK_DATA_SIZE, BLOCK_SIZE, FILE_MAGIC, HEADER_SIZE} from './format.js'

/**
 * An encrypted file's download codec (transfer/codec.ts): stored bytes are rclone's format,
 * decoded bytes the plain file. Every block is authenticated before a byte of it is returned; the
 * expected size is the listing's, so a file cut short fails even on a block edge the format alone
 * cannot see. Resume points fall on block edges and carry the file's nonce.
 */
export function cryptCodec(crypt: Crypt, storedSize: number, label: string): StoredCodec {
  // A size no encrypted file has: truncated (or not encrypted), before a byte is fetched.
  const decodedSize = decryptedSize(storedSize, label)
  // Enough blocks for what waits to be written (8 MiB) and a read-back chunk: output memory is reused, not collected.
  const pool = new BufferPool(BLOCK_DATA_SIZE, 200)
  return {
    decodedSize,
    unit: 16 * BLOCK_DATA_SIZE,
    decoder(from?: DecodePoint): StreamDecoder {
      const resumed = from && from.stored > 0 ? resumeAt(from) : undefined
      const decryptor = resumed
        ? crypt.decryptor({label, expectedBytes: storedSize - from!.stored, range: {nonce: resumed.nonce, firstBlock: resumed.block}, output: pool})
        : crypt.decryptor({label, expectedBytes: storedSize, output: pool})
      let nonce = resumed?.nonce
      let header = Buffer.alloc(0)
      return {
        push(chunk) {
          if (!nonce) {
            header = Buffer.concat([header, chunk.subarray(0, HEADER_SIZE - header.length)])
            if (header.length === HEADER_SIZE) nonce = Buffer.from(header.subarray(FILE_MAGIC.length))
          }
          return decryptor.push(chunk)
        },
        finish: () => decryptor.finish(),
        pointAt(decoded) {
          if (!nonce) return undefined
          const blocks = Math.floor(decoded / BLOCK_DATA_SIZE)
          return {stored: HEADER_SIZE + blocks * BLOCK_SIZE, decoded: blocks * BLOCK_DATA_SIZE, state: {nonce: nonce.toString('hex')}}
        },
        recycle: (chunk) => pool.give(chunk),
      }
    },
    reencode(from, decoded) {
      const {nonce} = resumeAt(from)
      return crypt.encrypt(decoded, nonce)
    },
  }
}

function resumeAt(point: DecodePoint): {nonce: Buffer; block: number} {
  const hex = point.state?.nonce
  const block = (point.stored - HEADER_SIZE) / BLOCK_SIZE
  if (!hex || !/^[0-9a-f]{48}$/.test(hex) || !Number.isInteger(block) || block < 0 || point.decoded !== block * BLOCK_DATA_SIZE) {
    throw new Error('internal: not a resume point of an encrypted download')
  }
  return {nonce: Buffer.from(hex, 'hex'), block}
}
