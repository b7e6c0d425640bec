import type {RemoteEntry} from '../drive/drive.js'
import {remoteMtimeMs} from '../drive/entry-time.js'

/**
 * `dedupe`'s rules, as pure functions of the listings: which entries form a group, and what a
 * mode does with one. Modes are rclone's:
 *
 * - every mode but `list`, for a group of files with one name: copies with the same content
 *   (SHA-1 and size) are removed first, keeping one of them, the one the mode would keep;
 * - `skip` then leaves what differs; `first` (the one created first: the original), `newest`,
 *   `oldest`, `largest`, `smallest` keep one and remove the others; `rename` gives all but the
 *   first a name of their own;
 * - folders of one name are merged into the first (their contents moved into it) by the modes
 *   that keep one, renamed by `rename`, left by `skip`;
 * - `--by-hash` groups are files of one content anywhere: the keeping modes keep one, `skip`
 *   leaves them (`rename` does not apply).
 */
export type DedupeMode = 'interactive' | 'skip' | 'first' | 'newest' | 'oldest' | 'largest' | 'smallest' | 'rename' | 'list'
export const DEDUPE_MODES: readonly DedupeMode[] = ['interactive', 'skip', 'first', 'newest', 'oldest', 'largest', 'smallest', 'rename', 'list']

export interface DedupeGroup {
  kind: 'name' | 'hash'
  type: 'file' | 'folder'
  /** Name groups: the folder holding them. */
  folder?: RemoteEntry
  /** Name groups: the shared name; hash groups: the shared SHA-1. */
  key: string
  /** Name groups: oldest first (by `created_at`, then id), so "first" is the original; hash groups: path order. */
  entries: RemoteEntry[]
}

/** What a group comes to: a mode's choice, or the user's. */
export type GroupDecision = {kind: 'skip'} | {kind: 'keep'; index: number} | {kind: 'rename'} | {kind: 'merge'}

export type DedupeAction =
  | {action: 'remove'; entry: RemoteEntry; reason: 'identical' | 'duplicate'; kept: RemoteEntry}
  | {action: 'rename'; entry: RemoteEntry; to: string}
  | {action: 'merge'; entry: RemoteEntry; into: RemoteEntry}

/** Entries of one folder sharing a name and a type (a file and a folder of one name are not duplicates of each other). */
export function nameGroups(folder: RemoteEntry, children: readonly RemoteEntry[]): DedupeGroup[] {
  const byKey = new Map<string, RemoteEntry[]>()
  for (const child of children) {
    const key = `${child.type}\u0000${child.name}`
    byKey.set(key, [...(byKey.get(key) ?? []), child])
  }
  const created = (a: RemoteEntry, b: RemoteEntry) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || (a.file_id < b.file_id ? -1 : a.file_id > b.file_id ? 1 : 0)
  return [...byKey.values()].filter((entries) => entries.length > 1).map((entries) => ({kind: 'name', type: entries[0].type, folder, key: entries[0].name, entries: entries.sort(created)}))
}

/** Files sharing a SHA-1 and a size, anywhere among `files`; files without a SHA-1 are in no group. */
export function hashGroups(files: readonly RemoteEntry[]): DedupeGroup[] {
  const byHash = new Map<string, RemoteEntry[]>()
  for (const file of files) {
    if (file.type !== 'file' || !file.content_hash) continue
    const key = `${file.content_hash.toUpperCase()}:${file.size}`
    byHash.set(key, [...(byHash.get(key) ?? []), file])
  }
  const groups: DedupeGroup[] = []
  for (const entries of byHash.values()) {
    if (entries.length < 2) continue
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    groups.push({kind: 'hash', type: 'file', key: entries[0].content_hash!.toUpperCase(), entries})
  }
  return groups.sort((a, b) => (a.entries[0].path < b.entries[0].path ? -1 : 1))
}

