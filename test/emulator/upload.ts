// Upload API (§5.2–§5.4, §5.8): create for files (pre_hash probe, rapid upload with proof_code,
// normal sessions), getUploadUrl, listUploadedParts, complete.
import type {Call, Ctx} from './context.js'
import {ApiError, Reply, invalidParam, notFoundUploadId, alreadyExist, notFoundParent, quotaExhausted} from './errors.js'
import {fileObject} from './fileobj.js'
import {NAME_MODES, createAnswer, liveParent} from './files.js'
import type {Params} from './http.js'
import {newFileId} from './ids.js'
import {proofRange, sha1Hex} from './proof.js'
import {type Drive, validateName} from './tree.js'
import type {FileNode, Principal} from './types.js'
import {type UploadSession, partInfo} from './upload-store.js'

const MAX_PARTS = 10000

const partListError = (detail: string) =>
  new ApiError(400, 'InvalidParameter.PartInfoList', `The input parameter part_info_list is not valid. ${detail}`)

/** `[{part_number, part_size?}]` → Map; undefined when the list is absent (OpenDAL omits it) */
function parsePartList(b: Params): Map<number, number | undefined> | undefined {
  const list = b.optArray('part_info_list')
  if (!list) return undefined
  if (list.length > MAX_PARTS) throw partListError('part count can not over 10000')
  const parts = new Map<number, number | undefined>()
  for (const item of list) {
    const {part_number, part_size} = (item ?? {}) as Record<string, unknown>
    const n = Number(part_number)
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) throw partListError('part_number must be in 1..10000')
    const size = part_size === undefined || part_size === null ? undefined : Number(part_size)
    if (size !== undefined && !(Number.isInteger(size) && size >= 0)) throw partListError('invalid part_size')
    parts.set(n, size)
  }
  return parts
}

function checkQuota(ctx: Ctx, userId: string, extra: number): void {
  if (ctx.users.spaceUsed(userId) + extra > ctx.users.get(userId).totalSpace) throw quotaExhausted()
}

function newFileNode(ctx: Ctx, drive: Drive, s: Pick<UploadSession, 'file_id' | 'parent_file_id' | 'name' | 'localCreated' | 'localModified'>, sha1: string, size: number): FileNode {
  const now = ctx.clock.now()
  return {
    file_id: s.file_id,
    drive_id: drive.id,
    parent_file_id: s.parent_file_id,
    name: s.name,
    type: 'file',
    created: now,
    updated: now,
    starred: false,
    trashed: false,
    size,
    sha1,
    localCreated: s.localCreated,
    localModified: s.localModified,
  }
}

/** POST openFile/create with type "file" (§5.2) */
export function createFile(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const parentId = liveParent(drive, b.str('parent_file_id'))
  const name = b.str('name')
  validateName(name)
  const mode = b.oneOf('check_name_mode', NAME_MODES, 'ignore')
  const size = b.optInt('size')
  if (size !== undefined && size < 0) throw invalidParam('size')
  const declaredParts = parsePartList(b)
  // content_hash_name "none" (webdav) switches rapid upload off
  const hashName = (b.optStr('content_hash_name') || 'sha1').toLowerCase()
  if (hashName !== 'sha1' && hashName !== 'none') throw invalidParam('content_hash_name')
  const contentHash = hashName === 'sha1' ? b.optStr('content_hash')?.toUpperCase() || undefined : undefined
  if (contentHash !== undefined && !/^[0-9A-F]{40}$/.test(contentHash)) throw invalidParam('content_hash')
  const pre = b.optStr('pre_hash') || undefined
  const proof = b.optStr('proof_code')

  // too big for the account: plain text, not JSON (§5.2, §7.1)
  if (size !== undefined && size > ctx.opts.fileSizeCap) {
    return new Reply(413, 'Payload Too Large', {'Content-Type': 'text/plain; charset=utf-8'})
  }
  const clash = drive.findChild(parentId, name)
  if (clash && mode === 'refuse') return {...createAnswer(drive, clash, true), rapid_upload: false}
  const finalName = clash && mode === 'auto_rename' ? drive.uniqueName(parentId, name, true) : name
  if (size !== undefined) checkQuota(ctx, p.userId, size)

  // pre_hash probe: same size and same first-KiB SHA-1 as some stored content (§5.3)
  if (pre && !contentHash && size !== undefined && ctx.blobs.findByPreHash(size, pre)) {
    throw new ApiError(409, 'PreHashMatched', 'Pre hash matched.')
  }
  const base = {
    file_id: newFileId(ctx.clock.now()),
    drive_id: drive.id,
    userId: p.userId,
    parent_file_id: parentId,
    name: finalName,
    checkNameMode: mode,
    declaredSize: size,
    declaredHash: contentHash,
    declaredParts: declaredParts ?? new Map<number, number | undefined>(),
    createdAt: ctx.clock.now(),
    localCreated: b.optStr('local_created_at'),
    localModified: b.optStr('local_modified_at'),
  }

  // rapid upload: known content + a proof computed from the caller's own token (§5.4)
  // (a scripted miss answers as if the store had no such content)
  const offered = contentHash !== undefined && proof !== undefined
  const blob = offered && !ctx.faults.takeRapidMiss() ? ctx.blobs.info(contentHash) : undefined
  if (contentHash && blob && proof !== undefined && size === blob.size) {
    const {start, end} = proofRange(p.token, size)
    if (proof !== ctx.blobs.readRange(contentHash, start, end).toString('base64')) {
      throw new ApiError(400, 'InvalidRapidProof', 'The proof_code is invalid.')
    }
    const s = ctx.uploads.create({...base, rapid: true}, 'completed')
    drive.add(newFileNode(ctx, drive, s, contentHash, size))
    return {...createAnswer(drive, {...s, type: 'file'}, false), rapid_upload: true, upload_id: s.upload_id, part_info_list: []}
  }

  const s = ctx.uploads.create({...base, rapid: false})
  // no part list: hand out part 1, more come from getUploadUrl (OpenDAL streams that way)
  const numbers = declaredParts && declaredParts.size > 0 ? [...declaredParts.keys()] : [1]
  return {
    ...createAnswer(drive, {...s, type: 'file'}, false),
    rapid_upload: false,
    upload_id: s.upload_id,
    part_info_list: partInfo(ctx, call.base, s, numbers),
  }
}

