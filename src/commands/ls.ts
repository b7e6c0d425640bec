import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {type LsEntry, type SortKey, listPath} from '../lib/files/ls.js'
import {humanSize, humanTime, renderTable} from '../lib/output/format.js'

export default class Ls extends FileCommand {
  static override args = {
    path: Args.string({default: '/', description: 'Remote folder or file (absolute path under the root folder).'}),
  }

  static override description = `On a terminal, -l shows human sizes and local times; piped, it prints tab-separated raw values (bytes, ISO times) for cut and awk. --json prints one array of {name, path, type, size, file_id, content_hash, updated_at}. A listing that fails midway exits non-zero: a partial listing is never printed as if complete.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /backups',
    '<%= config.bin %> <%= command.id %> -l --sort size /backups',
    '<%= config.bin %> <%= command.id %> -R --json /projects | jq -r \'.[] | select(.type=="file") | .path\'',
  ]

  static override flags = {
    long: Flags.boolean({char: 'l', description: 'Show type, size and modification time.'}),
    recursive: Flags.boolean({char: 'R', description: 'List subfolders too, as paths relative to PATH.'}),
    sort: Flags.string({default: 'name', description: 'Sort each folder by name, size (largest first) or time (newest first).', options: ['name', 'size', 'time']}),
    reverse: Flags.boolean({char: 'r', description: 'Reverse the sort order.'}),
  }

  static override summary = 'List a remote folder.'

  async run(): Promise<LsEntry[]> {
    const {args, flags} = await this.parse(Ls)
    const {drive, path} = await this.openRemote(args.path, flags)
    const entries = await listPath(drive, {path, recursive: flags.recursive, sort: flags.sort as SortKey, reverse: flags.reverse})
    if (this.jsonEnabled()) return entries
    const base = path.replace(/\/+$/, '') || ''
    const label = (e: LsEntry) => {
      const shown = flags.recursive && e.path.startsWith(`${base}/`) ? e.path.slice(base.length + 1) : e.name
      return this.stdoutIsTTY && e.type === 'folder' ? `${shown}/` : shown
    }
    if (!flags.long) {
      for (const entry of entries) this.log(label(entry))
      return entries
    }
    if (entries.length > 0) {
      const table = renderTable(
        entries,
        [
          {header: 'type', human: (e) => (e.type === 'folder' ? 'dir' : 'file'), raw: (e) => e.type},
          {header: 'size', human: (e) => (e.size === null ? '-' : humanSize(e.size)), raw: (e) => (e.size === null ? '-' : String(e.size)), align: 'right'},
          {header: 'modified', human: (e) => humanTime(e.updated_at), raw: (e) => e.updated_at ?? '-'},
          {header: 'name', human: label},
        ],
        this.stdoutIsTTY,
      )
      this.log(table)
    }
    return entries
  }
}
