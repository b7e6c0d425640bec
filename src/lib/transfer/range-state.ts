import {open, readFile, rm, writeFile} from 'node:fs/promises'

import {renameReplacing} from '../local-rename.js'
import {ByteRanges, type Interval} from './byte-ranges.js'
import type {DecodePoint} from './codec.js'

/**
 * What an interrupted multi-stream download has on disk, in a small JSON sidecar next to its
 * `.part` (`NAME.part.json`), so that it travels and disappears with the `.part`:
 *
 *   {"version":1,"file_id":"…","size":268435456,"content_hash":"…","written":[[0,41943040],[89478485,120586240]]}
 *
 * `written` lists only bytes whose writes had completed when the state was saved, so it never
 * claims more than the file holds (the SHA-1 check guards the rest). The state names the remote
 * file by id, size and hash: a different file, or the same one changed, starts over.
 */
export interface RangeStateFile {
  version: 1
  file_id: string
  size: number
  content_hash: string | null
  written: Interval[]
  /**
   * A download that decodes in place (codec.ts) has this key: null until something is decoded,
   * then where decoding resumes (the bytes before `decoded` hold the decoded file, not the stored one).
   */
  decoded?: DecodePoint | null
}

export function rangeStatePath(partPath: string): string {
  return `${partPath}.json`
}

export interface RemoteIdentity {
  file_id: string
  size: number
  content_hash?: string
}

/**
 * The saved ranges, or undefined when there is no state or it is for another file (or another
 * kind of download: one that decodes, `decoding`, never resumes one that did not, nor the reverse).
 */
export async function loadRangeState(partPath: string, remote: RemoteIdentity, decoding = false): Promise<ByteRanges | undefined> {
  return (await loadRangeRecord(partPath, remote, decoding))?.written
}

/** The saved ranges and, for a download that decodes, where its decoding stopped. */
export async function loadRangeRecord(partPath: string, remote: RemoteIdentity, decoding = false): Promise<{written: ByteRanges; decoded?: DecodePoint} | undefined> {
  let state: RangeStateFile
  try {
    state = JSON.parse(await readFile(rangeStatePath(partPath), 'utf8')) as RangeStateFile
  } catch {
    return undefined
  }
  const same = state.version === 1 && state.file_id === remote.file_id && state.size === remote.size && (state.content_hash ?? null) === (remote.content_hash ?? null)
  if (!same || !Array.isArray(state.written) || decoding !== ('decoded' in state)) return undefined
  const valid = state.written.filter((r): r is Interval => Array.isArray(r) && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 0 && r[1] <= remote.size)
  const point = state.decoded
  const decoded = point && Number.isSafeInteger(point.stored) && Number.isSafeInteger(point.decoded) && point.decoded <= point.stored && point.stored <= remote.size ? point : undefined
  return {written: new ByteRanges(valid), ...(decoded ? {decoded} : {})}
}

/**
 * Written atomically (temp file + rename): a crash mid-save leaves the previous state. On a full
 * disk, where the temp file cannot be made, the state is written over the old one in place (its
 * blocks are already allocated): the save that matters most is the one after the disk filled up.
 * A torn in-place write reads as no state, which restarts the file: safe, only slower.
 */
export async function saveRangeState(partPath: string, remote: RemoteIdentity, written: ByteRanges, decoded?: DecodePoint | null): Promise<void> {
  const path = rangeStatePath(partPath)
  const state: RangeStateFile = {version: 1, file_id: remote.file_id, size: remote.size, content_hash: remote.content_hash ?? null, written: written.intervals, ...(decoded === undefined ? {} : {decoded})}
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(tmp, JSON.stringify(state))
    await renameReplacing(tmp, path)
  } catch (error) {
    await rm(tmp, {force: true}).catch(() => undefined)
    if (!['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
    const data = Buffer.from(JSON.stringify(state))
    const handle = await open(path, 'r+')
    try {
      await handle.write(data, 0, data.length, 0)
      await handle.truncate(data.length)
    } finally {
      await handle.close()
    }
  }
}

export async function discardRangeState(partPath: string): Promise<void> {
  await rm(rangeStatePath(partPath), {force: true})
}
