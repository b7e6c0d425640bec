import {Args, Flags} from '@oclif/core'

import {conflictPrompt} from '../cli/conflict-prompt.js'
import {FileCommand, conflictFlag, conflictModeOrAsk} from '../cli/file-command.js'
import {ProgressReporter} from '../cli/progress.js'
import {exitWithFirstFailure} from '../cli/task-feedback.js'
import {bandwidthLimit, filterFlags, filterRules, progressMode, transferFlags} from '../cli/transfer-flags.js'
import {type PutConflictMode, type PutResult, put} from '../lib/files/put.js'
import {parseSize} from '../lib/transfer/part-size.js'
import {ResumeStore} from '../lib/transfer/resume-state.js'

export default class Put extends FileCommand {
  static override args = {
    paths: Args.string({description: 'Local files or folders, then the remote destination (last). `-` reads standard input.', required: true}),
  }

  static override description = `REMOTE ending in / or naming an existing folder means "into that folder"; missing remote folders are created. A folder goes in as <name> when REMOTE exists and becomes REMOTE when it does not, as with cp -r; a trailing slash on the source (./photos/) uploads its contents instead, which makes a nightly backup command land in the same place every time. Rapid upload (on by default) sends no data when Alipan already has the content. Large files upload in sequential parts; re-running the same command after an interruption resumes from the parts the server has. Every upload is verified against the SHA-1 computed while reading.

Without a terminal, an existing remote name fails the file (exit 6) unless --on-conflict says otherwise: skip (compares size and SHA-1), overwrite (the old file goes to the recycle bin once the new one is complete) or rename.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> report.pdf /docs/',
    '<%= config.bin %> <%= command.id %> -r ./photos/ /backups/photos --on-conflict skip',
    'tar c data | <%= config.bin %> <%= command.id %> - /backups/data.tar',
    '<%= config.bin %> <%= command.id %> dist/app.zip /releases/v1.2.0/ --json --on-conflict overwrite',
  ]

  static override flags = {
    ...transferFlags,
    ...filterFlags,
    checksum: Flags.boolean({char: 'c', description: 'With --on-conflict skip: compare by SHA-1 instead of size and modification time.'}),
    'follow-links': Flags.boolean({char: 'L', description: 'Follow symlinks inside folders (they are skipped, with a notice, otherwise).'}),
    'on-conflict': conflictFlag(['fail', 'skip', 'overwrite', 'rename'], 'a remote file of the same name'),
    rapid: Flags.boolean({allowNo: true, description: 'Try rapid upload by SHA-1 + proof code (default: the rapid-upload setting, on).'}),
    'part-size': Flags.string({description: 'Multipart part size, 100KiB–5GiB (default 16MiB, grown to stay within 10,000 parts).'}),
    'internal-upload': Flags.boolean({allowNo: true, description: 'Upload through the Beijing ECS internal endpoint (default: the internal-upload setting).'}),
  }

  static override strict = false

  static override summary = 'Upload files or folders.'

  static override usage = '<%= command.id %> LOCAL... REMOTE'

  async run(): Promise<PutResult[]> {
    const {argv, flags} = await this.parse(Put)
    const paths = argv as string[]
    if (paths.length < 2) this.error('put needs at least one local path and a remote destination.', {exit: 2})
    const {drive, path: remote} = await this.openRemote(paths.at(-1)!, flags)
    const settings = await this.context().settings()
    const reporter = new ProgressReporter(progressMode(flags, this.jsonEnabled()), 'uploaded')
    let results: PutResult[]
    try {
      results = await put(drive, {
        sources: paths.slice(0, -1),
        remote,
        recursive: flags.recursive,
        onConflict: conflictModeOrAsk<PutConflictMode>(flags['on-conflict']),
        ask: conflictPrompt(['skip', 'overwrite', 'rename']),
        rapid: flags.rapid ?? settings['rapid-upload'] === 'on',
        partSize: flags['part-size'] ? parseSize(flags['part-size']) : undefined,
        transfers: flags.transfers,
        internalUpload: flags['internal-upload'] ?? settings['internal-upload'] === 'on',
        resume: new ResumeStore(this.context().transfersDir),
        compare: flags.checksum ? 'checksum' : 'default',
        filter: filterRules(flags),
        followLinks: flags['follow-links'],
        bandwidth: bandwidthLimit(flags.bwlimit, settings.bwlimit),
        signal: this.signal,
        events: reporter,
      })
    } finally {
      reporter.finish()
    }
    exitWithFirstFailure(reporter.failures, results.length)
    return results
  }
}
