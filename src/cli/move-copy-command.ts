import {Args, Flags} from '@oclif/core'

import type {Drive} from '../lib/drive/drive.js'
import type {AcrossOptions, CopiedFile} from '../lib/manage/cross-copy.js'
import {type MoveCopyOptions, type MoveCopyResult} from '../lib/manage/move-copy.js'
import {humanSize} from '../lib/output/format.js'
import {locationPrefix} from '../lib/drive/location.js'
import {conflictPrompt} from './conflict-prompt.js'
import {FileCommand, conflictFlag, conflictModeOrAsk} from './file-command.js'
import {Failures, taskSpinner} from './task-feedback.js'

/** `mv` and `cp` arguments; each command sets them itself (oclif reads only a class's own statics). */
export const moveCopyArgs = {
  paths: Args.string({description: 'Remote sources, then the destination (last).', required: true}),
}

export const moveCopyFlags = {
  'dry-run': Flags.boolean({char: 'n', description: 'Check everything a real run checks and say what it would do; change nothing and ask nothing.'}),
  'on-conflict': conflictFlag(['fail', 'skip', 'overwrite', 'rename'], 'an entry of the same name'),
}

type LocationFlags = {'on-conflict'?: string; 'dry-run'?: boolean; drive?: string; 'root-folder-id'?: string}

/** What `mv` and `cp` share: SRC… DST (locations), --on-conflict, a spinner for folder tasks, per-source results. */
export abstract class MoveCopyCommand extends FileCommand {
  protected async transfer(
    service: (drive: Drive, options: MoveCopyOptions) => Promise<MoveCopyResult[]>,
    across?: (flags: Record<string, unknown>) => Promise<Omit<AcrossOptions, 'onFile'>>,
  ): Promise<MoveCopyResult[]> {
    const {argv, flags} = await this.parse(this.constructor as typeof FileCommand & {args: typeof moveCopyArgs; flags: typeof moveCopyFlags})
    const paths = argv as string[]
    if (paths.length < 2) this.error(`${this.id} needs at least one source and a destination.`, {exit: 2})
    const resolver = this.locations(flags as LocationFlags)
    const destination = await resolver.openPath(paths.at(-1)!)
    const sources = []
    for (const raw of paths.slice(0, -1)) sources.push(await resolver.openPath(raw))
    // Human lines name the destination's location when it is not the command's own drive.
    const {location} = destination
    const to = location.profile || location.drive ? locationPrefix(location) : ''
    const failures = new Failures()
    const results = await service(destination.drive, {
      sources: sources.map((s) => s.path),
      sourceDrives: sources.map((s) => s.drive),
      destination: destination.path,
      onConflict: conflictModeOrAsk<'fail' | 'skip' | 'overwrite' | 'rename'>(flags['on-conflict']),
      ask: conflictPrompt(['skip', 'overwrite', 'rename']),
      signal: this.signal,
      events: {
        ...taskSpinner((text) => this.spinner(text)),
        done: (r) => this.info(r.dry_run ? dryRunLine(this.id!, r, to) : r.skipped ? `Skipped ${r.source}: ${to}${r.destination} exists` : `${r.source} → ${to}${r.destination}${r.replaced ? ' (the old one is in the recycle bin)' : ''}`),
      },
      across: across && {...(await across(flags)), onFile: (file) => this.fileLine(file, to)},
      onError: failures.record,
      dryRun: (flags as LocationFlags)['dry-run'],
    })
    failures.finish(results.length)
    return results
  }

  /** One line per file of a copy between locations: how it travelled. */
  private fileLine(file: CopiedFile, to: string): void {
    if (file.error) return this.info(`  ${file.source}: failed (${file.error.message})`)
    if (file.skipped) return this.info(`  ${file.source}: skipped, another entry of that name was copied`)
    const how = file.via === 'rapid' ? 'rapid upload' : `streamed ${humanSize(file.bytes_uploaded)} (${file.reason})`
    this.info(`  ${file.source} → ${to}${file.destination} (${how})`)
  }
}

/** What a real `mv`/`cp` would have done with one source. */
function dryRunLine(command: string, r: MoveCopyResult, to: string): string {
  const where = `${to}${r.destination}`
  if (r.would_ask) return `Would ask: ${where} exists (--on-conflict skip|overwrite|rename decides without asking)`
  if (r.skipped) return `Would skip ${r.source}: ${where} exists`
  const verb = command === 'mv' ? 'move' : 'copy'
  const how = r.numbered ? ' (under a numbered name: that one is taken)' : r.replaced ? ' (the old one would go to the recycle bin)' : ''
  return `Would ${verb} ${r.source} → ${where}${how}`
}
