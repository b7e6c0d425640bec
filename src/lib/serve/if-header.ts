import {badRequest} from './errors.js'

/**
 * The `If` header (RFC 4918 §10.4), parsed and evaluated (pure). It is a set of lists, each
 * optionally tagged with a resource; a list holds when all its conditions do (a lock token of a
 * lock on the resource, an entity tag matching it, each maybe negated with `Not`); the header
 * holds when any list does. Every lock token it names counts as submitted, which is what lets a
 * lock holder write.
 */

export interface IfCondition {
  not: boolean
  /** A state token (`opaquelocktoken:…`, `DAV:no-lock`). */
  token?: string
  /** An entity tag as written, quotes included (`"abc"`, `W/"abc"`). */
  etag?: string
}

export interface IfList {
  /** The tagged resource (an absolute URL or a path), or undefined for the request's own. */
  resource?: string
  conditions: IfCondition[]
}

/** What the evaluation needs to know about a resource. */
export interface ResourceState {
  /** Undefined when the resource does not exist (an entity-tag condition cannot match). */
  etag?: string
  /** Tokens of the locks that cover it. */
  lockTokens: readonly string[]
}

export function parseIfHeader(value: string): IfList[] {
  const lists: IfList[] = []
  let i = 0
  let resource: string | undefined
  let tagged: boolean | undefined
  const skipSpace = () => {
    while (i < value.length && /\s/.test(value[i])) i++
  }
  const until = (end: string) => {
    const close = value.indexOf(end, i)
    if (close < 0) throw badRequest('Malformed If header.')
    const text = value.slice(i, close)
    i = close + 1
    return text
  }
  for (;;) {
    skipSpace()
    if (i >= value.length) break
    if (value[i] === '<') {
      if (tagged === false) throw badRequest('Malformed If header: tagged and untagged lists mixed.')
      tagged = true
      i++
      resource = until('>')
      skipSpace()
      if (value[i] !== '(') throw badRequest('Malformed If header: a resource tag without a list.')
      continue
    }
    if (value[i] !== '(') throw badRequest('Malformed If header.')
    if (tagged === undefined) tagged = false
    i++
    const conditions: IfCondition[] = []
    for (;;) {
      skipSpace()
      if (value[i] === ')') {
        i++
        break
      }
      let not = false
      if (value.slice(i, i + 3).toLowerCase() === 'not' && /[\s<[]/.test(value[i + 3] ?? '')) {
        not = true
        i += 3
        skipSpace()
      }
      if (value[i] === '<') {
        i++
        conditions.push({not, token: until('>')})
      } else if (value[i] === '[') {
        i++
        conditions.push({not, etag: until(']').trim()})
      } else {
        throw badRequest('Malformed If header: expected a state token or an entity tag.')
      }
    }
    if (conditions.length === 0) throw badRequest('Malformed If header: an empty list.')
    lists.push({resource, conditions})
  }
  if (lists.length === 0) throw badRequest('Malformed If header: no list.')
  return lists
}

/** Every state token the header names: the locks the client says it holds. */
export function submittedTokens(lists: readonly IfList[]): Set<string> {
  const tokens = new Set<string>()
  for (const list of lists) for (const c of list.conditions) if (c.token && !c.not) tokens.add(c.token)
  return tokens
}

/**
 * Does the header hold? `stateOf(resource)` gives the state of a tagged resource (undefined
 * resource = the request's own).
 */
export async function evaluateIf(lists: readonly IfList[], stateOf: (resource: string | undefined) => Promise<ResourceState>): Promise<boolean> {
  for (const list of lists) {
    const state = await stateOf(list.resource)
    if (list.conditions.every((c) => holds(c, state))) return true
  }
  return false
}

function holds(condition: IfCondition, state: ResourceState): boolean {
  let match: boolean
  if (condition.token !== undefined) match = state.lockTokens.includes(condition.token)
  else match = state.etag !== undefined && sameEtag(condition.etag!, state.etag)
  return condition.not ? !match : match
}

/** Strong comparison, but a weak tag from the client is taken at its word (`W/"x"` matches `"x"`). */
export function sameEtag(a: string, b: string): boolean {
  const bare = (tag: string) => tag.replace(/^W\//, '')
  return bare(a) === bare(b)
}

/** `If-Match` / `If-None-Match` lists: `*` or comma-separated entity tags. */
export function matchesEtagList(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return etag !== undefined
  if (etag === undefined) return false
  return header.split(',').some((tag) => sameEtag(tag.trim(), etag))
}
