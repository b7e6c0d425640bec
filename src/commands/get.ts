import {Args, Flags} from '@oclif/core'

import {conflictPrompt} from '../cli/conflict-prompt.js'
import {FileCommand, conflictFlag, conflictModeOrAsk} from '../cli/file-command.js'
import {ProgressReporter} from '../cli/progress.js'
import {exitWithFirstFailure} from '../cli/task-feedback.js'
import {bandwidthLimit, clashFlag, filterFlags, filterRules, progressMode, transferFlags} from '../cli/transfer-flags.js'
import {type ClashMode, type GetConflictMode, type GetResult, clashSkipError, get} from '../lib/files/get.js'
import type {LivpFormat} from '../lib/transfer/download.js'

export default class Get extends FileCommand {
  static override args = {
    remote: Args.string({description: 'Remote file or folder.', required: true}),
    local: Args.string({description: 'Local file or folder (default: the current folder); `-` writes the file to standard output.'}),
  }

  static override description = `Each file is written to LOCAL.alipan-part and renamed only after its size and SHA-1 match what Alipan reports, so no half-written file ever has the final name; re-running after an interruption resumes it with a Range request. Remote names that could land outside the target folder are refused; names Windows forbids are made safe there. Remote entries of one folder that would land on one local name (duplicates, names differing only in case on a case-insensitive disk, names made equal for Windows) never overwrite each other: the newest keeps the name and the others get numbered names such as "name (2).ext" (--on-clash).

Files of 5 MiB or more come down over up to --streams HTTP Range streams at once (default 3), each writing its own part of LOCAL.alipan-part; the service allows 3 download connections per user, and files and streams of one command share them (a connection left free joins a file still downloading). An interrupted multi-stream download keeps what each stream wrote (LOCAL.alipan-part.json records which bytes) and the re-run fetches only the rest. --bwlimit caps the total rate of the command.

Live photos (.livp) download as the stream chosen by --livp (default: the livp-format setting), with a .jpg or .mov extension.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /docs/report.pdf',
    '<%= config.bin %> <%= command.id %> -r /backups/photos ./restore --on-conflict skip',
    '<%= config.bin %> <%= command.id %> /backups/data.tar - | tar x',
  ]

  static override flags = {
    ...transferFlags,
    ...filterFlags,
    'on-conflict': conflictFlag(['fail', 'skip', 'overwrite'], 'a local file of the same name'),
    livp: Flags.string({description: 'Which stream of a live photo to download.', options: ['jpeg', 'mov']}),
    'on-clash': clashFlag,
    streams: Flags.integer({description: 'Most HTTP Range streams per file of 5 MiB or more (the service allows 3 connections per user in all).', min: 1, max: 3, default: 3}),
  }

  static override summary = 'Download files or folders.'

  async run(): Promise<GetResult[]> {
    const {args, flags} = await this.parse(Get)
    const {drive, path: remote} = await this.openRemote(args.remote, flags)
    const settings = await this.context().settings()
    const toStdout = args.local === '-'
    if (toStdout && this.jsonEnabled()) this.error('--json cannot be combined with `-`: the file itself goes to standard output.', {exit: 2})
    // With the bytes on stdout, progress must not look like output: bars only on a terminal stderr.
    const reporter = new ProgressReporter(toStdout && !process.stderr.isTTY && !flags.progress ? 'quiet' : progressMode(flags, this.jsonEnabled()), 'downloaded')
    let results: GetResult[]
    try {
      results = await get(drive, {
        remote,
        local: args.local,
        recursive: flags.recursive,
        onConflict: conflictModeOrAsk<GetConflictMode>(flags['on-conflict']),
        ask: conflictPrompt(['skip', 'overwrite']),
        livp: (flags.livp ?? settings['livp-format']) as LivpFormat,
        onClash: flags['on-clash'] as ClashMode,
        transfers: flags.transfers,
        filter: filterRules(flags),
        streams: flags.streams,
        bandwidth: bandwidthLimit(flags.bwlimit, settings.bwlimit),
        signal: this.signal,
        events: reporter,
      })
    } finally {
      reporter.finish()
    }
    exitWithFirstFailure(reporter.failures, results.length)
    const leftOut = results.filter((r) => r.clash?.reason === 'skipped_for_clash').length
    if (leftOut > 0) {
      // Left out on purpose (--on-clash skip): exit 6, unless a real failure already set the code.
      const error = clashSkipError(leftOut)
      process.stderr.write(`Error: ${error.message}\nHint: ${error.hint}\n`)
      if (reporter.failures.length === 0) process.exitCode = error.exitCode
    }
    // Bytes went to stdout: a JSON document after them would corrupt the stream.
    return toStdout ? (undefined as unknown as GetResult[]) : results
  }
}
