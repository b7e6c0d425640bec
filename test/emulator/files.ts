// File endpoints under /adrive/v1.0/openFile/ (§4.2–§4.14), except uploads, downloads and video.
import type {Call, Ctx} from './context.js'
import {ApiError, alreadyExist, inRecycleBin, invalidParam, notFoundFile, notFoundParent, quotaExhausted} from './errors.js'
import {DOMAIN_ID, fileObject, rootObject} from './fileobj.js'
import type {Params} from './http.js'
import {newFileId} from './ids.js'
import {ORDER_FIELDS, type OrderBy, paginate, parseLimit} from './listing.js'
import {classify} from './mime.js'
import {matches, parseQuery} from './search.js'
import {type Drive, ROOT, validateName} from './tree.js'
import type {FileNode, Principal} from './types.js'
import type {CheckNameMode} from './upload-store.js'

export const NAME_MODES: readonly CheckNameMode[] = ['refuse', 'auto_rename', 'ignore']

/** A node that exists and is not in the recycle bin; 404 / ForbiddenFileInTheRecycleBin otherwise. */
export function liveNode(drive: Drive, fileId: string): FileNode {
  const n = drive.get(fileId)
  if (!n) throw notFoundFile()
  if (drive.isTrashed(n)) throw inRecycleBin()
  return n
}

/** A folder that can receive entries ("root" included); errors name the parent. */
export function liveParent(drive: Drive, id: string, field = 'parent_file_id'): string {
  if (id === ROOT) return id
  const n = drive.get(id)
  if (!n) throw notFoundParent()
  if (drive.isTrashed(n)) throw inRecycleBin()
  if (n.type !== 'folder') throw invalidParam(field, 'not a folder')
  return id
}

function direction(b: Params): 'ASC' | 'DESC' {
  const d = (b.optStr('order_direction') ?? 'ASC').toUpperCase()
  if (d !== 'ASC' && d !== 'DESC') throw invalidParam('order_direction')
  return d
}

/** type=all|file|folder; a category list keeps only files of those categories (ignored for folders) */
function filterKinds(nodes: FileNode[], b: Params): FileNode[] {
  const type = b.oneOf('type', ['all', 'file', 'folder'], 'all')
  const cats = (b.optStr('category') ?? '').split(',').map((c) => c.trim()).filter(Boolean)
  return nodes.filter((n) => {
    if (type !== 'all' && n.type !== type) return false
    if (cats.length > 0 && type !== 'folder') return n.type === 'file' && cats.includes(classify(n.name).category)
    return true
  })
}

const objects = (ctx: Ctx, call: Call, drive: Drive, nodes: FileNode[]) =>
  nodes.map((n) => fileObject(ctx, call.base, drive, n))

export function list(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const parentId = b.str('parent_file_id')
  if (parentId !== ROOT) {
    const parent = liveNode(drive, parentId)
    if (parent.type !== 'folder') throw invalidParam('parent_file_id', 'not a folder')
  }
  const limit = parseLimit(b.optInt('limit'), 50, 200)
  const by = b.oneOf<OrderBy>('order_by', ORDER_FIELDS, 'name') // [U] default order: name ASC
  const page = paginate(filterKinds(drive.children(parentId), b), by, direction(b), limit, b.optStr('marker') || undefined)
  return {items: objects(ctx, call, drive, page.items), next_marker: page.next_marker}
}

export function search(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const limit = parseLimit(b.optInt('limit'), 100, 100)
  const expr = parseQuery(b.optStr('query') ?? '')
  // order_by is one string "<field> ASC|DESC" here (§4.3)
  const [field = 'name', dir = 'ASC', ...extra] = (b.optStr('order_by') ?? '').trim().split(/\s+/).filter(Boolean)
  if (!['created_at', 'updated_at', 'name', 'size'].includes(field) || extra.length > 0) throw invalidParam('order_by')
  if (!['ASC', 'DESC'].includes(dir.toUpperCase())) throw invalidParam('order_by')
  const hits = [...drive.nodes.values()].filter((n) => !drive.isTrashed(n) && matches(expr, n))
  const page = paginate(hits, field as OrderBy, dir.toUpperCase() as 'ASC' | 'DESC', limit, b.optStr('marker') || undefined)
  const out: Record<string, unknown> = {items: objects(ctx, call, drive, page.items), next_marker: page.next_marker}
  if (b.optBool('return_total_count')) out.total_count = hits.length
  return out
}

