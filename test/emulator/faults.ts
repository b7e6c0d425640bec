// Scripted failures (§9 item 8): canned error replies for matching requests, dropped data-plane
// connections, and async tasks that end `Failed`.

export interface InjectSpec {
  method?: string
  /** exact path, or a RegExp tested against the path (no query string) */
  path?: string | RegExp
  times?: number
  status: number
  code?: string
  message?: string
  retryAfterMs?: number
  /** sent verbatim instead of the JSON error: a string as text/plain, anything else as JSON */
  body?: unknown
}

export interface DropSpec {
  kind: 'upload' | 'download'
  afterBytes: number
  times?: number
}

interface Pending<T> {
  spec: T
  left: number
}

export class Faults {
  private injected: Array<Pending<InjectSpec>> = []
  private drops: Array<Pending<DropSpec>> = []
  private failTasks = 0

  inject(spec: InjectSpec): void {
    this.injected.push({spec, left: spec.times ?? 1})
  }

  dropConnection(spec: DropSpec): void {
    this.drops.push({spec, left: spec.times ?? 1})
  }

  /** the next `times` async tasks (folder copy/move/trash/delete) end Failed and change nothing */
  failAsyncTasks(times = 1): void {
    this.failTasks += times
  }

  clear(): void {
    this.injected = []
    this.drops = []
    this.failTasks = 0
  }

  /** Takes one use of the first fault matching this request, if any. */
  match(method: string, path: string): InjectSpec | undefined {
    const i = this.injected.findIndex(({spec}) => {
      if (spec.method && spec.method.toUpperCase() !== method) return false
      if (spec.path === undefined) return true
      return typeof spec.path === 'string' ? spec.path === path : spec.path.test(path)
    })
    if (i < 0) return undefined
    return this.use(this.injected, i)
  }

  /** bytes after which this data-plane request's socket should be destroyed, if a drop is pending */
  takeDrop(kind: DropSpec['kind']): number | undefined {
    const i = this.drops.findIndex(({spec}) => spec.kind === kind)
    return i < 0 ? undefined : this.use(this.drops, i).afterBytes
  }

  takeTaskFailure(): boolean {
    if (this.failTasks <= 0) return false
    this.failTasks--
    return true
  }

  private use<T>(list: Array<Pending<T>>, i: number): T {
    const p = list[i]
    if (--p.left <= 0) list.splice(i, 1)
    return p.spec
  }
}
