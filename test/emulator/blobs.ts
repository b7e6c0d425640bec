// Content-addressed blob store on disk (`<dataDir>/blobs/<sha1>`), shared by every drive and user,
// so rapid upload (§5.4) and the pre_hash probe (§5.3) find content uploaded by anyone.
// Upload sessions append into `<dataDir>/sessions/<upload_id>`, renamed into place at complete:
// each byte is written to disk exactly once. Blobs outlive deleted files (as content does on the
// real service); only quota accounting forgets them.
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {preHash, sha1Hex} from './proof.js'

interface BlobInfo {
  size: number
  preHash: string
}

export class BlobStore {
  private readonly blobs = new Map<string, BlobInfo>()
  private readonly byPreHash = new Map<string, string>()
  readonly blobDir: string
  readonly sessionDir: string

  constructor(dataDir: string) {
    this.blobDir = join(dataDir, 'blobs')
    this.sessionDir = join(dataDir, 'sessions')
    mkdirSync(this.blobDir, {recursive: true})
    mkdirSync(this.sessionDir, {recursive: true})
    // The service has seen the empty file: it always rapid-uploads (proof_code "" §5.4).
    this.putBuffer(Buffer.alloc(0))
  }

  path(sha1: string): string {
    return join(this.blobDir, sha1.toLowerCase())
  }

  info(sha1: string): BlobInfo | undefined {
    return this.blobs.get(sha1.toUpperCase())
  }

  /** content with that size and first-KiB SHA-1, if any (§5.3) */
  findByPreHash(size: number, pre: string): string | undefined {
    return this.byPreHash.get(`${size}:${pre.toUpperCase()}`)
  }

  putBuffer(data: Buffer): string {
    const sha1 = sha1Hex(data)
    if (!this.blobs.has(sha1)) {
      writeFileSync(this.path(sha1), data)
      this.register(sha1, data.length, preHash(data))
    }
    return sha1
  }

  /** Moves a finished session file into the store (or drops it when the content is known). */
  adopt(file: string, sha1: string, size: number, pre: string): void {
    if (this.blobs.has(sha1) && existsSync(this.path(sha1))) {
      unlinkSync(file)
      return
    }
    renameSync(file, this.path(sha1))
    this.register(sha1, size, pre)
  }

  read(sha1: string): Buffer {
    return readFileSync(this.path(sha1))
  }

  /** a few bytes at an offset (proof-code checks read 8 bytes) */
  readRange(sha1: string, start: number, end: number): Buffer {
    const buf = Buffer.alloc(Math.max(0, end - start))
    const fd = openSync(this.path(sha1), 'r')
    try {
      readSync(fd, buf, 0, buf.length, start)
    } finally {
      closeSync(fd)
    }
    return buf
  }

  private register(sha1: string, size: number, pre: string): void {
    this.blobs.set(sha1, {size, preHash: pre})
    const key = `${size}:${pre}`
    if (!this.byPreHash.has(key)) this.byPreHash.set(key, sha1)
  }
}