export function starredList(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const limit = parseLimit(b.optInt('limit'), 100, 100)
  const by = b.oneOf<OrderBy>('order_by', ORDER_FIELDS, 'name')
  const starred = [...drive.nodes.values()].filter((n) => n.starred && !drive.isTrashed(n))
  const page = paginate(filterKinds(starred, b), by, direction(b), limit, b.optStr('marker') || undefined)
  return {items: objects(ctx, call, drive, page.items), next_marker: page.next_marker}
}

export function get(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const id = b.str('file_id')
  if (id === ROOT) return rootObject(ctx, drive)
  return fileObject(ctx, call.base, drive, liveNode(drive, id))
}

export function getByPath(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  // "/" is not a file (§4.6 [U]): 404, which webdav, tickstep and OpenDAL all cope with
  const n = drive.resolve(b.str('file_path'))
  if (!n) throw notFoundFile()
  return fileObject(ctx, call.base, drive, n)
}

export function batchGet(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const list = b.optArray('file_list')
  if (!list || list.length === 0 || list.length > 100) throw invalidParam('file_list')
  const items: Array<Record<string, unknown>> = []
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') throw invalidParam('file_list')
    const {drive_id, file_id} = entry as Record<string, unknown>
    const drive = ctx.users.driveFor(p, typeof drive_id === 'string' ? drive_id : undefined)
    const n = typeof file_id === 'string' ? drive.get(file_id) : undefined
    // [U] missing or trashed entries are left out rather than failing the batch
    if (n && !drive.isTrashed(n)) items.push(fileObject(ctx, call.base, drive, n))
  }
  return {items}
}

/** `create` answer shape shared by folders and files (§4.9, §5.2) — note `file_name`, not `name` */
export function createAnswer(drive: Drive, n: Pick<FileNode, 'file_id' | 'parent_file_id' | 'name' | 'type'>, exist: boolean) {
  return {
    drive_id: drive.id,
    parent_file_id: n.parent_file_id,
    file_id: n.file_id,
    file_name: n.name,
    type: n.type,
    status: 'available',
    available: true,
    exist,
    domain_id: DOMAIN_ID,
    encrypt_mode: 'none',
    revision_id: '',
    location: 'cn-beijing',
  }
}

export function createFolder(ctx: Ctx, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const parentId = liveParent(drive, b.str('parent_file_id'))
  const name = b.str('name')
  validateName(name)
  const mode = b.oneOf('check_name_mode', NAME_MODES, 'ignore')
  const clash = drive.findChild(parentId, name)
  // refuse on an existing entry: 200 with that entry's id and exist: true (OpenDAL relies on it)
  if (clash && mode === 'refuse') return createAnswer(drive, clash, true)
  const now = ctx.clock.now()
  const node: FileNode = {
    file_id: newFileId(now),
    drive_id: drive.id,
    parent_file_id: parentId,
    name: mode === 'auto_rename' ? drive.uniqueName(parentId, name, false) : name,
    type: 'folder',
    created: now,
    updated: now,
    starred: false,
    trashed: false,
  }
  drive.add(node)
  return createAnswer(drive, node, false)
}

export function update(ctx: Ctx, call: Call, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const id = b.str('file_id')
  if (id === ROOT) throw invalidParam('file_id')
  const n = liveNode(drive, id)
  const name = b.optStr('name')
  if (name !== undefined && name !== n.name) {
    validateName(name)
    // [U] default mode for update: ignore (OpenList renames without one and dedupes itself)
    const mode = b.oneOf('check_name_mode', NAME_MODES, 'ignore')
    const clash = drive.findChild(n.parent_file_id, name, n.file_id)
    if (clash && mode === 'refuse') throw alreadyExist()
    const final = clash && mode === 'auto_rename' ? drive.uniqueName(n.parent_file_id, name, n.type === 'file', n.file_id) : name
    drive.move(n, n.parent_file_id, final)
    n.updated = ctx.clock.now()
  }
  const starred = b.optBool('starred')
  if (starred !== undefined) n.starred = starred
  return fileObject(ctx, call.base, drive, n)
}

/** folder operations run as async tasks (§4.11–§4.13); a failing task changes nothing */
function runTask(ctx: Ctx, n: FileNode, apply: () => void): {async_task_id?: string} {
  if (n.type !== 'folder') {
    apply()
    return {}
  }
  const failed = ctx.faults.takeTaskFailure()
  if (!failed) apply()
  return {async_task_id: ctx.tasks.create(failed)}
}

function checkTarget(drive: Drive, n: FileNode, toParent: string): void {
  if (toParent === n.file_id || drive.isAncestor(n.file_id, toParent)) {
    throw invalidParam('to_parent_file_id', 'cannot move or copy a folder into itself')
  }
}