function openSession(ctx: Ctx, p: Principal, b: Params): {drive: Drive; s: UploadSession} {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const s = ctx.uploads.find(drive.id, b.str('file_id'), b.str('upload_id'))
  if (!s) throw notFoundUploadId()
  return {drive, s}
}

/** POST openFile/getUploadUrl — any part numbers, declared or not (§5.5, §5.8) */
export function getUploadUrl(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const {drive, s} = openSession(ctx, p, b)
  if (s.state !== 'open') throw notFoundUploadId()
  const asked = parsePartList(b)
  for (const [n, size] of asked ?? []) if (size !== undefined) s.declaredParts.set(n, size)
  const numbers = asked && asked.size > 0 ? [...asked.keys()] : s.declaredParts.size > 0 ? [...s.declaredParts.keys()] : [1]
  return {
    domain_id: 'bj29',
    drive_id: drive.id,
    file_id: s.file_id,
    upload_id: s.upload_id,
    created_at: ctx.clock.iso(s.createdAt),
    part_info_list: partInfo(ctx, call.base, s, numbers),
  }
}

/** POST openFile/listUploadedParts — note the camelCase `parallelUpload` (§5.8) */
export function listUploadedParts(ctx: Ctx, p: Principal, b: Params) {
  const {drive, s} = openSession(ctx, p, b)
  if (s.state !== 'open') throw notFoundUploadId()
  const marker = b.optInt('part_number_marker') ?? 0
  const max = Math.min(Math.max(b.optInt('max_parts') ?? 1000, 1), 1000)
  const after = s.parts.filter((part) => part.part_number > marker)
  const page = after.slice(0, max)
  return {
    drive_id: drive.id,
    file_id: s.file_id,
    upload_id: s.upload_id,
    parallelUpload: false,
    uploaded_parts: page.map((part) => ({etag: part.etag, part_number: part.part_number, part_size: part.part_size})),
    next_part_number_marker: after.length > max ? String(page[page.length - 1].part_number) : '',
  }
}

/**
 * POST openFile/complete: the file appears only now (§5.8), with the size and SHA-1 of what was
 * uploaded. Idempotent: completing a finished (or rapid) session returns the file again.
 */
export async function complete(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const {drive, s} = openSession(ctx, p, b)
  // a part still being written finishes (or fails) first
  while (s.inflight) await s.inflight.done
  // from here on everything is synchronous: no PUT can interleave
  if (s.state === 'completed') {
    const n = drive.get(s.file_id)
    if (!n || drive.isTrashed(n)) throw notFoundUploadId()
    return fileObject(ctx, call.base, drive, n)
  }
  if (s.declaredSize !== undefined && s.declaredSize !== s.bytes) {
    throw invalidParam('size', `declared ${s.declaredSize} bytes but ${s.bytes} were uploaded`)
  }
  const min = ctx.opts.minPartSize
  const small = s.parts.slice(0, -1).find((part) => part.part_size < min)
  if (min > 0 && small) {
    throw new ApiError(400, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size. part ${small.part_number}`)
  }
  const sha1 = s.hash.copy().digest('hex').toUpperCase()
  // [U] bytes that do not match the declared content_hash are refused; the session stays open
  if (s.declaredHash && s.declaredHash !== sha1) {
    throw new ApiError(400, 'InvalidParameter.ContentHash', `The input parameter content_hash is not valid. uploaded content has sha1 ${sha1}`)
  }
  if (!drive.isLiveFolder(s.parent_file_id)) throw notFoundParent()
  const clash = drive.findChild(s.parent_file_id, s.name)
  if (clash && s.checkNameMode === 'refuse') throw alreadyExist()
  if (clash && s.checkNameMode === 'auto_rename') s.name = drive.uniqueName(s.parent_file_id, s.name, true)
  checkQuota(ctx, p.userId, s.bytes)
  ctx.blobs.adopt(s.file, sha1, s.bytes, sha1Hex(s.head))
  const node = newFileNode(ctx, drive, s, sha1, s.bytes)
  drive.add(node)
  s.state = 'completed'
  return fileObject(ctx, call.base, drive, node)
}
