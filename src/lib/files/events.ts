import type {AlipanError} from '../errors.js'
import type {TransferProgress} from '../transfer/upload.js'

/** What transfers report as they go; the CLI turns these into progress bars or log lines. */
export interface TransferEvents {
  start?(label: string, total: number | undefined): void
  progress?(label: string, progress: TransferProgress): void
  done?(label: string, info: {size: number; rapid: boolean; bytes: number; resumedParts?: number; resumedBytes?: number}): void
  skip?(label: string, reason: 'identical' | 'differs'): void
  fail?(label: string, error: AlipanError): void
}

export type ConflictChoice = 'fail' | 'skip' | 'overwrite' | 'rename'

/** Asks the user what to do about one clash (TTY only). `suggested` is the usual answer. */
export type ConflictResolver = (path: string, suggested: ConflictChoice) => Promise<ConflictChoice>
