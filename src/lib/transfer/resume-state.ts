import {createHash} from 'node:crypto'
import {readFile, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {makeDir} from '../local-dirs.js'

/**
 * Where an interrupted multipart upload left off, so that re-running the same `put` continues
 * from the parts the server already has (§5.8 listUploadedParts). Keyed by the local file's
 * absolute path, size and mtime plus the destination: a changed file never resumes into an old
 * session. The state holds no secrets (upload URLs are fetched afresh).
 */
export interface UploadState {
  version: 1
  local_path: string
  size: number
  mtime_ms: number
  drive_id: string
  parent_file_id: string
  name: string
  file_id: string
  upload_id: string
  part_size: number
  created_at: number
  /** What else the uploaded bytes depend on (an encrypted upload's nonce: not a secret), given back to the source on resume. */
  source_token?: string
}

/** Sessions older than this are not worth asking about; the service will have dropped them. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000

export interface UploadKey {
  localPath: string
  size: number
  mtimeMs: number
  driveId: string
  parentId: string
  name: string
}

export class ResumeStore {
  constructor(readonly dir: string) {}

  private file(key: UploadKey): string {
    const id = createHash('sha256')
      .update(JSON.stringify([resolve(key.localPath), key.size, Math.floor(key.mtimeMs), key.driveId, key.parentId, key.name]))
      .digest('hex')
      .slice(0, 32)
    return join(this.dir, `upload-${id}.json`)
  }

  async load(key: UploadKey, now = Date.now()): Promise<UploadState | undefined> {
    const path = this.file(key)
    let state: UploadState
    try {
      state = JSON.parse(await readFile(path, 'utf8')) as UploadState
    } catch {
      return undefined
    }
    const matches =
      state.version === 1 &&
      state.size === key.size &&
      Math.floor(state.mtime_ms) === Math.floor(key.mtimeMs) &&
      state.drive_id === key.driveId &&
      state.parent_file_id === key.parentId &&
      state.name === key.name
    if (!matches || now - state.created_at > MAX_AGE_MS) {
      await this.discard(key)
      return undefined
    }
    return state
  }

  async save(key: UploadKey, state: UploadState): Promise<void> {
    await makeDir(this.dir, 0o700)
    const path = this.file(key)
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(state), {mode: 0o600})
    await rename(tmp, path)
  }

  async discard(key: UploadKey): Promise<void> {
    await rm(this.file(key), {force: true})
  }

  /** Remove state files past their age (called now and then; cheap). */
  async prune(now = Date.now()): Promise<void> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return
    }
    for (const name of names.filter((n) => n.startsWith('upload-'))) {
      const path = join(this.dir, name)
      const info = await stat(path).catch(() => undefined)
      if (info && now - info.mtimeMs > MAX_AGE_MS) await rm(path, {force: true})
    }
  }
}
