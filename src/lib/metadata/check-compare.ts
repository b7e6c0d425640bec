import {AlipanError, ExitCode} from '../errors.js'
import {type Tree, type TreeNode, isWithin} from '../files/tree.js'

/**
 * What `check` finds at a path, with rclone's signs: `=` identical, `-` missing on SRC (only on
 * DST), `+` missing on DST (only on SRC), `*` differs, `!` could not be read or hashed.
 */
export type CheckKind = 'match' | 'missing_on_src' | 'missing_on_dst' | 'differ' | 'error'

export const CHECK_SIGNS: Readonly<Record<CheckKind, string>> = {match: '=', missing_on_src: '-', missing_on_dst: '+', differ: '*', error: '!'}

export interface CheckLine {
  kind: CheckKind
  /** Relative to SRC and DST, POSIX separators; a folder ends in `/`. */
  path: string
  error?: AlipanError
}

export interface CheckRules {
  /** Sizes alone: no SHA-1 is needed, so no local file is read. */
  sizeOnly?: boolean
  /** Ignore what is only on DST. */
  oneWay?: boolean
}

/**
 * The local files whose SHA-1 the comparison needs: files on both sides of the same size (a
 * different size differs without reading anything), none with --size-only. A remote side's SHA-1
 * comes from its listing.
 */
export function localFilesToHash(source: Tree, dest: Tree, rules: CheckRules): TreeNode[] {
  if (rules.sizeOnly) return []
  const out: TreeNode[] = []
  for (const [rel, s] of source.nodes) {
    const d = dest.nodes.get(rel)
    if (s.type !== 'file' || d?.type !== 'file' || s.size !== d.size) continue
    if (s.path !== undefined) out.push(s)
    if (d.path !== undefined) out.push(d)
  }
  return out
}

/**
 * `check`: both trees and the local SHA-1s in, one line per path out, in path order. A pure
 * function: the walks (the ones `sync` makes) and the hashing happen before it.
 *
 * - Files: different sizes differ; with --size-only equal sizes match; otherwise the SHA-1s
 *   decide (the listing's for a remote file, `localHashes` for a local one).
 * - Folders count as entries too: one only on one side is `+ dir/` or `- dir/` (a mirror has its
 *   empty folders); a file where the other side has a folder differs.
 * - `failures` (a folder or file that could not be read or hashed, on either side) are `!`, and
 *   nothing at or under them is compared; nor is anything under `ignored` (left out on purpose,
 *   such as a FIFO, on either side).
 */
export function compareTrees(source: Tree, dest: Tree, rules: CheckRules, localHashes: ReadonlyMap<string, string>, failures: ReadonlyArray<{rel: string; error: AlipanError}>, ignored: readonly string[] = []): CheckLine[] {
  // The folder itself (rel ``) could not be read: `! .`.
  const lines: CheckLine[] = failures.map((f) => ({kind: 'error' as const, path: f.rel || '.', error: f.error}))
  const fenced = [...failures.map((f) => f.rel), ...ignored]
  const left = (rel: string) => fenced.some((r) => isWithin(rel, r))
  const hashOf = (node: TreeNode) => (node.path !== undefined ? localHashes.get(node.rel) : node.hash)?.toUpperCase()

  for (const [rel, s] of source.nodes) {
    if (left(rel)) continue
    const d = dest.nodes.get(rel)
    const shown = s.type === 'folder' ? `${rel}/` : rel
    if (!d) {
      lines.push({kind: 'missing_on_dst', path: shown})
      continue
    }
    if (s.type !== d.type) {
      lines.push({kind: 'differ', path: rel})
      continue
    }
    if (s.type === 'folder') continue
    if (s.size !== d.size) lines.push({kind: 'differ', path: rel})
    else if (rules.sizeOnly) lines.push({kind: 'match', path: rel})
    else {
      const a = hashOf(s)
      const b = hashOf(d)
      // A remote listing without a SHA-1 (the spec has it for every file, but a client checks).
      if (a === undefined || b === undefined) lines.push({kind: 'error', path: rel, error: noHash(rel)})
      else lines.push({kind: a === b ? 'match' : 'differ', path: rel})
    }
  }
  if (!rules.oneWay) {
    for (const [rel, d] of dest.nodes) {
      if (left(rel) || source.nodes.has(rel)) continue
      lines.push({kind: 'missing_on_src', path: d.type === 'folder' ? `${rel}/` : rel})
    }
  }
  return lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function noHash(rel: string): AlipanError {
  return new AlipanError(`${rel}: the remote listing carries no SHA-1 for it, so its content cannot be compared.`, ExitCode.unexpected, {
    code: 'NoContentHash',
    hint: 'compare it with --size-only, or download it and compare by hand',
  })
}
