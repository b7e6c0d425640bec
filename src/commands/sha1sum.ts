import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {Failures} from '../cli/task-feedback.js'
import {filterFlags, filterRules} from '../cli/transfer-flags.js'
import {type Sha1sumEntry, sha1sumLine, sha1sums} from '../lib/metadata/sha1sum.js'

export default class Sha1sum extends FileCommand {
  static override args = {
    paths: Args.string({description: 'Remote files, or folders with -r.', required: true}),
  }

  static override description = `Prints "<sha1>  <path>" per file, as sha1sum does, from the listings: nothing is downloaded. Paths are where \`alipan get\` puts the files in the current folder (a folder's own name first, as \`get -r\` creates it), so after \`alipan get -r /backups/photos\` the output of \`alipan sha1sum -r /backups/photos\` checks with \`sha1sum -c\`. Live photos are left out (get writes one of their streams, whose SHA-1 no listing carries), with a note on standard error. --json prints [{path, remote_path, sha1, size}].`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /docs/report.pdf',
    '<%= config.bin %> <%= command.id %> -r /backups/photos > photos.sha1 && alipan get -r /backups/photos && sha1sum -c photos.sha1',
  ]

  static override flags = {
    ...filterFlags,
    recursive: Flags.boolean({char: 'r', description: 'List the files in folders, at every depth.'}),
  }

  static override strict = false

  static override summary = 'Print the SHA-1 of remote files, as sha1sum does.'

  static override usage = '<%= command.id %> PATH...'

  async run(): Promise<Sha1sumEntry[]> {
    const {argv, flags} = await this.parse(Sha1sum)
    const {drive, paths} = await this.locations(flags).openAll(argv as string[], 'sha1sum')
    const run = await sha1sums(drive, {paths, recursive: flags.recursive, filter: filterRules(flags), signal: this.signal})
    if (!this.jsonEnabled()) for (const file of run.files) this.log(sha1sumLine(file.sha1, file.path))
    for (const skip of run.skipped) this.info(`skipped ${skip.remote_path}: ${skip.reason}`)
    const failures = new Failures()
    for (const failure of run.failures) failures.record(failure.remote_path, failure.error)
    failures.finish(run.files.length + run.failures.length)
    return run.files
  }
}
