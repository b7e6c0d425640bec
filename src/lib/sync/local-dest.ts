import {type NameRules, foldRel} from '../files/name-clash.js'
import {type Tree, type TreeNode, joinRel, landsAt, parentRel} from '../files/tree.js'
import {legacyPartName} from '../transfer/download.js'

/**
 * A local DEST as a download's plan must see it. alipan's own temporary files never reach the
 * tree (the local walk leaves out `*.alipan-part*`); these two adjust what else it holds.
 */

/**
 * Where an earlier alipan left `NAME.part` (and `NAME.part.json`) beside a file SOURCE has, and
 * SOURCE has no entry landing under that name itself (one a filter leaves out included: that
 * `NAME.part` is its copy, to be left alone), it is ours: not a DEST-only entry to delete, but
 * bytes the download of NAME takes over (`adoptLegacyPart`). True for such a rel.
 */
export function legacyPartOwner(source: Tree): (rel: string) => boolean {
  return (rel) => !landsAt(source, joinRel(parentRel(rel), legacyPartName(rel.slice(rel.lastIndexOf('/') + 1))))
}

export function dropLegacyParts(source: Tree, dest: Tree): void {
  const ours = legacyPartOwner(source)
  for (const [rel, node] of source.nodes) {
    if (node.type !== 'file' || !ours(rel)) continue
    const legacy = joinRel(parentRel(rel), legacyPartName(rel.slice(rel.lastIndexOf('/') + 1)))
    for (const leftover of [legacy, `${legacy}.json`]) if (dest.nodes.get(leftover)?.type === 'file' && !landsAt(source, leftover)) dest.nodes.delete(leftover)
  }
}

/**
 * On a file system that ignores case (or Unicode form), `notes.txt` on disk is SOURCE's
 * `Notes.txt`: key it so, or the plan would download `Notes.txt` onto it and then delete
 * `notes.txt`, which is the same file (and macOS hands back decomposed names that way too). The
 * node keeps its real path; an exact match always wins.
 */
export function keyLikeSource(source: Tree, dest: Tree, rules: NameRules): void {
  if (!rules.caseInsensitive && !rules.normalizationInsensitive) return
  const bySourceKey = new Map<string, string>()
  for (const rel of source.nodes.keys()) bySourceKey.set(foldRel(rel, rules), rel)
  const keyed = new Map<string, TreeNode>()
  for (const [rel, node] of dest.nodes) {
    const target = source.nodes.has(rel) ? undefined : bySourceKey.get(foldRel(rel, rules))
    if (target !== undefined && !dest.nodes.has(target) && !keyed.has(target)) keyed.set(target, {...node, rel: target})
    else keyed.set(rel, node)
  }
  dest.nodes = keyed
}
