// Upload sessions (§5). Parts are strictly sequential (§5.6), so a session is one file on disk
// that grows part by part, plus a running SHA-1 of everything accepted so far: complete needs no
// concatenation and no second pass over the bytes, whatever the size.
import {createHash, type Hash} from 'node:crypto'
import {rmSync, writeFileSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'
import {join} from 'node:path'
import type {Ctx} from './context.js'
import {newUploadId} from './ids.js'

export type CheckNameMode = 'refuse' | 'auto_rename' | 'ignore'

export interface StoredPart {
  part_number: number
  part_size: number
  etag: string
}

export interface UploadSession {
  upload_id: string
  file_id: string
  drive_id: string
  userId: string
  parent_file_id: string
  name: string
  checkNameMode: CheckNameMode
  declaredSize?: number
  declaredHash?: string
  /** part numbers declared at create, with their part_size when the client sent one */
  declaredParts: Map<number, number | undefined>
  createdAt: number
  localCreated?: string
  localModified?: string
  file: string
  parts: StoredPart[]
  bytes: number
  hash: Hash
  /** the first ≤1 KiB, for the pre_hash index */
  head: Buffer
  /** the PUT currently writing (only part `parts.length + 1` can be) */
  inflight?: {partNumber: number; req: IncomingMessage; done: Promise<void>}
  state: 'open' | 'completed'
  rapid: boolean
}

export type NewSession = Omit<UploadSession, 'upload_id' | 'file' | 'parts' | 'bytes' | 'hash' | 'head' | 'state'>

export class UploadStore {
  private readonly sessions = new Map<string, UploadSession>()

  constructor(private readonly dir: string) {}

  create(init: NewSession, state: UploadSession['state'] = 'open'): UploadSession {
    const upload_id = newUploadId()
    const s: UploadSession = {
      ...init,
      upload_id,
      file: join(this.dir, upload_id),
      parts: [],
      bytes: 0,
      hash: createHash('sha1'),
      head: Buffer.alloc(0),
      state,
    }
    if (state === 'open') writeFileSync(s.file, '')
    this.sessions.set(upload_id, s)
    return s
  }

  /** a session of this drive/file; undefined for an unknown or mismatched pair */
  find(driveId: string, fileId: string, uploadId: string): UploadSession | undefined {
    const s = this.sessions.get(uploadId)
    return s && s.drive_id === driveId && s.file_id === fileId ? s : undefined
  }

  get(uploadId: string): UploadSession | undefined {
    return this.sessions.get(uploadId)
  }

  /** open sessions for a not-yet-visible file id (deleting that id aborts them, §5.8) */
  openFor(driveId: string, fileId: string): UploadSession[] {
    return [...this.sessions.values()].filter((s) => s.state === 'open' && s.drive_id === driveId && s.file_id === fileId)
  }

  discard(s: UploadSession): void {
    s.inflight?.req.destroy()
    this.sessions.delete(s.upload_id)
    rmSync(s.file, {force: true})
  }
}

/** Signed PUT URL of one part, shaped like the observed upload URL (§5.7). */
export function partUrl(ctx: Ctx, base: string, s: UploadSession, partNumber: number): string {
  const key = `${ctx.signer.keyPrefix}/${s.drive_id}/${s.file_id}/${s.upload_id.toLowerCase()}`
  const {path} = ctx.signer.sign(
    'PUT',
    key,
    [
      ['partNumber', String(partNumber)],
      ['uploadId', s.upload_id],
    ],
    ctx.opts.uploadUrlTtlSec,
  )
  return base + path
}

/** `part_info_list` entries as create/getUploadUrl return them */
export function partInfo(ctx: Ctx, base: string, s: UploadSession, numbers: number[]): Array<Record<string, unknown>> {
  return numbers.map((part_number) => {
    const info: Record<string, unknown> = {part_number}
    const size = s.declaredParts.get(part_number)
    if (size !== undefined) info.part_size = size
    info.upload_url = partUrl(ctx, base, s, part_number)
    info.content_type = ''
    return info
  })
}
