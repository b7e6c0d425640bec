import {cp, rename, rm, stat, utimes} from 'node:fs/promises'
import {dirname, extname} from 'node:path'

import type {Drive} from '../drive/drive.js'
import {asLocalFsError} from '../errors.js'
import {makeDir} from '../local-dirs.js'
import type {TransferEvents} from '../files/events.js'
import type {LivpFormat} from '../transfer/download.js'
import {localPathUnder} from '../transfer/local-names.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {Semaphore} from '../transfer/semaphore.js'
import type {SideOps} from './execute.js'

export interface DownloadSideOptions {
  drive: Drive
  /** DEST, a local folder (created by the caller). */
  root: string
  /** `--backup-dir ./PATH`: old versions and deleted entries are moved there instead. */
  backupDir?: string
  livp: LivpFormat
  /** Whether a `NAME.part` of an earlier alipan beside this rel is ours to take over (local-dest.ts). */
  adoptLegacyPart?: (rel: string) => boolean
  slots: Semaphore
  streams?: number
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  events?: TransferEvents
}

/** The local DEST of `sync alipan:/remote ./local`: the download engine `get` uses, and real deletions. */
export function downloadSide(options: DownloadSideOptions): SideOps {
  const {drive} = options
  const localPath = (rel: string) => localPathUnder(options.root, rel.split('/'))
  const local = <T>(path: string, action: string, work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      throw asLocalFsError(error, path, action)
    })

  /** An entry leaves DEST: into the backup dir (same relative path), else deleted for real. */
  const dispose = async (rel: string) => {
    const path = localPath(rel)
    if (!options.backupDir) return local(path, 'deleting', () => rm(path, {recursive: true, force: true}))
    const target = await freeName(localPathUnder(options.backupDir, rel.split('/')))
    await makeDir(dirname(target))
    await local(target, 'moving to the backup folder', () => moveAcrossDevices(path, target))
  }

  return {
    async makeFolder(action) {
      await makeDir(localPath(action.rel))
    },

    async transfer(action) {
      const entry = action.source!.entry!
      const path = localPath(action.rel)
      const label = `${action.action} ${action.rel}`
      const keepOld = action.action === 'replace' && action.reason !== 'type' && options.backupDir !== undefined
      options.events?.start?.(label, entry.size)
      const result = await drive.download(entry, path, {
        livp: options.livp,
        signal: options.signal,
        slots: options.slots,
        streams: options.streams,
        bandwidth: options.bandwidth,
        adoptLegacyPart: options.adoptLegacyPart?.(action.rel) ?? false,
        onProgress: (p) => options.events?.progress?.(label, p),
        // The old version moves to the backup dir only once the new one is verified.
        beforeLand: keepOld ? () => dispose(action.rel) : undefined,
      })
      return result.bytes - result.resumedFrom
    },

    async remove(action) {
      await dispose(action.rel)
    },

    async retime({source, dest}) {
      const seconds = source.mtimeMs! / 1000
      await utimes(dest.path!, seconds, seconds)
    },
  }
}

/** `a.txt` → `a(1).txt` … while the name is taken, as the service's auto_rename names copies. */
async function freeName(path: string): Promise<string> {
  const ext = extname(path)
  const stem = path.slice(0, path.length - ext.length)
  let candidate = path
  for (let n = 1; await stat(candidate).then(() => true, () => false); n++) candidate = `${stem}(${n})${ext}`
  return candidate
}

/** rename(), or copy and delete when the backup dir is on another file system. */
async function moveAcrossDevices(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    await cp(from, to, {recursive: true, preserveTimestamps: true, errorOnExist: true, force: false})
    await rm(from, {recursive: true, force: true})
  }
}
