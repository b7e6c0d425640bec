import type {AlipanError} from '../lib/errors.js'
import type {TaskEvents} from '../lib/manage/async-task.js'
import {humanDuration} from '../lib/output/format.js'
import type {Spinner} from './base-command.js'

/**
 * A spinner on stderr while a folder operation runs server-side (async task), started only
 * once the first poll finds it still running, so quick operations print nothing extra.
 */
export function taskSpinner(start: (text: string) => Promise<Spinner>): TaskEvents {
  let spinner: Promise<Spinner> | undefined
  return {
    async waiting(label, elapsedMs) {
      const text = `${label}… (${humanDuration(elapsedMs)}, waiting for the service)`
      spinner ??= start(text)
      ;(await spinner).text = text
    },
    async settled(label, ok) {
      if (!spinner) return
      const current = await spinner
      spinner = undefined
      // Success: the command's own line ("Trashed /x") follows, so the spinner just goes away.
      if (ok) current.stop()
      else current.fail(label)
    },
  }
}

/**
 * Per-path failures of a command that goes on with the other paths: each is reported on
 * stderr as it happens; `finish` sets the exit code of the first one.
 */
export class Failures {
  readonly failures: AlipanError[] = []

  readonly record = (label: string, error: AlipanError): void => {
    this.failures.push(error)
    const message = error.message.includes(label) ? error.message : `${label}: ${error.message}`
    process.stderr.write(`Error: ${message}\n${error.hint ? `Hint: ${error.hint}\n` : ''}`)
  }

  finish(total: number): void {
    exitWithFirstFailure(this.failures, total)
  }
}

/**
 * Some items failed but the others went through: the per-item lines are already out, so add a
 * count when there were several, and exit with the first failure's code (results still print).
 */
export function exitWithFirstFailure(failures: readonly AlipanError[], total: number): void {
  const [first] = failures
  if (!first) return
  if (total > 1) process.stderr.write(`Error: ${failures.length} of ${total} failed.\n`)
  process.exitCode = first.exitCode
}
