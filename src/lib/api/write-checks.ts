import type {ApiClient} from './client.js'
import {type Checked, NOT_DONE, alreadyDone} from './retry-policy.js'
import {deleteFile, listFiles} from './files.js'
import type {CheckNameMode, CopyResponse, CreateResponse, FileItem, FileType} from './wire.js'

/**
 * Checks for the writes whose answer may be lost (endpoints.ts, kind `check`) and whose outcome
 * depends on what the caller knew before sending: did a lost `create` of an upload, or a lost
 * `copy`, leave an entry behind? They look in the destination folder by listing it (search may
 * lag behind a write that just happened), which costs a few calls but only after a failure.
 */

/** Entries of a folder that `keep` selects, from every page. */
export async function childrenWhere(client: ApiClient, driveId: string, parentId: string, keep: (item: FileItem) => boolean): Promise<FileItem[]> {
  const found: FileItem[] = []
  let marker = ''
  do {
    // 100 is the documented page size (§4.2): this path is rare, so no need to try for more.
    const page = await listFiles(client, {drive_id: driveId, parent_file_id: parentId, limit: 100, ...(marker ? {marker} : {})})
    found.push(...(page.items ?? []).filter(keep))
    marker = page.next_marker ?? ''
  } while (marker)
  return found
}

/**
 * Could `candidate` be what the service's auto_rename made of `name`? The service numbers the
 * name before its extension (`a(1).txt`, `dir(1)`, §4.9 [U]); the form is not documented, so any
 * numbered name between the same stem and extension counts.
 */
export function isRenamedFrom(candidate: string, name: string, type: FileType): boolean {
  const dot = type === 'file' ? name.lastIndexOf('.') : -1
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  if (candidate.length <= name.length || !candidate.startsWith(stem) || !candidate.endsWith(ext)) return false
  return /\d/.test(candidate.slice(stem.length, candidate.length - ext.length))
}

const sameHash = (a?: string | null, b?: string | null) => Boolean(a && b && a.toUpperCase() === b.toUpperCase())

export interface UploadCreateFacts {
  client: ApiClient
  driveId: string
  parentId: string
  name: string
  checkNameMode: CheckNameMode
  /** What the create offered: with a SHA-1 (rapid upload) a lost hit is recognised by its content. */
  size?: number
  contentHash?: string
  /** Entries known to hold the name before this upload (the file an overwrite replaces): never ours. */
  occupants?: readonly string[]
}

/**
 * Before resending a file `create` whose answer was lost (§5.2):
 * - a rapid upload makes the file at once: an entry of that name (or, with auto_rename, a numbered
 *   form of it) that is not a known occupant and holds exactly the offered content is ours → done,
 *   no `name(1)` copy;
 * - a normal session stays invisible until `complete` (§5.8), so nothing is found and the resend
 *   opens a fresh one. Should the service show an unfinished upload after all (the spec does not
 *   rule it out), an unfinished entry of that name that is not a known occupant is ours: it is
 *   deleted (§5.8: an unfinished session's file id can be) so the resend neither meets `exist`
 *   nor leaves it behind.
 */
export function uploadCreatedCheck(facts: UploadCreateFacts): () => Promise<Checked<CreateResponse>> {
  const {client, driveId, parentId, name} = facts
  const occupants = new Set(facts.occupants ?? [])
  const named = (n: string) => n === name || (facts.checkNameMode === 'auto_rename' && isRenamedFrom(n, name, 'file'))
  return async () => {
    const candidates = await childrenWhere(client, driveId, parentId, (item) => item.type === 'file' && named(item.name) && !occupants.has(item.file_id))
    const landed = facts.contentHash ? candidates.find((item) => Number(item.size ?? 0) === facts.size && sameHash(item.content_hash, facts.contentHash)) : undefined
    if (landed) {
      return alreadyDone({drive_id: driveId, parent_file_id: parentId, file_id: landed.file_id, file_name: landed.name, type: 'file', exist: false, rapid_upload: true, upload_id: ''})
    }
    for (const item of candidates) {
      // A finished file has its SHA-1 and is `available`; only an entry with neither, of our size, is taken for our open upload.
      const unfinished = !item.content_hash && item.status !== 'available' && (facts.size === undefined || item.size == null || [0, facts.size].includes(Number(item.size)))
      if (unfinished) await deleteFile(client, driveId, item.file_id)
    }
    return NOT_DONE
  }
}

export interface CopyFacts {
  client: ApiClient
  driveId: string
  toParentId: string
  source: Pick<FileItem, 'file_id' | 'name' | 'type' | 'content_hash'> & {size?: number | null}
  /**
   * The ids in the destination that bore the source's name or a numbered form of it before the
   * copy (`copyCandidatesBefore`), when the copy may be auto-renamed; undefined when the name was
   * known to be free there, so the copy lands under exactly that name.
   */
  before?: ReadonlySet<string>
}

/** Before a copy that may be auto-renamed: what its check must not take for the new copy. */
export async function copyCandidatesBefore(client: ApiClient, driveId: string, toParentId: string, source: Pick<FileItem, 'name' | 'type'>): Promise<Set<string>> {
  const items = await childrenWhere(client, driveId, toParentId, (item) => item.name === source.name || isRenamedFrom(item.name, source.name, source.type))
  return new Set(items.map((item) => item.file_id))
}

/**
 * Before resending a `copy` whose answer was lost (§4.12): a new entry in the destination with
 * the source's name (or a numbered form when the copy may have been renamed), of its type and,
 * for a file, its size and SHA-1, is the copy → done, no second copy. A folder copy's async task
 * id went with the answer: the folder is there, and the service finishes filling it on its own.
 */
export function copyLandedCheck(facts: CopyFacts): () => Promise<Checked<CopyResponse>> {
  const {client, driveId, source, before} = facts
  const named = (n: string) => n === source.name || (before !== undefined && isRenamedFrom(n, source.name, source.type))
  const sameContent = (item: FileItem) =>
    item.type === source.type && (source.type === 'folder' || (Number(item.size ?? 0) === Number(source.size ?? 0) && sameHash(item.content_hash, source.content_hash)))
  return async () => {
    const found = await childrenWhere(client, driveId, facts.toParentId, (item) => item.file_id !== source.file_id && !before?.has(item.file_id) && named(item.name) && sameContent(item))
    if (found.length === 0) return NOT_DONE
    // Several new candidates (someone copied too): the newest is the likeliest ours.
    const copy = found.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0]
    return alreadyDone({drive_id: driveId, file_id: copy.file_id})
  }
}
