import type {Drive, RemoteEntry} from '../drive/drive.js'
import {remoteMtimeMs} from '../drive/entry-time.js'
import {joinRemotePath, remotePathArg} from '../drive/remote-path.js'
import {AlipanError, UsageError, throwIfAborted} from '../errors.js'
import {isFatal} from '../files/pool.js'
import type {TaskEvents} from '../manage/async-task.js'
import type {RemovalMethod} from '../manage/remove.js'
import {
  type DedupeAction,
  type DedupeGroup,
  type DedupeMode,
  type GroupDecision,
  decisionActions,
  hashGroups,
  identicalCopies,
  keeperIndex,
  modeDecision,
  nameGroups,
} from './dedupe-plan.js'
import {listEachFolder} from './enumerate.js'

export interface DedupeOptions {
  path: string
  /** Look in every folder under PATH too. */
  recursive?: boolean
  /** Groups of files with one SHA-1 (anywhere looked at) instead of one name in one folder. */
  byHash?: boolean
  mode: DedupeMode
  /** `interactive`: the user's decision for what is left of a group (a terminal). */
  choose?: (group: DedupeGroup, remaining: RemoteEntry[]) => Promise<GroupDecision>
  /** Removals: the recycle bin, or deleted outright (`--permanent`). */
  method: RemovalMethod
  dryRun?: boolean
  signal?: AbortSignal
  events?: TaskEvents & {
    /** A group was found (before anything happens to it). */
    group?(group: DedupeGroupJson): void
    /** An action was carried out, or failed (`error`). */
    acted?(action: DedupeActionJson): void
  }
}

/** One entry of a group, as `--json` shows it. */
export interface DedupeEntryJson {
  path: string
  file_id: string
  type: 'file' | 'folder'
  size: number | null
  content_hash: string | null
  modified: string | null
}

export interface DedupeGroupJson {
  kind: 'name' | 'hash'
  type: 'file' | 'folder'
  /** Name groups: the shared path; hash groups: the SHA-1. */
  key: string
  entries: DedupeEntryJson[]
}

export interface DedupeActionJson {
  action: 'remove' | 'rename' | 'merge'
  path: string
  file_id: string
  /** remove: `identical` (same content as the kept copy) or `duplicate` (the mode kept another). */
  reason?: 'identical' | 'duplicate'
  /** remove: the copy kept; rename: the new path; merge: the folder its contents went into. */
  kept?: string
  kept_id?: string
  to?: string
  into?: string
  into_id?: string
  /** remove: recycle bin or deleted. */
  method?: RemovalMethod
  error?: {code: string; message: string}
}

export interface DedupeResult {
  dry_run: boolean
  mode: DedupeMode
  by_hash: boolean
  groups: DedupeGroupJson[]
  actions: DedupeActionJson[]
  summary: {groups: number; removed: number; renamed: number; merged: number; failed: number}
}

export interface DedupeRun {
  result: DedupeResult
  failures: AlipanError[]
}

/**
 * `dedupe PATH`: find groups (same name in one folder, or with --by-hash same SHA-1), decide
 * each by the mode (or ask), and carry the actions out through the existing remove (recycle bin
 * by default), rename and move calls. Folders are listed directly, duplicates as they are; a
 * folder is listed when its turn comes, so what a merge moved into it is seen by `-r`. An entry
 * in no group is never touched.
 */
export async function dedupe(drive: Drive, options: DedupeOptions): Promise<DedupeRun> {
  if (options.byHash && options.mode === 'rename') throw new UsageError('--by-hash groups files of one content under different names: rename does not apply.', {hint: 'choose a mode that keeps one: first, newest, oldest, largest or smallest'})
  if (options.byHash && !drive.features.contentHash) throw new UsageError('--by-hash needs the SHA-1 of each file, and this location lists only that of its encrypted bytes (a nonce of its own per file).', {hint: 'dedupe by name instead'})
  if (options.mode === 'interactive' && !options.choose) throw new UsageError('Interactive dedupe needs a terminal.', {hint: 'choose what to do with --mode skip|first|newest|oldest|largest|smallest|rename|list'})
  const root = await drive.stat(remotePathArg(options.path))
  if (root.type !== 'folder') throw new UsageError(`${root.path} is a file; dedupe looks in folders.`)
  const run = new Runner(drive, options)
  if (options.byHash) {
    const listing = await listEachFolder(drive, root, {maxDepth: options.recursive ? undefined : 1, signal: options.signal})
    const files = [...listing.children.values()].flat().filter((e) => e.type === 'file')
    for (const group of hashGroups(files)) await run.group(group, new Set())
  } else {
    await run.folder(root)
  }
  return {result: run.result, failures: run.failures}
}

class Runner {
  readonly result: DedupeResult
  readonly failures: AlipanError[] = []

