import {Args} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {readFlags, readMethod} from '../cli/read-flags.js'
import {type DuResult, type DuRow, du} from '../lib/metadata/du.js'
import {humanSize, renderTable} from '../lib/output/format.js'

export default class Du extends FileCommand {
  static override args = {
    path: Args.string({default: '/', description: 'Remote folder (or file).'}),
  }

  static override description = `One line per folder, a folder after its subfolders, and PATH itself last: the total. Sizes count every file beneath a folder (duplicates and all), as the listings give them; nothing is downloaded. On a terminal sizes are human (KiB, MiB, …) in a table; piped, each line is tab-separated bytes, file count and path. --json gives {total, folders: [{path, size, files, folders, depth}]} in bytes.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /backups',
    '<%= config.bin %> <%= command.id %> /backups --max-depth 1',
    '<%= config.bin %> <%= command.id %> /backups -d 0 --json',
  ]

  static override flags = {
    ...readFlags,
  }

  static override summary = 'Show the size and file count of each folder.'

  async run(): Promise<DuResult> {
    const {args, flags} = await this.parse(Du)
    const {drive, path} = await this.openRemote(args.path, flags)
    const spinner = await this.spinner(`Reading ${args.path}…`)
    let result
    try {
      result = await du(drive, {path, maxDepth: flags['max-depth'], method: readMethod(flags), signal: this.signal})
    } finally {
      spinner.stop()
    }
    if (this.jsonEnabled()) return result
    const rows = [...result.folders, result.total]
    this.log(
      renderTable<DuRow>(
        rows,
        [
          {header: 'size', human: (r) => humanSize(r.size), raw: (r) => String(r.size), align: 'right'},
          {header: 'files', human: (r) => String(r.files), align: 'right'},
          {header: 'path', human: (r) => r.path},
        ],
        this.stdoutIsTTY,
      ),
    )
    return result
  }
}
