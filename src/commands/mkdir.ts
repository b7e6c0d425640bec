import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {Failures} from '../cli/task-feedback.js'
import {type MkdirResult, mkdir} from '../lib/manage/mkdir.js'

export default class Mkdir extends FileCommand {
  static override args = {
    paths: Args.string({description: 'Remote folders to create.', required: true}),
  }

  static override description = `Without -p the parent must exist (exit 3 otherwise) and the folder must not (exit 6). With -p missing parents are created and an existing folder is fine, so it is safe to run twice or from several scripts at once. A file in the way is always a conflict (exit 6).`

  static override examples = ['<%= config.bin %> <%= command.id %> /projects', '<%= config.bin %> <%= command.id %> -p /backups/2026/11 /backups/2026/12 --json']

  static override flags = {
    parents: Flags.boolean({char: 'p', description: 'Create missing parent folders; an existing folder is not an error.'}),
  }

  static override strict = false

  static override summary = 'Create remote folders.'

  static override usage = '<%= command.id %> PATH...'

  async run(): Promise<MkdirResult[]> {
    const {argv, flags} = await this.parse(Mkdir)
    const {drive, paths} = await this.locations(flags).openAll(argv as string[], 'mkdir')
    const failures = new Failures()
    const results = await mkdir(drive, {paths, parents: flags.parents, signal: this.signal, onError: failures.record})
    for (const r of results) if (r.created) this.info(`Created ${r.path}`)
    failures.finish(results.length)
    return results
  }
}