  constructor(
    private readonly drive: Drive,
    private readonly options: DedupeOptions,
  ) {
    this.result = {dry_run: Boolean(options.dryRun), mode: options.mode, by_hash: Boolean(options.byHash), groups: [], actions: [], summary: {groups: 0, removed: 0, renamed: 0, merged: 0, failed: 0}}
  }

  /** One folder's name groups, then (with -r) its subfolders, each listed when its turn comes. */
  async folder(folder: RemoteEntry): Promise<void> {
    throwIfAborted(this.options.signal)
    const children = await this.drive.list(folder)
    const taken = new Set(children.map((c) => c.name))
    const gone = new Set<string>()
    const renamed = new Map<string, string>()
    for (const group of nameGroups(folder, children)) {
      for (const action of await this.group(group, taken)) {
        if (action.error) continue
        if (action.action !== 'rename') gone.add(action.file_id)
        else renamed.set(action.file_id, action.to!)
      }
    }
    if (!this.options.recursive) return
    for (const child of children) {
      if (child.type !== 'folder' || gone.has(child.file_id)) continue
      const name = renamed.has(child.file_id) ? renamed.get(child.file_id)!.split('/').pop()! : child.name
      await this.folder({...child, name, path: joinRemotePath(folder.path, name)})
    }
  }

  /** Decide a group and carry its actions out (or, dry or `list`, just report them). */
  async group(group: DedupeGroup, taken: Set<string>): Promise<DedupeActionJson[]> {
    const shown = groupJson(group)
    this.result.groups.push(shown)
    this.result.summary.groups++
    this.options.events?.group?.(shown)
    const mode = this.options.mode
    if (mode === 'list') return []
    const {removals, remaining} = identicalCopies(group, (same) => keeperIndex(same, mode))
    let decision: GroupDecision = {kind: 'skip'}
    if (remaining.length > 1) decision = mode === 'interactive' ? await this.options.choose!(group, remaining) : modeDecision(group, remaining, mode)
    const done: DedupeActionJson[] = []
    for (const action of [...removals, ...decisionActions(remaining, decision, taken)]) done.push(await this.act(action))
    return done
  }

  private async act(action: DedupeAction): Promise<DedupeActionJson> {
    throwIfAborted(this.options.signal)
    const entry = action.entry
    const out: DedupeActionJson =
      action.action === 'remove'
        ? {action: 'remove', path: entry.path, file_id: entry.file_id, reason: action.reason, kept: action.kept.path, kept_id: action.kept.file_id, method: this.options.method}
        : action.action === 'rename'
          ? {action: 'rename', path: entry.path, file_id: entry.file_id, to: joinRemotePath(entry.path, '..', action.to)}
          : {action: 'merge', path: entry.path, file_id: entry.file_id, into: action.into.path, into_id: action.into.file_id}
    if (!this.options.dryRun) {
      try {
        await this.carryOut(action)
        if (action.action === 'remove') this.result.summary.removed++
        else if (action.action === 'rename') this.result.summary.renamed++
        else this.result.summary.merged++
      } catch (error) {
        if (!(error instanceof AlipanError) || isFatal(error)) throw error
        this.failures.push(error)
        this.result.summary.failed++
        out.error = {code: error.code, message: error.message}
      }
    }
    this.result.actions.push(out)
    this.options.events?.acted?.(out)
    return out
  }

  private async carryOut(action: DedupeAction): Promise<void> {
    const events = {signal: this.options.signal, events: this.options.events}
    if (action.action === 'remove') return this.drive.remove(action.entry, this.options.method, events)
    if (action.action === 'rename') {
      // refuse: a name that appeared since the listing fails this rename alone, and makes no `name(1)`.
      await this.drive.rename(action.entry, action.to, 'refuse')
      this.drive.forget(action.entry.path)
      return
    }
    // Merge: everything in the duplicate folder moves into the first one (a clash stays a
    // duplicate there, for -r to see), then the emptied folder goes as a removal does.
    for (const child of await this.drive.list(action.entry)) {
      throwIfAborted(this.options.signal)
      await this.drive.move(child, action.into, child.name, 'ignore', events)
    }
    this.drive.forget(action.entry.path)
    await this.drive.remove(action.entry, this.options.method, events)
  }
}

function groupJson(group: DedupeGroup): DedupeGroupJson {
  return {
    kind: group.kind,
    type: group.type,
    key: group.kind === 'name' ? group.entries[0].path : group.key,
    entries: group.entries.map((e) => ({
      path: e.path,
      file_id: e.file_id,
      type: e.type,
      size: e.type === 'file' ? e.size : null,
      content_hash: e.content_hash ?? null,
      modified: mtimeIso(e),
    })),
  }
}

function mtimeIso(entry: RemoteEntry): string | null {
  const ms = remoteMtimeMs(entry)
  return ms === undefined ? null : new Date(ms).toISOString()
}
