import type {ApiClient} from '../api/client.js'
import {getAsyncTask} from '../api/files.js'
import {AlipanError, ExitCode, NotReadyError, throwIfAborted} from '../errors.js'
import {sleep} from '../time.js'

/**
 * Folder trash/delete/move/copy may answer an `async_task_id` (§4.11–§4.13): the work goes on
 * server-side and `async_task/get` reports `Running`, then `Succeed` or `Failed` (§4.14).
 */
export interface WaitOptions {
  signal?: AbortSignal
  /** Called after every poll that found the task still running. */
  onTick?: (elapsedMs: number, state: string) => void | Promise<void>
  /** First poll interval; it grows ×1.5 per poll up to `maxIntervalMs`. */
  intervalMs?: number
  maxIntervalMs?: number
  /** Give up waiting (the task keeps running server-side) after this long: exit 8. */
  timeoutMs?: number
}

export class AsyncTaskFailedError extends AlipanError {
  constructor(message: string) {
    super(message, ExitCode.unexpected, {code: 'AsyncTaskFailed', hint: 'nothing or only part of it may have changed: check with `alipan ls` and try again'})
  }
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000

/** Poll until the task succeeds; `Failed` throws AsyncTaskFailedError. */
export async function waitForTask(client: ApiClient, taskId: string, options: WaitOptions = {}): Promise<void> {
  const started = Date.now()
  const maxInterval = options.maxIntervalMs ?? 2000
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let interval = options.intervalMs ?? 200
  for (;;) {
    throwIfAborted(options.signal)
    const {state} = await getAsyncTask(client, taskId)
    // Spelling per §4.14 ("Succeed"); also accept "Success"/"Succeeded"/"Finished", lower case too.
    if (/^(succe|finish)/i.test(state ?? '')) return
    if (/^fail/i.test(state ?? '')) throw new AsyncTaskFailedError(`The service reported that the operation failed (async task ${taskId}).`)
    const elapsed = Date.now() - started
    if (elapsed >= timeout) {
      throw new NotReadyError(`Still running on the service after ${Math.round(elapsed / 1000)} s (async task ${taskId}); it continues there on its own.`, {
        hint: 'check later with `alipan ls`',
      })
    }
    await options.onTick?.(elapsed, state)
    await sleep(Math.min(interval, Math.max(0, timeout - elapsed)), options.signal)
    interval = Math.min(maxInterval, Math.round(interval * 1.5))
  }
}

/** What a command shows while a folder operation runs server-side (a spinner on a terminal). */
export interface TaskEvents {
  waiting?(label: string, elapsedMs: number): void | Promise<void>
  settled?(label: string, ok: boolean): void | Promise<void>
}

/** Wait for the task of an operation's answer, if it has one, reporting to `events`. */
export async function settle(
  client: ApiClient,
  answer: {async_task_id?: string | null},
  label: string,
  options: {signal?: AbortSignal; events?: TaskEvents; intervalMs?: number} = {},
): Promise<boolean> {
  const taskId = answer.async_task_id
  if (!taskId) return false
  try {
    await waitForTask(client, taskId, {
      signal: options.signal,
      intervalMs: options.intervalMs,
      onTick: (elapsed) => options.events?.waiting?.(label, elapsed),
    })
  } catch (error) {
    await options.events?.settled?.(label, false)
    throw error
  }
  await options.events?.settled?.(label, true)
  return true
}
