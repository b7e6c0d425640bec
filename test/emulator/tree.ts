// One drive's file tree (§4). The root is the literal id "root" and has no node of its own.
// Trashing marks a node; its descendants are "in the recycle bin" through that ancestor. Trashed
// nodes still count against quota (§4.13); `remove` (permanent delete) frees it.
import {invalidParam} from './errors.js'
import type {FileNode} from './types.js'

export const ROOT = 'root'

/** ≤1024 bytes UTF-8, non-empty, no `/` (§1.3). */
export function validateName(name: string, field = 'name'): void {
  if (name === '' || name.includes('/') || Buffer.byteLength(name, 'utf8') > 1024) throw invalidParam(field)
}

/** `a.txt` → `a(1).txt`, `a(2).txt`, …; folders and dotfiles get the suffix at the end. */
function numbered(name: string, n: number, isFile: boolean): string {
  const dot = isFile ? name.lastIndexOf('.') : -1
  return dot > 0 ? `${name.slice(0, dot)}(${n})${name.slice(dot)}` : `${name}(${n})`
}

export class Drive {
  readonly nodes = new Map<string, FileNode>()
  private readonly kids = new Map<string, Set<string>>()
  /** bytes of every file node still present, trashed ones included */
  used = 0

  constructor(
    readonly id: string,
    readonly ownerId: string,
    readonly createdAt: number,
  ) {}

  get(id: string): FileNode | undefined {
    return this.nodes.get(id)
  }

  /** true when the node or one of its ancestors is in the recycle bin */
  isTrashed(node: FileNode): boolean {
    for (let n: FileNode | undefined = node; n; n = this.nodes.get(n.parent_file_id)) if (n.trashed) return true
    return false
  }

  isLiveFolder(id: string): boolean {
    if (id === ROOT) return true
    const n = this.nodes.get(id)
    return !!n && n.type === 'folder' && !this.isTrashed(n)
  }

  /** children outside the recycle bin, in insertion order */
  children(parentId: string): FileNode[] {
    const ids = this.kids.get(parentId)
    if (!ids) return []
    const out: FileNode[] = []
    for (const id of ids) {
      const n = this.nodes.get(id)
      if (n && !n.trashed) out.push(n)
    }
    return out
  }

  /** the oldest live child with that exact name (duplicates can exist under `ignore`) */
  findChild(parentId: string, name: string, except?: string): FileNode | undefined {
    return this.children(parentId).find((n) => n.name === name && n.file_id !== except)
  }

  uniqueName(parentId: string, name: string, isFile: boolean, except?: string): string {
    if (!this.findChild(parentId, name, except)) return name
    for (let i = 1; ; i++) {
      const candidate = numbered(name, i, isFile)
      if (!this.findChild(parentId, candidate, except)) return candidate
    }
  }

  /** descendants of a node, itself excluded, trashed ones included */
  descendants(id: string): FileNode[] {
    const out: FileNode[] = []
    const stack = [id]
    while (stack.length > 0) {
      for (const kid of this.kids.get(stack.pop() as string) ?? []) {
        const n = this.nodes.get(kid)
        if (!n) continue
        out.push(n)
        stack.push(kid)
      }
    }
    return out
  }

  isAncestor(ancestorId: string, id: string): boolean {
    for (let n = this.nodes.get(id); n; n = this.nodes.get(n.parent_file_id)) {
      if (n.parent_file_id === ancestorId) return true
    }
    return false
  }

  add(node: FileNode): void {
    this.nodes.set(node.file_id, node)
    this.link(node)
    this.used += node.size ?? 0
  }

  move(node: FileNode, parentId: string, name: string): void {
    this.kids.get(node.parent_file_id)?.delete(node.file_id)
    node.parent_file_id = parentId
    node.name = name
    this.link(node)
  }

  /** permanent delete of a node and its subtree */
  remove(node: FileNode): void {
    for (const n of [node, ...this.descendants(node.file_id)]) {
      this.nodes.delete(n.file_id)
      this.kids.delete(n.file_id)
      this.used -= n.size ?? 0
    }
    this.kids.get(node.parent_file_id)?.delete(node.file_id)
  }

  /** absolute path lookup; trashed entries are invisible; "/" itself is not a file (§4.6) */
  resolve(path: string): FileNode | undefined {
    const parts = path.split('/').filter((p) => p !== '')
    let current: FileNode | undefined
    let parentId = ROOT
    for (const part of parts) {
      current = this.findChild(parentId, part)
      if (!current) return undefined
      parentId = current.file_id
    }
    return current
  }

  /** the absolute path of a node */
  pathOf(node: FileNode): string {
    const names: string[] = []
    for (let n: FileNode | undefined = node; n; n = this.nodes.get(n.parent_file_id)) names.unshift(n.name)
    return '/' + names.join('/')
  }

  private link(node: FileNode): void {
    let set = this.kids.get(node.parent_file_id)
    if (!set) this.kids.set(node.parent_file_id, (set = new Set()))
    set.add(node.file_id)
  }
}
