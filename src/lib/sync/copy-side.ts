import {type Drive, entryFromItem} from '../drive/drive.js'
import {acrossApis} from '../manage/cross-copy.js'
import type {BandwidthLimiter} from '../transfer/bandwidth.js'
import {type CopyVia, type StreamReason, copyRemoteFile} from '../transfer/remote-copy.js'
import type {SideOps} from './execute.js'
import type {SyncAction} from './plan.js'
import {type RemoteDestOptions, remoteDestSide} from './upload-side.js'

export interface CopySideOptions extends RemoteDestOptions {
  /** The drive SOURCE is in (another drive, or another login's). */
  from: Drive
  rapid: boolean
  partSize?: number
  bandwidth?: BandwidthLimiter
}

/** How each file went, for `--json` (`via`, and why it was streamed). */
export type CopyMethods = Map<SyncAction, {via: CopyVia; reason?: StreamReason}>

/**
 * The remote DEST of `sync alipan:/a alipan,drive=resource:/b` (or another login's): the third pair
 * of sides. Each file goes by rapid upload from the source's listing and 8 bytes of it, else
 * streamed from the source (remote-copy.ts); everything else is the upload side's DEST.
 */
export function copySide(options: CopySideOptions, methods: CopyMethods): SideOps {
  const {to} = acrossApis(options.from, options.drive)
  return remoteDestSide(options, async (action, target, label) => {
    const {parent, name, checkNameMode, occupants} = target
    const outcome = await copyRemoteFile(options.from, action.source!.entry!, {client: to.client, driveId: to.driveId, parentId: parent.file_id, name, checkNameMode, occupants}, {
      rapid: options.rapid,
      partSize: options.partSize,
      bandwidth: options.bandwidth,
      signal: options.signal,
      onProgress: (p) => options.events?.progress?.(label, p),
    })
    if (outcome.status === 'exists') return outcome
    methods.set(action, {via: outcome.via, ...(outcome.reason ? {reason: outcome.reason} : {})})
    return {status: 'copied', entry: entryFromItem(outcome.file, parent.path), bytesSent: outcome.bytesSent}
  })
}
