import type {AlipanError} from '../errors.js'
import type {TransferProgress} from '../transfer/upload.js'
import type {ClashKind} from './name-clash.js'

/** What transfers report as they go; the CLI turns these into progress bars or log lines. */
export interface TransferEvents {
  start?(label: string, total: number | undefined): void
  progress?(label: string, progress: TransferProgress): void
  done?(label: string, info: {size: number; rapid: boolean; bytes: number; resumedParts?: number; resumedBytes?: number}): void
  skip?(label: string, reason: 'identical' | 'differs'): void
  /** A local entry left out on purpose: a FIFO, socket or device, a symlink without -L. */
  leftOut?(path: string, reason: string): void
  fail?(label: string, error: AlipanError): void
  /** A remote entry lost a name clash: it lands under a numbered name, or (`skipped`) not at all. */
  clash?(label: string, info: ClashInfo): void
  /** The work behind `label` ended without a line of its own (a check that found nothing to do). */
  dismiss?(label: string): void
}

export interface ClashInfo {
  kind: ClashKind
  /** Where it lands (or would have). */
  localPath: string
  /** Where the entry that kept the name lands. */
  keptBy: string
  skipped: boolean
}

export type ConflictChoice = 'fail' | 'skip' | 'overwrite' | 'rename'

/** Asks the user what to do about one clash (TTY only). `suggested` is the usual answer. */
export type ConflictResolver = (path: string, suggested: ConflictChoice) => Promise<ConflictChoice>
