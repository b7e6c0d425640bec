import {Args, Flags} from '@oclif/core'

import type {Spinner} from '../cli/base-command.js'
import {FileCommand} from '../cli/file-command.js'
import {canPrompt, confirm} from '../cli/prompts.js'
import {Failures, taskSpinner} from '../cli/task-feedback.js'
import {type RemovalMethod, type RemovalSummary, type RemovalTarget, type RemoveResult, remove} from '../lib/manage/remove.js'
import {humanSize} from '../lib/output/format.js'

export default class Rm extends FileCommand {
  static override args = {
    paths: Args.string({description: 'Remote files or folders to remove.', required: true}),
  }

  static override description = `By default items go to the recycle bin (the removal-method setting; --permanent deletes for good, --no-permanent forces the recycle bin). The Open API cannot restore: do that in the Alipan app. Folders need -r. On a terminal you are shown what will go (with file counts and sizes for folders) and asked to confirm; without a terminal rm refuses unless --force, which also makes a missing path not an error. --dry-run shows what would go (folders counted) and removes nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /old/report.pdf',
    '<%= config.bin %> <%= command.id %> -r /tmp/build',
    '<%= config.bin %> <%= command.id %> -rf --permanent /cache --json',
    '<%= config.bin %> <%= command.id %> -r --dry-run /old-backups',
  ]

  static override flags = {
    'dry-run': Flags.boolean({char: 'n', description: 'Say what would be removed (folders counted), and how; remove nothing, ask nothing.'}),
    force: Flags.boolean({char: 'f', description: 'Do not ask; a missing path is not an error.'}),
    permanent: Flags.boolean({allowNo: true, description: 'Delete permanently instead of moving to the recycle bin (default: the removal-method setting).'}),
    recursive: Flags.boolean({char: 'r', description: 'Remove folders and their contents.'}),
  }

  static override strict = false

  static override summary = 'Remove files or folders (to the recycle bin by default).'

  static override usage = '<%= command.id %> PATH...'

  async run(): Promise<RemoveResult[]> {
    const {argv, flags} = await this.parse(Rm)
    const {drive, paths} = await this.locations(flags).openAll(argv as string[], 'rm')
    const spin = (text: string) => this.spinner(text)
    const setting = (await this.context().settings())['removal-method'] as RemovalMethod
    const method: RemovalMethod = flags.permanent === undefined ? setting : flags.permanent ? 'delete' : 'trash'
    const failures = new Failures()
    let counting: Promise<Spinner> | undefined
    const results = await remove(drive, {
      paths,
      method,
      recursive: flags.recursive,
      force: flags.force,
      dryRun: flags['dry-run'],
      confirm: canPrompt() ? (summary) => this.ask(summary) : undefined,
      signal: this.signal,
      events: {
        ...taskSpinner((text) => this.spinner(text)),
        async counting(path) {
          counting ??= spin(`Counting what is in ${path}…`)
          ;(await counting).text = `Counting what is in ${path}…`
        },
        async counted() {
          ;(await counting)?.stop()
        },
        removed: (r) => this.info(`${r.method === 'delete' ? 'Deleted' : 'Trashed'} ${r.path}`),
      },
      onError: failures.record,
    })
    if (flags['dry-run']) {
      for (const r of results) this.info(r.contents ? `Would ${r.method === 'delete' ? 'permanently delete' : 'trash'} ${describe(r.contents)}` : `Would skip ${r.path}: not found`)
      return results
    }
    if (results.some((r) => r.removed && r.method === 'trash')) this.info('Restore from the recycle bin in the Alipan app (the Open API has no restore).')
    if (results.length > 0 && results.every((r) => !r.removed && !r.error && r.file_id)) this.info('Nothing removed.')
    failures.finish(results.length)
    return results
  }

  private async ask(summary: RemovalSummary): Promise<boolean> {
    const lines = summary.targets.map((t) => `  ${describe(t)}`)
    process.stderr.write(`${lines.join('\n')}\n`)
    const count = summary.targets.length === 1 ? 'this' : `these ${summary.targets.length} items`
    return confirm(summary.method === 'delete' ? `Permanently delete ${count}? This cannot be undone.` : `Move ${count} to the recycle bin?`)
  }
}

/** `/a.txt (12 KB)` or `/dir/ (folder: 3 files, 1 folder, 2 MB)`. */
function describe(t: RemovalTarget): string {
  if (t.type === 'file') return `${t.path} (${humanSize(t.size)})`
  return `${t.path}/ (folder: ${t.complete ? '' : 'at least '}${plural(t.files ?? 0, 'file')}, ${plural(t.folders ?? 0, 'folder')}, ${humanSize(t.size)})`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
