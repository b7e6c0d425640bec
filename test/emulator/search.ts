// The search query language of openFile/search (§4.3):
//   cond  := field op value        op ∈ = match < <= > >=, value in '…' or "…"
//   query := cond (and|or cond)*   `and` binds tighter than `or`; parentheses group; ≤ 5 conds
// An empty query matches everything. Errors are 400 InvalidParameter.Query.
import {ApiError} from './errors.js'
import {classify} from './mime.js'
import type {FileNode} from './types.js'

const FIELDS = ['name', 'parent_file_id', 'file_extension', 'category', 'type', 'created_at', 'updated_at'] as const
type Field = (typeof FIELDS)[number]
type Op = '=' | 'match' | '<' | '<=' | '>' | '>='
const MAX_CONDITIONS = 5

interface Cond {
  kind: 'cond'
  field: Field
  op: Op
  value: string
  time?: number
}
type Expr = Cond | {kind: 'and' | 'or'; left: Expr; right: Expr}

type Token = {t: 'word'; v: string} | {t: 'str'; v: string} | {t: 'op'; v: Op} | {t: '(' | ')'}

const bad = (detail: string) => new ApiError(400, 'InvalidParameter.Query', `The input parameter query is not valid. ${detail}`)

function tokenize(q: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]
    if (/\s/.test(c)) {
      i++
    } else if (c === '(' || c === ')') {
      out.push({t: c})
      i++
    } else if (c === "'" || c === '"') {
      let v = ''
      i++
      while (i < q.length && q[i] !== c) {
        if (q[i] === '\\' && i + 1 < q.length) i++
        v += q[i++]
      }
      if (i >= q.length) throw bad('unterminated string')
      i++
      out.push({t: 'str', v})
    } else if (c === '<' || c === '>' || c === '=') {
      const two = q.slice(i, i + 2)
      const op = (two === '<=' || two === '>=' ? two : c) as Op
      out.push({t: 'op', v: op})
      i += op.length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i)) as RegExpExecArray
      const w = m[0]
      out.push(w.toLowerCase() === 'match' ? {t: 'op', v: 'match'} : {t: 'word', v: w})
      i += w.length
    } else {
      throw bad(`unexpected character ${JSON.stringify(c)}`)
    }
  }
  return out
}

/** ISO time without a zone is UTC, as the examples (`'2019-01-14T00:00:00'`) imply */
function parseTime(v: string): number {
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(v) || !v.includes('T') ? v : v + 'Z')
  if (Number.isNaN(ms)) throw bad(`invalid time ${v}`)
  return ms
}

export function parseQuery(q: string): Expr | undefined {
  const tokens = tokenize(q)
  if (tokens.length === 0) return undefined
  let pos = 0
  let conditions = 0
  const peekWord = () => {
    const t = tokens[pos]
    return t && t.t === 'word' ? t.v.toLowerCase() : undefined
  }
  const parseOr = (): Expr => {
    let left = parseAnd()
    while (peekWord() === 'or') {
      pos++
      left = {kind: 'or', left, right: parseAnd()}
    }
    return left
  }
  const parseAnd = (): Expr => {
    let left = parsePrimary()
    while (peekWord() === 'and') {
      pos++
      left = {kind: 'and', left, right: parsePrimary()}
    }
    return left
  }
  const parsePrimary = (): Expr => {
    const t = tokens[pos]
    if (t?.t === '(') {
      pos++
      const e = parseOr()
      if (tokens[pos]?.t !== ')') throw bad('missing )')
      pos++
      return e
    }
    if (t?.t !== 'word') throw bad('expected a field name')
    const field = t.v as Field
    if (!FIELDS.includes(field)) throw bad(`unknown field ${t.v}`)
    const op = tokens[pos + 1]
    const value = tokens[pos + 2]
    if (op?.t !== 'op') throw bad(`expected an operator after ${field}`)
    if (value?.t !== 'str') throw bad('values must be quoted')
    pos += 3
    if (++conditions > MAX_CONDITIONS) throw bad(`at most ${MAX_CONDITIONS} conditions`)
    const isTime = field === 'created_at' || field === 'updated_at'
    return {kind: 'cond', field, op: op.v, value: value.v, time: isTime ? parseTime(value.v) : undefined}
  }
  const expr = parseOr()
  if (pos < tokens.length) throw bad('unexpected trailing input')
  return expr
}

function fieldValue(n: FileNode, field: Field): string | number {
  switch (field) {
    case 'created_at':
      return n.created
    case 'updated_at':
      return n.updated
    case 'file_extension':
      return n.type === 'file' ? classify(n.name).file_extension : ''
    case 'category':
      return n.type === 'file' ? classify(n.name).category : ''
    default:
      return n[field]
  }
}

export function matches(expr: Expr | undefined, n: FileNode): boolean {
  if (!expr) return true
  if (expr.kind === 'cond') return test(expr, n)
  return expr.kind === 'and' ? matches(expr.left, n) && matches(expr.right, n) : matches(expr.left, n) || matches(expr.right, n)
}

function test(expr: Cond, n: FileNode): boolean {
  const actual = fieldValue(n, expr.field)
  const expected: string | number = expr.time ?? expr.value
  switch (expr.op) {
    case 'match':
      return String(actual).toLowerCase().includes(expr.value.toLowerCase())
    case '=':
      return expr.field === 'file_extension' ? actual === expr.value.toLowerCase() : actual === expected
    case '<':
      return actual < expected
    case '<=':
      return actual <= expected
    case '>':
      return actual > expected
    case '>=':
      return actual >= expected
  }
}
