import {appendFile, readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {debug} from '../debug.js'
import {makeDir} from '../local-dirs.js'

/**
 * The nonce of each file alipan uploaded into an encrypted location, per profile, keyed by the
 * file's id and the SHA-1 the service lists for it (the ciphertext's). With it, `check` and
 * `sync` compare a local file with an uploaded one without reading a byte of the upload: the local
 * file encrypted under the same nonce has the same SHA-1 exactly when the content is the same
 * (rclone's `cryptcheck` idea). A file uploaded by another tool has no record; its nonce is then
 * read from its first 32 bytes.
 *
 * A nonce is no secret (it sits in clear at the start of every encrypted file). The record is one
 * JSON line per upload, appended (one small write: concurrent writers do not interleave), kept to
 * the newest entries when it grows.
 */
export class NonceStore {
  private loaded?: Promise<Map<string, string>>
  private readonly path: string

  constructor(dir: string) {
    this.path = join(dir, 'crypt-nonces.jsonl')
  }

  /** The nonce a file was uploaded with, when this profile uploaded it. */
  async lookup(fileId: string, contentHash: string | undefined): Promise<Buffer | undefined> {
    if (!contentHash) return undefined
    const hex = (await this.load()).get(key(fileId, contentHash))
    return hex ? Buffer.from(hex, 'hex') : undefined
  }

  /** Remember an upload's nonce. A record that cannot be written only costs a later 32-byte read. */
  async record(fileId: string, contentHash: string | undefined, nonce: Uint8Array): Promise<void> {
    if (!contentHash) return
    const hex = Buffer.from(nonce).toString('hex')
    ;(await this.load()).set(key(fileId, contentHash), hex)
    try {
      await makeDir(join(this.path, '..'), 0o700)
      await appendFile(this.path, `${JSON.stringify({f: fileId, h: contentHash.toUpperCase(), n: hex})}\n`, {mode: 0o600})
    } catch (error) {
      debug('crypt', `could not record the nonce of ${fileId}: ${(error as Error).message}`)
    }
  }

  private load(): Promise<Map<string, string>> {
    this.loaded ??= (async () => {
      const map = new Map<string, string>()
      let text = ''
      try {
        text = await readFile(this.path, 'utf8')
      } catch {
        return map
      }
      const lines = text.split('\n').filter(Boolean)
      for (const line of lines) {
        try {
          const record = JSON.parse(line) as {f?: unknown; h?: unknown; n?: unknown}
          if (typeof record.f === 'string' && typeof record.h === 'string' && typeof record.n === 'string' && /^[0-9a-f]{48}$/.test(record.n)) map.set(key(record.f, record.h), record.n)
        } catch {
          // A torn last line (a process killed mid-append): the rest still counts.
        }
      }
      if (lines.length > MAX_RECORDS) await this.compact(map)
      return map
    })()
    return this.loaded
  }

  /** Keep the newest half (Map order is insertion order: later records last). */
  private async compact(map: Map<string, string>): Promise<void> {
    const keep = [...map].slice(-MAX_RECORDS / 2)
    const text = keep.map(([k, n]) => {
      const [f, h] = k.split('\0')
      return `${JSON.stringify({f, h, n})}\n`
    })
    const temp = `${this.path}.${process.pid}.tmp`
    try {
      await writeFile(temp, text.join(''), {mode: 0o600})
      await rename(temp, this.path)
    } catch (error) {
      debug('crypt', `could not compact ${this.path}: ${(error as Error).message}`)
    }
  }
}

/** Past this many lines the record is rewritten with the newest half (~60 bytes a line). */
const MAX_RECORDS = 200_000

function key(fileId: string, contentHash: string): string {
  return `${fileId}\0${contentHash.toUpperCase()}`
}
