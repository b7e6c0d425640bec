// `emu.fs(driveId?)`: direct, synchronous access to a drive's tree for tests — seed files, look at
// what the CLI did, set transcoding states. Returned objects are the same §4.1 file objects the API
// emits.
import type {Ctx} from './context.js'
import {fileObject} from './fileobj.js'
import {newFileId} from './ids.js'
import {type Drive, ROOT, validateName} from './tree.js'
import type {FileNode, TranscodeStatus, VideoMeta} from './types.js'

type TimeLike = Date | string | number

export interface PutOptions {
  createdAt?: TimeLike
  updatedAt?: TimeLike
  starred?: boolean
  localCreatedAt?: string
  localModifiedAt?: string
  /** duration/width/height reported by the video preview endpoints */
  video?: VideoMeta
}

const toMs = (t: TimeLike): number => (t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : t)

function split(path: string): {dir: string[]; name: string} {
  const parts = path.split('/').filter((p) => p !== '')
  const name = parts.pop()
  if (name === undefined) throw new Error(`not a file path: ${path}`)
  return {dir: parts, name}
}

export class EmuFs {
  constructor(
    private readonly ctx: Ctx,
    readonly drive: Drive,
    private readonly base: () => string,
  ) {}

  /** creates missing parent folders; replaces the content of an existing file at that path */
  put(path: string, data: Buffer | string, opts: PutOptions = {}): Record<string, unknown> {
    const {dir, name} = split(path)
    validateName(name)
    const parentId = this.mkdirs(dir)
    const sha1 = this.ctx.blobs.putBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data))
    const size = this.ctx.blobs.info(sha1)?.size ?? 0
    const now = this.ctx.clock.now()
    let n = this.drive.findChild(parentId, name)
    if (n && n.type === 'folder') throw new Error(`${path} is a folder`)
    if (n) {
      this.drive.used += size - (n.size ?? 0)
      Object.assign(n, {sha1, size, updated: now, streams: undefined})
    } else {
      n = {file_id: newFileId(now), drive_id: this.drive.id, parent_file_id: parentId, name, type: 'file', created: now, updated: now, starred: false, trashed: false, size, sha1}
      this.drive.add(n)
    }
    this.applyOptions(n, opts)
    return this.object(n)
  }

  mkdir(path: string): Record<string, unknown> {
    const id = this.mkdirs(path.split('/').filter((p) => p !== ''))
    if (id === ROOT) throw new Error('cannot mkdir the root')
    return this.object(this.drive.get(id) as FileNode)
  }

  get(path: string): Record<string, unknown> | undefined {
    const n = this.drive.resolve(path)
    return n ? this.object(n) : undefined
  }

  list(path: string): Array<Record<string, unknown>> {
    const parentId = this.folderId(path)
    return this.drive.children(parentId).map((n) => this.object(n))
  }

  read(path: string): Buffer {
    const n = this.node(path)
    if (n.type !== 'file' || !n.sha1) throw new Error(`${path} is not a file`)
    return this.ctx.blobs.read(n.sha1)
  }

  /** top-level entries of the recycle bin */
  trashed(): Array<Record<string, unknown>> {
    return [...this.drive.nodes.values()].filter((n) => n.trashed).map((n) => this.object(n))
  }

  /** a .livp whose download answer carries `streamsUrl: {jpeg, mov}` (§4.8) */
  seedLivePhoto(path: string, streams: {jpeg: Buffer | string; mov: Buffer | string}): Record<string, unknown> {
    const jpeg = Buffer.from(streams.jpeg)
    const mov = Buffer.from(streams.mov)
    this.put(path, Buffer.concat([jpeg, mov]))
    const n = this.node(path)
    n.streams = {
      jpeg: {sha1: this.ctx.blobs.putBuffer(jpeg), size: jpeg.length},
      mov: {sha1: this.ctx.blobs.putBuffer(mov), size: mov.length},
    }
    return this.object(n)
  }

  /** replaces the template set of a video: e.g. {LD: 'finished', FHD: 'running'} (§4.15) */
  setTranscoding(path: string, statuses: Record<string, TranscodeStatus>): void {
    this.node(path).transcoding = {...statuses}
  }

  private node(path: string): FileNode {
    const n = this.drive.resolve(path)
    if (!n) throw new Error(`no such file: ${path}`)
    return n
  }

  private folderId(path: string): string {
    if (path.split('/').every((p) => p === '')) return ROOT
    const n = this.node(path)
    if (n.type !== 'folder') throw new Error(`${path} is not a folder`)
    return n.file_id
  }

  private mkdirs(parts: string[]): string {
    let parentId = ROOT
    for (const part of parts) {
      validateName(part)
      const existing = this.drive.findChild(parentId, part)
      if (existing && existing.type !== 'folder') throw new Error(`${part} is a file`)
      if (existing) {
        parentId = existing.file_id
        continue
      }
      const now = this.ctx.clock.now()
      const folder: FileNode = {file_id: newFileId(now), drive_id: this.drive.id, parent_file_id: parentId, name: part, type: 'folder', created: now, updated: now, starred: false, trashed: false}
      this.drive.add(folder)
      parentId = folder.file_id
    }
    return parentId
  }

  private applyOptions(n: FileNode, o: PutOptions): void {
    if (o.createdAt !== undefined) n.created = toMs(o.createdAt)
    if (o.updatedAt !== undefined) n.updated = toMs(o.updatedAt)
    if (o.starred !== undefined) n.starred = o.starred
    if (o.localCreatedAt !== undefined) n.localCreated = o.localCreatedAt
    if (o.localModifiedAt !== undefined) n.localModified = o.localModifiedAt
    if (o.video !== undefined) n.video = o.video
  }

  private object(n: FileNode): Record<string, unknown> {
    return fileObject(this.ctx, this.base(), this.drive, n)
  }
}
