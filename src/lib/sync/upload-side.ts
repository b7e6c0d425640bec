import type {CheckNameMode} from '../api/wire.js'
import type {Drive, RemoteEntry} from '../drive/drive.js'
import {joinRemotePath} from '../drive/remote-path.js'
import {AlipanError, ConflictError, ExitCode} from '../errors.js'
import type {TransferEvents} from '../files/events.js'
import {localFailure} from '../files/put.js'
import {parentRel} from '../files/tree.js'
import type {RemovalMethod} from '../manage/remove.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import type {ResumeStore} from '../transfer/resume-state.js'
import type {SideOps} from './execute.js'
import type {SyncAction} from './plan.js'

export interface UploadSideOptions {
  drive: Drive
  /** DEST, already created. */
  root: RemoteEntry
  /** DEST's folders by relative path, from its walk; new ones are added as they are created. */
  folders: Map<string, RemoteEntry>
  removal: RemovalMethod
  /** `--backup-dir alipan:/PATH`: old versions and deleted entries are moved there instead. */
  backupDir?: string
  rapid: boolean
  partSize?: number
  internalUpload?: boolean
  resume?: ResumeStore
  bandwidth?: BandwidthLimiter
  signal?: AbortSignal
  events?: TransferEvents
}

/** The remote DEST of `sync ./local alipan:/remote`: the upload engine `put` uses, and the recycle bin. */
export function uploadSide(options: UploadSideOptions): SideOps {
  return remoteDestSide(options, async (action, target, label) => {
    const source = action.source!
    try {
      return await options.drive.upload(target.parent, target.name, {kind: 'file', path: source.path!, size: source.size, mtimeMs: source.mtimeMs ?? Date.now()}, {
        checkNameMode: target.checkNameMode,
        occupants: target.occupants,
        rapid: options.rapid,
        knownSha1: action.localSha1,
        partSize: options.partSize,
        internalUpload: options.internalUpload,
        resume: options.resume,
        bandwidth: options.bandwidth,
        signal: options.signal,
        onProgress: (p) => options.events?.progress?.(label, p),
      })
    } catch (error) {
      throw localFailure(error, source.path!)
    }
  })
}

/** Where a new or changed file goes: its folder, its name, and how a clash with the name is handled. */
export interface PlaceTarget {
  parent: RemoteEntry
  name: string
  checkNameMode: CheckNameMode
  /** Ids of the entries known to hold the name before (a replaced file's old version). */
  occupants: string[]
}

/** Puts one new or changed file of SOURCE into DEST's folder, as `target` says. */
export type PlaceFile = (action: SyncAction, target: PlaceTarget, label: string) => Promise<{status: 'exists'} | {status: 'uploaded' | 'copied'; entry: RemoteEntry; bytesSent: number}>

export type RemoteDestOptions = Pick<UploadSideOptions, 'drive' | 'root' | 'folders' | 'removal' | 'backupDir' | 'signal' | 'events'>

/**
 * A remote DEST (an upload, or a copy from another drive or login): folders created, files put
 * in by `place` (a replaced file's new version beside the old one, which then leaves), and
 * entries that go moved to the recycle bin, deleted, or moved to the backup dir.
 */
export function remoteDestSide(options: RemoteDestOptions, place: PlaceFile): SideOps {
  const {drive, folders} = options
  folders.set('', options.root)
  const folderOf = (rel: string): RemoteEntry => {
    const folder = folders.get(parentRel(rel))
    if (!folder) throw new AlipanError(`internal: no remote folder for ${rel}`, ExitCode.unexpected)
    return folder
  }
  const nameOf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1)

  /** An entry leaves DEST: into the backup dir (same relative path), else recycle bin or deletion. */
  const dispose = async (entry: RemoteEntry, rel: string, method: RemovalMethod = options.removal) => {
    if (!options.backupDir) return drive.remove(entry, method, {signal: options.signal})
    const target = await drive.mkdirp(joinRemotePath(options.backupDir, parentRel(rel)))
    // auto_rename: a second run into the same backup folder keeps both versions.
    await drive.move(entry, target, entry.name, 'auto_rename', {signal: options.signal})
    drive.forget(entry.path)
  }

  return {
    async makeFolder(action) {
      const {entry} = await drive.createFolderIn(folderOf(action.rel), nameOf(action.rel))
      folders.set(action.rel, entry)
    },

    async transfer(action: SyncAction) {
      const source = action.source!
      const label = `${action.action} ${action.rel}`
      // A replaced file's new version goes in beside the old one (`ignore`), which then leaves.
      const old = action.action === 'replace' && action.reason !== 'type' ? action.dest?.entry : undefined
      const parent = folderOf(action.rel)
      options.events?.start?.(label, source.size)
      const target: PlaceTarget = {parent, name: nameOf(action.rel), checkNameMode: old ? 'ignore' : 'refuse', occupants: old ? [old.file_id] : []}
      const outcome = await place(action, target, label)
      if (outcome.status === 'exists') throw new ConflictError(`${joinRemotePath(parent.path, nameOf(action.rel))} appeared on the drive during the run; left alone.`, {hint: 'run sync again'})
      if (old && old.file_id !== outcome.entry.file_id) {
        // Same bytes under another time: the old copy holds nothing the new one lacks.
        const identical = action.reason === 'time' && old.content_hash !== undefined && old.content_hash === outcome.entry.content_hash
        if (identical) await drive.remove(old, 'delete', {signal: options.signal})
        else await dispose(old, action.rel)
      }
      return outcome.bytesSent
    },

    async remove(action) {
      await dispose(action.dest!.entry!, action.rel)
    },

    async retime() {
      // Remote times are set by uploading (rapid, for same bytes): the plan does that as a replace.
    },
  }
}