/**
 * The step every mode but `list` takes first in a group of same-named files: of copies with the
 * same content, keep one (`pick` chooses which) and remove the rest. Returns the removals and
 * what is left: one entry per distinct content, in the group's order.
 */
export function identicalCopies(group: DedupeGroup, pick: (entries: RemoteEntry[]) => number): {removals: DedupeAction[]; remaining: RemoteEntry[]} {
  if (group.kind !== 'name' || group.type !== 'file') return {removals: [], remaining: group.entries}
  const byContent = new Map<string, RemoteEntry[]>()
  const order: string[] = []
  for (const entry of group.entries) {
    const key = entry.content_hash ? `${entry.content_hash.toUpperCase()}:${entry.size}` : `\u0000${entry.file_id}`
    if (!byContent.has(key)) order.push(key)
    byContent.set(key, [...(byContent.get(key) ?? []), entry])
  }
  const removals: DedupeAction[] = []
  const kept = new Set<RemoteEntry>()
  for (const key of order) {
    const same = byContent.get(key)!
    const keep = same[pick(same)]
    kept.add(keep)
    for (const entry of same) if (entry !== keep) removals.push({action: 'remove', entry, reason: 'identical', kept: keep})
  }
  return {removals, remaining: group.entries.filter((e) => kept.has(e))}
}

/** The entry a keeping mode keeps: an index into `entries` (ties: the earlier one). */
export function keeperIndex(entries: readonly RemoteEntry[], mode: DedupeMode): number {
  const score = (e: RemoteEntry): number => {
    switch (mode) {
      case 'newest':
        return remoteMtimeMs(e) ?? Number.NEGATIVE_INFINITY
      case 'oldest':
        return -(remoteMtimeMs(e) ?? Number.POSITIVE_INFINITY)
      case 'largest':
        return e.size
      case 'smallest':
        return -e.size
      default:
        return 0
    }
  }
  let best = 0
  for (let i = 1; i < entries.length; i++) if (score(entries[i]) > score(entries[best])) best = i
  return best
}

/** What a (non-interactive) mode decides for what is left of a group. */
export function modeDecision(group: DedupeGroup, remaining: readonly RemoteEntry[], mode: Exclude<DedupeMode, 'interactive' | 'list'>): GroupDecision {
  if (remaining.length < 2 || mode === 'skip') return {kind: 'skip'}
  if (mode === 'rename') return group.kind === 'hash' ? {kind: 'skip'} : {kind: 'rename'}
  if (group.type === 'folder') return {kind: 'merge'}
  return {kind: 'keep', index: keeperIndex(remaining, mode)}
}

/**
 * The actions a decision makes of what is left of a group. `taken`: every name in the folder
 * (renames pick names not in it, and add theirs).
 */
export function decisionActions(remaining: readonly RemoteEntry[], decision: GroupDecision, taken: Set<string>): DedupeAction[] {
  switch (decision.kind) {
    case 'skip':
      return []
    case 'keep': {
      const kept = remaining[decision.index]
      return remaining.filter((e) => e !== kept).map((entry) => ({action: 'remove', entry, reason: 'duplicate', kept}))
    }
    case 'merge':
      return remaining.slice(1).map((entry) => ({action: 'merge', entry, into: remaining[0]}))
    case 'rename':
      return remaining.slice(1).map((entry) => {
        const to = uniqueName(entry.name, entry.type, taken)
        taken.add(to)
        return {action: 'rename', entry, to}
      })
  }
}

/** `photo.jpg` → `photo-1.jpg` (then `-2`, …), the first not in `taken`; folders and dotfiles keep no extension apart. */
export function uniqueName(name: string, type: 'file' | 'folder', taken: ReadonlySet<string>): string {
  const dot = type === 'file' ? name.lastIndexOf('.') : -1
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let n = 1; ; n++) {
    const candidate = `${stem}-${n}${ext}`
    if (!taken.has(candidate)) return candidate
  }
}
