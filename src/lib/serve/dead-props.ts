/**
 * Dead properties (RFC 4918 §4: properties a client invents and the server only keeps, such as
 * Windows' Win32FileAttributes) in memory, keyed by the entry's file id so that a rename or a
 * move elsewhere keeps them. Alipan has no field to hold them, so they last as long as the
 * server runs; the sizes are bounded so that no client can grow the server without limit.
 */

export interface DeadProperty {
  ns: string
  name: string
  /** Self-contained XML content (xml.ts `serializeChildren`). */
  value: string
}

/** Per value and for the whole store: past them a PROPPATCH answers 507 for that property. */
export const MAX_VALUE_BYTES = 64 * 1024
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024

const keyOf = (ns: string, name: string) => `{${ns}}${name}`

export class DeadPropertyStore {
  private readonly byId = new Map<string, Map<string, DeadProperty>>()
  private total = 0

  get(id: string): DeadProperty[] {
    return [...(this.byId.get(id)?.values() ?? [])]
  }

  find(id: string, ns: string, name: string): DeadProperty | undefined {
    return this.byId.get(id)?.get(keyOf(ns, name))
  }

  /** Would these values fit? (PROPPATCH checks every property before applying any.) */
  fits(id: string, values: DeadProperty[]): boolean {
    let total = this.total
    for (const p of values) {
      const size = sizeOf(p)
      if (size > MAX_VALUE_BYTES) return false
      total += size - (this.find(id, p.ns, p.name) ? sizeOf(this.find(id, p.ns, p.name)!) : 0)
    }
    return total <= MAX_TOTAL_BYTES
  }

  set(id: string, property: DeadProperty): void {
    let props = this.byId.get(id)
    if (!props) this.byId.set(id, (props = new Map()))
    const key = keyOf(property.ns, property.name)
    const old = props.get(key)
    if (old) this.total -= sizeOf(old)
    props.set(key, property)
    this.total += sizeOf(property)
  }

  remove(id: string, ns: string, name: string): void {
    const props = this.byId.get(id)
    const old = props?.get(keyOf(ns, name))
    if (!props || !old) return
    props.delete(keyOf(ns, name))
    this.total -= sizeOf(old)
    if (props.size === 0) this.byId.delete(id)
  }

  /** The entry got a new id (overwritten, re-created): its properties follow it. */
  rename(from: string, to: string): void {
    const props = this.byId.get(from)
    if (!props || from === to) return
    this.drop(to)
    this.byId.delete(from)
    this.byId.set(to, props)
  }

  copy(from: string, to: string): void {
    this.drop(to)
    for (const p of this.get(from)) this.set(to, {...p})
  }

  drop(id: string): void {
    for (const p of this.get(id)) this.remove(id, p.ns, p.name)
  }
}

function sizeOf(p: DeadProperty): number {
  return p.ns.length + p.name.length + p.value.length
}