function sameDriveOnly(drive: Drive, b: Params): void {
  const to = b.optStr('to_drive_id')
  if (to && to !== drive.id) throw invalidParam('to_drive_id', 'only the same drive is supported')
}

/** What move and copy both check: one drive, a live source other than the root, a live folder it may go into. */
function sourceAndTarget(ctx: Ctx, p: Principal, b: Params): {drive: Drive; n: FileNode; toParent: string} {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  sameDriveOnly(drive, b)
  const id = b.str('file_id')
  if (id === ROOT) throw invalidParam('file_id')
  const n = liveNode(drive, id)
  const toParent = liveParent(drive, b.str('to_parent_file_id'), 'to_parent_file_id')
  checkTarget(drive, n, toParent)
  return {drive, n, toParent}
}

export function move(ctx: Ctx, p: Principal, b: Params) {
  const {drive, n, toParent} = sourceAndTarget(ctx, p, b)
  const mode = b.oneOf('check_name_mode', NAME_MODES, 'refuse') // both SDKs default to refuse (§4.11)
  let name = n.name
  if (drive.findChild(toParent, name, n.file_id)) {
    const newName = b.optStr('new_name')
    if (newName) {
      validateName(newName, 'new_name')
      name = newName
    }
    if (mode === 'auto_rename') name = drive.uniqueName(toParent, name, n.type === 'file', n.file_id)
    else if (mode === 'refuse' && drive.findChild(toParent, name, n.file_id)) {
      // [U] refused: nothing moves, the answer says so
      return {drive_id: drive.id, file_id: n.file_id, exist: true, async_task_id: ''}
    }
  }
  const task = runTask(ctx, n, () => drive.move(n, toParent, name))
  return {drive_id: drive.id, file_id: n.file_id, exist: false, async_task_id: task.async_task_id ?? ''}
}

function copyTree(ctx: Ctx, drive: Drive, src: FileNode, parentId: string, name: string): FileNode {
  const now = ctx.clock.now()
  const copy: FileNode = {...src, file_id: newFileId(now), parent_file_id: parentId, name, created: now, updated: now, starred: false}
  drive.add(copy)
  if (src.type === 'folder') for (const kid of drive.children(src.file_id)) copyTree(ctx, drive, kid, copy.file_id, kid.name)
  return copy
}

export function copy(ctx: Ctx, p: Principal, b: Params) {
  const {drive, n, toParent} = sourceAndTarget(ctx, p, b)
  const autoRename = b.optBool('auto_rename') ?? false
  // copying into the same folder needs auto_rename (§4.12)
  if (toParent === n.parent_file_id && !autoRename) {
    throw new ApiError(403, 'ForbiddenNoPermission.File', 'No permission to access resource File.')
  }
  const bytes = [n, ...drive.descendants(n.file_id)].filter((x) => !drive.isTrashed(x)).reduce((s, x) => s + (x.size ?? 0), 0)
  const user = ctx.users.get(p.userId)
  if (ctx.users.spaceUsed(p.userId) + bytes > user.totalSpace) throw quotaExhausted()
  // without auto_rename a same-named copy elsewhere is allowed ("same-name allowed by default")
  const name = autoRename ? drive.uniqueName(toParent, n.name, n.type === 'file') : n.name
  let newId = newFileId(ctx.clock.now())
  const task = runTask(ctx, n, () => {
    newId = copyTree(ctx, drive, n, toParent, name).file_id
  })
  return {drive_id: drive.id, file_id: newId, ...task}
}

export function trash(ctx: Ctx, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const id = b.str('file_id')
  if (id === ROOT) throw invalidParam('file_id')
  const n = liveNode(drive, id)
  const task = runTask(ctx, n, () => {
    n.trashed = true
    n.trashedAt = ctx.clock.now()
  })
  return {drive_id: drive.id, file_id: n.file_id, ...task}
}

export function remove(ctx: Ctx, p: Principal, b: Params) {
  const drive = ctx.users.driveFor(p, b.optStr('drive_id'))
  const id = b.str('file_id')
  if (id === ROOT) throw invalidParam('file_id')
  const n = drive.get(id)
  if (!n) {
    // the file id of an unfinished upload: deleting it aborts the session (OpenDAL's abort, §5.8)
    const sessions = ctx.uploads.openFor(drive.id, id)
    if (sessions.length === 0) throw notFoundFile()
    for (const s of sessions) ctx.uploads.discard(s)
    return {drive_id: drive.id, file_id: id}
  }
  // permanent delete works on recycle-bin items too: that is how the bin is emptied
  const task = runTask(ctx, n, () => drive.remove(n))
  return {drive_id: drive.id, file_id: n.file_id, ...task}
}
