// The file object of §4.1, always with the core field set; files under 5 MB carry a working
// download URL in `url`, as the real service does.
import type {Ctx} from './context.js'
import {signDownload} from './download.js'
import {classify} from './mime.js'
import type {Drive} from './tree.js'
import type {FileNode} from './types.js'

export const DOMAIN_ID = 'bj29'
const SMALL_FILE_URL_LIMIT = 5 * 1024 * 1024

export function fileObject(ctx: Ctx, base: string, drive: Drive, n: FileNode): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    drive_id: n.drive_id,
    file_id: n.file_id,
    parent_file_id: n.parent_file_id,
    name: n.name,
    type: n.type,
    created_at: ctx.clock.iso(n.created),
    updated_at: ctx.clock.iso(n.updated),
    status: 'available',
    starred: n.starred,
    hidden: false,
    domain_id: DOMAIN_ID,
    encrypt_mode: 'none',
    punish_flag: 0,
  }
  if (n.type === 'file') {
    const size = n.size ?? 0
    Object.assign(obj, {
      size,
      ...classify(n.name),
      content_hash: n.sha1,
      content_hash_name: 'sha1',
      thumbnail: null,
      url: size < SMALL_FILE_URL_LIMIT && !n.streams ? base + signDownload(ctx, drive, n, n.sha1 as string, 900).path : null,
    })
    if (n.localCreated) obj.local_created_at = n.localCreated
    if (n.localModified) obj.local_modified_at = n.localModified
  }
  return obj
}

/** [U] `get` on "root": a synthetic folder object rather than an error (§10 q5). */
export function rootObject(ctx: Ctx, drive: Drive): Record<string, unknown> {
  return {
    drive_id: drive.id,
    file_id: 'root',
    parent_file_id: '',
    name: 'root',
    type: 'folder',
    created_at: ctx.clock.iso(drive.createdAt),
    updated_at: ctx.clock.iso(drive.createdAt),
    status: 'available',
    starred: false,
    hidden: false,
    domain_id: DOMAIN_ID,
    encrypt_mode: 'none',
    punish_flag: 0,
  }
}
