import {Args} from '@oclif/core'

import type {Drive} from '../lib/drive/drive.js'
import {type MoveCopyOptions, type MoveCopyResult} from '../lib/manage/move-copy.js'
import {conflictPrompt} from './conflict-prompt.js'
import {FileCommand, conflictFlag, conflictModeOrAsk} from './file-command.js'
import {Failures, taskSpinner} from './task-feedback.js'

/** `mv` and `cp` arguments; each command sets them itself (oclif reads only a class's own statics). */
export const moveCopyArgs = {
  paths: Args.string({description: 'Remote sources, then the destination (last).', required: true}),
}

export const moveCopyFlags = {
  'on-conflict': conflictFlag(['fail', 'skip', 'overwrite', 'rename'], 'an entry of the same name'),
}

/** What `mv` and `cp` share: SRC… DST, --on-conflict, a spinner for folder tasks, per-source results. */
export abstract class MoveCopyCommand extends FileCommand {
  protected async transfer(
    service: (drive: Drive, options: MoveCopyOptions) => Promise<MoveCopyResult[]>,
  ): Promise<MoveCopyResult[]> {
    const {argv, flags} = await this.parse(this.constructor as typeof FileCommand & {args: typeof moveCopyArgs; flags: typeof moveCopyFlags})
    const paths = argv as string[]
    if (paths.length < 2) this.error(`${this.id} needs at least one source and a destination.`, {exit: 2})
    const drive = await this.openDrive(flags)
    const failures = new Failures()
    const results = await service(drive, {
      sources: paths.slice(0, -1),
      destination: paths.at(-1)!,
      onConflict: conflictModeOrAsk<'fail' | 'skip' | 'overwrite' | 'rename'>(flags['on-conflict']),
      ask: conflictPrompt(['skip', 'overwrite', 'rename']),
      signal: this.signal,
      events: {
        ...taskSpinner((text) => this.spinner(text)),
        done: (r) => this.info(r.skipped ? `Skipped ${r.source}: ${r.destination} exists` : `${r.source} → ${r.destination}${r.replaced ? ' (the old one is in the recycle bin)' : ''}`),
      },
      onError: failures.record,
    })
    failures.finish(results.length)
    return results
  }
}
