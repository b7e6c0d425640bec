import {AlipanError, ExitCode, throwIfAborted} from '../errors.js'

/**
 * Run `fn` over `items` with at most `concurrency` at once, results in input order. Errors that
 * doom every remaining item (login refused, network gone, drive full, Ctrl-C, bugs) stop the
 * pool; per-item failures are the callback's to record.
 */
export async function runPool<T, R>(items: readonly T[], concurrency: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let fatal: unknown
  const worker = async () => {
    while (fatal === undefined && next < items.length) {
      const index = next++
      try {
        throwIfAborted(signal)
        results[index] = await fn(items[index])
      } catch (error) {
        fatal ??= error
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(concurrency, items.length))}, worker))
  if (fatal !== undefined) throw fatal
  return results
}

/** Local failures that doom every other file too: the disk is full or read-only. */
const FATAL_LOCAL = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE'])

/** Failures that affect every file, not just one: stop the whole job. */
export function isFatal(error: unknown): boolean {
  if (!(error instanceof AlipanError)) return true
  if (error.exitCode === ExitCode.localFs) return FATAL_LOCAL.has(error.code)
  const fatalCodes: number[] = [ExitCode.auth, ExitCode.network, ExitCode.quota, ExitCode.interrupted]
  return fatalCodes.includes(error.exitCode)
}
