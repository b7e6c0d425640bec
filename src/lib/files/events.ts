import type {AlipanError} from '../errors.js'
import type {TransferProgress} from '../transfer/upload.js'

/** What transfers report as they go; the CLI turns these into progress bars or log lines. */
export interface TransferEvents {
  start?(label: string, total: number | undefined): void
  progress?(label: string, progress: TransferProgress): void
  done?(label: string, info: {size: number; rapid: boolean; bytes: number; resumedParts?: number; resumedBytes?: number}): void
  skip?(label: string, reason: 'identical' | 'differs'): void
  /** A local entry left out on purpose: a FIFO, socket or device, a symlink without -L. */
  leftOut?(path: string, reason: string): void
  fail?(label: string, error: AlipanError): void
  /** The work behind `label` ended without a line of its own (a check that found nothing to do). */
  dismiss?(label: string): void
}

export type ConflictChoice = 'fail' | 'skip' | 'overwrite' | 'rename'

/** Asks the user what to do about one clash (TTY only). `suggested` is the usual answer. */
export type ConflictResolver = (path: string, suggested: ConflictChoice) => Promise<ConflictChoice>
