// Request-side helpers: body parsing that is as lenient as the clients in the wild (§1.2) and a
// small typed accessor for JSON parameters that turns bad input into `InvalidParameter.<Field>`.
import type {IncomingMessage} from 'node:http'
import {ApiError, invalidParam} from './errors.js'

const MAX_API_BODY = 16 * 1024 * 1024

export async function readBody(req: IncomingMessage, limit = MAX_API_BODY): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req) {
    total += (chunk as Buffer).length
    if (total > limit) throw new ApiError(413, 'InvalidParameter.Body', 'request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Empty body, `{}` and unknown fields are all fine (OpenList posts no body to getDriveInfo).
 * Form-urlencoded is accepted everywhere too: alipan-rs posts the token request that way.
 */
export function parseBody(buf: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = buf.toString('utf8').trim()
  if (text === '') return {}
  const isForm = (contentType ?? '').toLowerCase().includes('application/x-www-form-urlencoded')
  if (!isForm) {
    try {
      const value: unknown = JSON.parse(text)
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
    } catch {
      // fall through: maybe a form body sent with a JSON content type
    }
    if (!text.includes('=')) throw new ApiError(400, 'InvalidParameter', 'The request body is not valid JSON.')
  }
  return Object.fromEntries(new URLSearchParams(text))
}

/** RFC 3986 encoding (encodeURIComponent leaves !'()* alone; OSS URLs encode `*` as %2A). */
export const strictEncode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())

/** Typed access to a JSON body. Numbers and booleans sent as strings are accepted (form bodies). */
export class Params {
  constructor(readonly raw: Record<string, unknown>) {}

  has(name: string): boolean {
    const v = this.raw[name]
    return v !== undefined && v !== null
  }

  str(name: string): string {
    const v = this.optStr(name)
    if (v === undefined || v === '') throw invalidParam(name)
    return v
  }

  optStr(name: string): string | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    throw invalidParam(name)
  }

  optInt(name: string): number | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null || v === '') return undefined
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
    if (!Number.isSafeInteger(n)) throw invalidParam(name)
    return n
  }

  optBool(name: string): boolean | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'boolean') return v
    if (v === 'true') return true
    if (v === 'false') return false
    throw invalidParam(name)
  }

  optArray(name: string): unknown[] | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (!Array.isArray(v)) throw invalidParam(name)
    return v
  }

  /** one of a fixed set of values, or the default when absent/empty */
  oneOf<T extends string>(name: string, values: readonly T[], def: T): T {
    const v = this.optStr(name)
    if (v === undefined || v === '') return def
    if (!(values as readonly string[]).includes(v)) throw invalidParam(name)
    return v as T
  }
}

/** `Bearer <t>` or the bare token (the Android SDK sends it without the prefix, §1.2). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const m = /^\s*bearer\s+(.+?)\s*$/i.exec(header)
  const token = (m ? m[1] : header).trim()
  return token === '' ? undefined : token
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const key = part.slice(0, i).trim()
    const raw = part.slice(i + 1).trim()
    try {
      out[key] = decodeURIComponent(raw)
    } catch {
      out[key] = raw
    }
  }
  return out
}
