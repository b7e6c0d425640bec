import {extname} from 'node:path'

import type {RemoteEntry} from '../drive/drive.js'

/**
 * Where the entries of one remote folder land locally, so that no file's bytes ever replace
 * another's. Two or more entries *clash* when they would land on one local name:
 * - `duplicate`: the same name twice (the service allows it, `check_name_mode: ignore`);
 * - `case`: names the target file system takes for one (`Readme.txt`/`README.txt` where case is
 *   ignored, `é` precomposed or not where Unicode forms are);
 * - `mapped`: names made equal on the way down (`a:b.txt` made Windows-safe beside `a_b.txt`, a
 *   live photo's `IMG.livp` saved as `IMG.jpg` beside an `IMG.jpg`).
 *
 * The rule (README, "Name clashes"): the newest entry (latest `created_at`, then the greatest
 * `file_id`) keeps the name; every other one is numbered `name (2).ext`, `name (3).ext`, … in
 * the order it was created (then by file id), skipping any number whose name would clash with
 * another name of the folder. The result depends on the remote listing and the file system's
 * rules alone, never on what is on the local disk, so `get -r` and every `sync` run give each
 * entry the same local name until the drive itself changes.
 */

export type ClashKind = 'duplicate' | 'case' | 'mapped'

/** What makes two local names one on the target file system (probed: local-case.ts). */
export interface NameRules {
  /** `README.txt` and `readme.txt` are one file (Windows, macOS by default, casefolded ext4…). */
  caseInsensitive: boolean
  /** `é` (NFC) and `é` (NFD) are one file (macOS). */
  normalizationInsensitive: boolean
}

export const EXACT_NAMES: NameRules = {caseInsensitive: false, normalizationInsensitive: false}

/** The key under which two names are one local file. Case folds as upper-then-lower (`ς`/`σ`, `ß`/`SS` meet). */
export function foldName(name: string, rules: NameRules): string {
  let key = rules.normalizationInsensitive || rules.caseInsensitive ? name.normalize('NFC') : name
  if (rules.caseInsensitive) key = key.toUpperCase().toLowerCase()
  return key
}

/** A path relative to a folder, folded segment by segment. */
export function foldRel(rel: string, rules: NameRules): string {
  return rel
    .split('/')
    .map((s) => foldName(s, rules))
    .join('/')
}

export interface Placement {
  entry: RemoteEntry
  /** The local name it lands under. */
  name: string
  /** Set when it lost a clash: it lands under a disambiguated name. */
  clash?: {kind: ClashKind; keeper: RemoteEntry; keeperName: string}
}

/** Most local file systems take names of up to 255 bytes. */
const NAME_MAX = 255

/**
 * `name (n).ext` for files (`archive.tar (2).gz`, `.bashrc (2)`), `name (n)` for folders; the
 * stem is shortened (never the number or extension) when the whole would pass 255 bytes.
 */
export function numberedName(name: string, n: number, type: 'file' | 'folder'): string {
  let ext = type === 'file' ? extname(name) : ''
  if (ext === '.' || Buffer.byteLength(ext) > 32) ext = ''
  const suffix = ` (${n})${ext}`
  const chars = [...name.slice(0, name.length - ext.length)]
  while (chars.length > 1 && Buffer.byteLength(chars.join('') + suffix) > NAME_MAX) chars.pop()
  return chars.join('') + suffix
}

/** Newest last: `created_at` (which a rename or a move leaves alone, so the order never flips), then file id. */
function createdOrder(a: RemoteEntry, b: RemoteEntry): number {
  const ta = timeOf(a)
  const tb = timeOf(b)
  if (ta !== tb) return ta < tb ? -1 : 1
  return a.file_id < b.file_id ? -1 : a.file_id > b.file_id ? 1 : 0
}

function timeOf(entry: RemoteEntry): number {
  const ms = Date.parse(entry.created_at ?? entry.updated_at ?? '')
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms
}

/**
 * Place one folder's entries, each with the local name it would take on its own (`localName`,
 * already made safe). Entries come back in listing order, each with the name it lands under.
 */
export function placeEntries(children: ReadonlyArray<{entry: RemoteEntry; name: string}>, rules: NameRules): Placement[] {
  const groups = new Map<string, Array<{entry: RemoteEntry; name: string}>>()
  for (const child of children) {
    const key = foldName(child.name, rules)
    const group = groups.get(key)
    if (group) group.push(child)
    else groups.set(key, [child])
  }
  // Every name the folder's entries would take on their own is taken: a numbered name may not be one.
  const taken = new Set(groups.keys())
  const placed = new Map<RemoteEntry, Placement>()
  for (const group of groups.values()) {
    if (group.length === 1) {
      placed.set(group[0].entry, group[0])
      continue
    }
    const ordered = [...group].sort((a, b) => createdOrder(a.entry, b.entry))
    const keeper = ordered.pop()!
    placed.set(keeper.entry, keeper)
    for (const loser of ordered) {
      let name: string
      for (let n = 2; ; n++) {
        name = numberedName(loser.name, n, loser.entry.type)
        if (!taken.has(foldName(name, rules))) break
      }
      taken.add(foldName(name, rules))
      const kind: ClashKind = loser.entry.name === keeper.entry.name ? 'duplicate' : loser.name === keeper.name ? 'mapped' : 'case'
      placed.set(loser.entry, {entry: loser.entry, name, clash: {kind, keeper: keeper.entry, keeperName: keeper.name}})
    }
  }
  return children.map((child) => placed.get(child.entry)!)
}

/** Words for a clash, as stderr and the README put it. */
export function describeClash(kind: ClashKind): string {
  switch (kind) {
    case 'duplicate':
      return 'the drive holds another entry of the same name there'
    case 'case':
      return 'another name there differs only in case (or Unicode form), which this file system ignores'
    case 'mapped':
      return 'another name there becomes the same once made safe for this file system'
  }
}
