import {AlipanError, ExitCode, isAbortError, throwIfAborted} from '../errors.js'
import {isFatal, runPool} from '../files/pool.js'
import {isWithin, parentRel} from '../files/tree.js'
import type {Plan, SyncAction} from './plan.js'

/**
 * What a side of a mirror can do; `upload-side.ts` and `download-side.ts` implement it with the
 * transfer engines `put` and `get` use. The executor owns the order and the guards.
 */
export interface SideOps {
  makeFolder(action: SyncAction): Promise<void>
  /** New and replaced files; returns the bytes moved (0 for a rapid upload). */
  transfer(action: SyncAction): Promise<number>
  /** A DEST entry that goes (a folder as one entry): recycle bin, deletion or backup dir. */
  remove(action: SyncAction): Promise<void>
  /** Same bytes, other time: set the time (downloads). */
  retime(pair: Plan['retime'][number]): Promise<void>
}

export interface ExecuteOptions {
  transfers: number
  /** Deletions are held back (`--max-delete` tripped); transfers still run. */
  holdDeletions?: AlipanError
  signal?: AbortSignal
  onDone?(action: SyncAction, bytes: number): void
  onFail?(action: SyncAction, error: AlipanError): void
}

export interface ActionOutcome {
  action: SyncAction
  bytes: number
  error?: AlipanError
}

export interface Execution {
  outcomes: ActionOutcome[]
  /** Deletions (and type changes, which delete) not carried out: a transfer failed, or a guard. */
  heldBack: SyncAction[]
  /** Why they were held back. */
  holdReason?: AlipanError
}

/**
 * Carry out a plan, in the order that keeps DEST safe:
 * 1. new folders, parents first;
 * 2. every transfer of a new or changed file (a replaced file's old version goes once its new one
 *    is complete);
 * 3. only if all of that succeeded and no guard objects: deletions, each folder as one entry, then
 *    the type changes (a file where a folder was, or the reverse), whose old entry must go first.
 * A failure fails its action alone (and what depends on it); the deletions wait for the next run.
 */
export async function execute(plan: Plan, side: SideOps, options: ExecuteOptions): Promise<Execution> {
  const outcomes: ActionOutcome[] = []
  const failedFolders: string[] = []
  const typeChanges = plan.actions.filter((a) => a.reason === 'type').map((a) => a.rel)
  const deferred = (a: SyncAction) => a.action === 'delete' || typeChanges.some((t) => isWithin(a.rel, t))

  const attempt = async (action: SyncAction, run: () => Promise<number>): Promise<boolean> => {
    const blocked = failedFolders.find((f) => isWithin(parentRel(action.rel), f))
    if (blocked !== undefined) {
      const error = new AlipanError(`Not transferred: the folder ${blocked} could not be created.`, ExitCode.unexpected, {code: 'ParentFailed'})
      return record(action, 0, error)
    }
    try {
      throwIfAborted(options.signal)
      return record(action, await run())
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error) || isAbortError(error)) throw error
      if (action.type === 'folder' && action.action !== 'delete') failedFolders.push(action.rel)
      return record(action, 0, error)
    }
  }
  const record = (action: SyncAction, bytes: number, error?: AlipanError): boolean => {
    outcomes.push({action, bytes, error})
    if (error) options.onFail?.(action, error)
    else options.onDone?.(action, bytes)
    return !error
  }
  const runPhase = async (actions: SyncAction[]) => {
    for (const folder of actions.filter((a) => a.type === 'folder' && a.action !== 'delete' && a.reason !== 'type')) {
      await attempt(folder, async () => (await side.makeFolder(folder), 0))
    }
    const files = actions.filter((a) => a.type === 'file' && a.action !== 'delete')
    await runPool(files, options.transfers, options.signal, (file) => attempt(file, () => side.transfer(file)))
  }

  await runPhase(plan.actions.filter((a) => !deferred(a)))
  if (plan.retime.length > 0) {
    await runPool(plan.retime, options.transfers, options.signal, async (pair) => {
      try {
        await side.retime(pair)
      } catch {
        // Only a time: the next run compares by SHA-1 again, nothing is lost.
      }
    })
  }

  const later = plan.actions.filter(deferred)
  const failed = outcomes.find((o) => o.error)
  const holdReason = options.holdDeletions ?? (failed && later.length > 0 ? heldBecauseOfFailures(outcomes) : undefined)
  if (holdReason || later.length === 0) return {outcomes, heldBack: holdReason ? later : [], holdReason}

  for (const action of later.filter((a) => a.action === 'delete')) {
    await attempt(action, async () => (await side.remove(action), 0))
  }
  // Type changes: the old entry goes first, then the new one (and, for a folder, all it holds).
  for (const change of later.filter((a) => a.reason === 'type')) {
    let removed = true
    try {
      throwIfAborted(options.signal)
      await side.remove({...change, action: 'delete', type: change.dest!.type})
    } catch (error) {
      if (!(error instanceof AlipanError) || isFatal(error) || isAbortError(error)) throw error
      removed = false
      record(change, 0, error)
      if (change.type === 'folder') failedFolders.push(change.rel)
    }
    if (change.type === 'file') {
      if (removed) await attempt(change, () => side.transfer(change))
      continue
    }
    if (removed) await attempt(change, async () => (await side.makeFolder(change), 0))
    await runPhase(later.filter((a) => a.action !== 'delete' && a.reason !== 'type' && isWithin(a.rel, change.rel)))
  }
  return {outcomes, heldBack: []}
}

function heldBecauseOfFailures(outcomes: ActionOutcome[]): AlipanError {
  const failures = outcomes.filter((o) => o.error).length
  return new AlipanError(`${failures} transfer${failures === 1 ? '' : 's'} failed, so nothing was deleted; the next run finishes the mirror.`, ExitCode.unexpected, {code: 'DeletionsHeldBack'})
}
