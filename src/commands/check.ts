import {Args, Flags} from '@oclif/core'

import type {Spinner} from '../cli/base-command.js'
import {FileCommand} from '../cli/file-command.js'
import {ProgressReporter} from '../cli/progress.js'
import {filterFlags, filterRules} from '../cli/transfer-flags.js'
import {UsageError} from '../lib/errors.js'
import {type CheckResult, check} from '../lib/metadata/check.js'
import {combinedLine, type ReportTargets, writeReports} from '../lib/metadata/check-report.js'
import type {LivpFormat} from '../lib/transfer/download.js'

export default class Check extends FileCommand {
  static override args = {
    source: Args.string({description: 'A local folder or file, or alipan:/PATH.', required: true}),
    dest: Args.string({description: 'What to compare it with: alipan:/PATH, or a local path when SOURCE is remote.', required: true}),
  }

  static override description = `At least one side is remote, written with the alipan: prefix (both remote: the same drive). Files are compared by size, then SHA-1: a remote file's SHA-1 comes from its listing, a local file is read once to hash it, and only when its size matches (with --size-only, never). Nothing is downloaded and nothing changes on either side. Both sides are read as sync reads them (one listing per remote folder, the same filters).

Each path gets one of rclone's signs: "= path" identical, "- path" missing on SOURCE (only on DEST), "+ path" missing on DEST (only on SOURCE), "* path" differs, "! path" could not be read or hashed; folders end in /. Without a list flag, the lines other than "=" go to standard output; --combined FILE writes every line, and --match, --differ, --missing-on-src, --missing-on-dst and --error write the bare paths of one kind (FILE "-" is standard output). The summary goes to standard error.

Exit 0 when the trees match, 1 when they differ; when a path could not be read, that error's own code (e.g. 9).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> ./data alipan:/backups/data',
    '<%= config.bin %> <%= command.id %> ./data alipan:/backups/data --combined report.txt',
    '<%= config.bin %> <%= command.id %> ./data alipan:/backups/data --size-only --one-way --missing-on-dst -',
    '<%= config.bin %> <%= command.id %> alipan:/backups/data alipan:/backups/data-copy --json',
  ]

  static override flags = {
    combined: Flags.string({description: 'Write every path with its sign (= - + * !) to FILE (- for standard output).'}),
    differ: Flags.string({description: 'Write the paths that differ to FILE.'}),
    error: Flags.string({description: 'Write the paths that could not be read or hashed to FILE.'}),
    ...filterFlags,
    'follow-links': Flags.boolean({char: 'L', description: 'Follow local symlinks to files and folders (they are skipped otherwise).'}),
    livp: Flags.string({description: 'The stream live photos were downloaded as, when SOURCE is remote (default: the livp-format setting).', options: ['jpeg', 'mov']}),
    match: Flags.string({description: 'Write the identical paths to FILE.'}),
    'missing-on-dst': Flags.string({description: 'Write the paths only on SOURCE to FILE.'}),
    'missing-on-src': Flags.string({description: 'Write the paths only on DEST to FILE.'}),
    'one-way': Flags.boolean({description: 'Ignore what is only on DEST.'}),
    'size-only': Flags.boolean({description: 'Compare sizes only: no local file is read.'}),
  }

  static override summary = 'Compare two trees by size and SHA-1, downloading nothing.'

  async run(): Promise<CheckResult> {
    const {args, flags} = await this.parse(Check)
    const targets: ReportTargets = {combined: flags.combined, match: flags.match, differ: flags.differ, missing_on_src: flags['missing-on-src'], missing_on_dst: flags['missing-on-dst'], error: flags.error}
    const given = Object.values(targets).filter((t) => t !== undefined)
    if (this.jsonEnabled() && given.includes('-')) throw new UsageError('With --json, standard output carries the JSON: write the lists to files.')
    const settings = await this.driveContext(flags).settings()
    const reporter = new ProgressReporter(this.interactive ? 'bars' : 'quiet', '', process.stderr, false)
    let spinner: Promise<Spinner> | undefined
    let run
    try {
      const resolver = this.locations(flags)
      run = await check((raw) => resolver.openPath(raw), {
        source: args.source,
        dest: args.dest,
        isRemote: (raw) => resolver.parse(raw) !== undefined,
        sizeOnly: flags['size-only'],
        oneWay: flags['one-way'],
        filter: filterRules(flags),
        followLinks: flags['follow-links'],
        livp: (flags.livp ?? settings['livp-format']) as LivpFormat,
        signal: this.signal,
        events: {
          reading: () => void (spinner = this.spinner(`Reading ${args.source} and ${args.dest}…`)),
          hashing: () => void spinner?.then((s) => s.stop()),
          start: reporter.start.bind(reporter),
          progress: reporter.progress.bind(reporter),
          dismiss: reporter.dismiss.bind(reporter),
          skipped: (path, reason) => this.info(`skipped ${path}: ${reason}`),
          note: (message) => this.info(`Note: ${message}`),
        },
      })
    } finally {
      ;(await spinner)?.stop()
      reporter.finish()
    }
    const {result, lines, failures} = run
    if (given.length > 0) await writeReports(lines, targets, (text) => process.stdout.write(text))
    else if (!this.jsonEnabled()) for (const line of lines) if (line.kind !== 'match') this.log(combinedLine(line))
    for (const line of lines) {
      if (line.kind === 'error') this.info(`Error: ${line.error!.message}${line.error!.hint ? `\nHint: ${line.error!.hint}` : ''}`)
    }
    if (result.duplicates.length > 0) this.info(`${result.duplicates.length} remote name(s) held by more than one entry: one of each was compared (see \`alipan dedupe\`).`)
    this.info(summaryLine(result))
    if (failures.length > 0) process.exitCode = failures[0].exitCode
    else if (result.summary.differences > 0) process.exitCode = 1
    return result
  }
}

function summaryLine(result: CheckResult): string {
  const s = result.summary
  const kinds = [`${s.missing_on_dst} missing on DEST`, `${s.missing_on_src} missing on SOURCE`, `${s.differ} differing`]
  const errors = s.errors > 0 ? `; ${s.errors} error${s.errors === 1 ? '' : 's'} while checking` : ''
  return `${s.differences} difference${s.differences === 1 ? '' : 's'} found (${kinds.join(', ')}); ${s.match} identical${errors}`
}
