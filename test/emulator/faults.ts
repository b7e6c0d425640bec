// Scripted failures (§9 item 8): canned error replies for matching requests, lost answers,
// dropped data-plane connections, and async tasks that end `Failed`.

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

/** A request that is carried out in full, whose answer never leaves: the socket is destroyed instead. */
export interface LoseAnswerSpec {
  method?: string
  /** exact path, or a RegExp tested against the path (no query string) */
  path?: string | RegExp
  times?: number
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
  private losses: Array<Pending<LoseAnswerSpec>> = []
  private drops: Array<Pending<DropSpec>> = []
  private failTasks = 0
  private rapidMisses = 0

  inject(spec: InjectSpec): void {
    this.injected.push({spec, left: spec.times ?? 1})
  }

  /**
   * The next `times` (default 1) matching API, OAuth or online-service requests are carried out,
   * and then the connection is dropped instead of answering: the write happened, the client never
   * hears so. (Data-plane paths are left to `dropConnection`.)
   */
  loseAnswer(spec: LoseAnswerSpec = {}): void {
    this.losses.push({spec, left: spec.times ?? 1})
  }

  dropConnection(spec: DropSpec): void {
    this.drops.push({spec, left: spec.times ?? 1})
  }

  /** the next `times` async tasks (folder copy/move/trash/delete) end Failed and change nothing */
  failAsyncTasks(times = 1): void {
    this.failTasks += times
  }

  /**
   * The next `times` file creates that offer a content_hash with a proof find no stored content:
   * they answer a normal upload session, the spec's "no match" outcome (§5.4), as a service
   * whose store lacks the content (another region, a purge) or declines the rapid upload would.
   */
  missRapid(times = 1): void {
    this.rapidMisses += times
  }

  clear(): void {
    this.injected = []
    this.losses = []
    this.drops = []
    this.failTasks = 0
    this.rapidMisses = 0
  }

  /** Takes one use of the first fault matching this request, if any. */
  match(method: string, path: string): InjectSpec | undefined {
    const i = this.injected.findIndex(({spec}) => matches(spec, method, path))
    if (i < 0) return undefined
    return this.use(this.injected, i)
  }

  /** Takes one use of a pending lost answer for this request: true = carry it out, then drop the connection. */
  takeLoss(method: string, path: string): boolean {
    const i = this.losses.findIndex(({spec}) => matches(spec, method, path))
    if (i < 0) return false
    this.use(this.losses, i)
    return true
  }

  /** bytes after which this data-plane request's socket should be destroyed, if a drop is pending */
  takeDrop(kind: DropSpec['kind']): number | undefined {
    const i = this.drops.findIndex(({spec}) => spec.kind === kind)
    return i < 0 ? undefined : this.use(this.drops, i).afterBytes
  }

  takeRapidMiss(): boolean {
    if (this.rapidMisses <= 0) return false
    this.rapidMisses--
    return true
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

function matches(spec: {method?: string; path?: string | RegExp}, method: string, path: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method) return false
  if (spec.path === undefined) return true
  return typeof spec.path === 'string' ? spec.path === path : spec.path.test(path)
}
