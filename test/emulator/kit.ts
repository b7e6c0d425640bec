// Helpers for the emulator's conformance tests (not a test file itself).
import {createHash} from 'node:crypto'
import {startEmulator, type Emulator, type EmulatorOptions} from './index.js'

export interface Res {
  status: number
  headers: Headers
  text: string
  body: any
}

async function toRes(r: Response): Promise<Res> {
  const text = await r.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return {status: r.status, headers: r.headers, text, body}
}

/** A tiny API client bound to one emulator and (optionally) one access token. */
export class Client {
  constructor(
    readonly emu: Emulator,
    public token?: string,
  ) {}

  private auth(): Record<string, string> {
    return this.token ? {authorization: `Bearer ${this.token}`} : {}
  }

  async post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(this.emu.url + path, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...this.auth(), ...headers},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return toRes(r)
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Res> {
    return toRes(await fetch(this.emu.url + path, {headers: {...this.auth(), ...headers}}))
  }

  /** POST /adrive/v1.0/openFile/<op> with the default drive filled in */
  file(op: string, body: Record<string, unknown> = {}): Promise<Res> {
    return this.post(`/adrive/v1.0/openFile/${op}`, {drive_id: this.emu.user.default_drive_id, ...body})
  }
}

export async function fetchRes(url: string, init?: RequestInit): Promise<Res> {
  return toRes(await fetch(url, init))
}

/** An emulator plus a client holding a fresh token of the default user. */
export async function setup(options: EmulatorOptions = {}): Promise<{emu: Emulator; api: Client}> {
  const emu = await startEmulator({rateLimit: false, ...options})
  return {emu, api: new Client(emu, emu.issueTokens().access_token)}
}

/** deterministic pseudo-random bytes */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex').toUpperCase()

/** PUT a part body with no Content-Type, as §5.6 requires */
export function putPart(url: string, data: Buffer, headers: Record<string, string> = {}): Promise<Res> {
  // a Buffer body gets a Content-Length and no Content-Type from fetch (the cast only satisfies TS 5.9's Buffer generics)
  return fetchRes(url, {method: 'PUT', body: data as unknown as Uint8Array<ArrayBuffer>, headers})
}

/** Creates a file, uploads it in parts of `partSize`, completes it; returns the complete answer. */
export async function upload(api: Client, name: string, data: Buffer, partSize = 256 * 1024, parent = 'root'): Promise<Res> {
  const count = Math.max(1, Math.ceil(data.length / partSize))
  const created = await api.file('create', {
    parent_file_id: parent,
    name,
    type: 'file',
    check_name_mode: 'ignore',
    size: data.length,
    part_info_list: Array.from({length: count}, (_, i) => ({part_number: i + 1})),
  })
  if (created.status !== 200) throw new Error(`create failed: ${created.text}`)
  for (const part of created.body.part_info_list as Array<{part_number: number; upload_url: string}>) {
    const slice = data.subarray((part.part_number - 1) * partSize, part.part_number * partSize)
    const put = await putPart(part.upload_url, slice)
    if (put.status !== 200) throw new Error(`part ${part.part_number} failed: ${put.text}`)
  }
  return api.file('complete', {file_id: created.body.file_id, upload_id: created.body.upload_id})
}

/** decoded JWT payload (base64url) */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>
}

/** the value of one XML element of an OSS error body */
export function xml(text: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(text)?.[1]
}
