import {MoveCopyCommand, moveCopyArgs, moveCopyFlags} from '../cli/move-copy-command.js'
import {type MoveCopyResult, copy} from '../lib/manage/move-copy.js'

export default class Cp extends MoveCopyCommand {
  static override args = moveCopyArgs

  static override description = `The copy happens inside Alipan: no data goes through this machine, and folders are copied whole (the service does it in the background; it is waited for). DST works as for mv. Without a terminal a name that is taken fails (exit 6) unless --on-conflict says otherwise: skip, overwrite (the old entry goes to the recycle bin once the copy is in place) or rename (a numbered name, also the way to duplicate a file in its own folder).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /templates/invoice.odt /invoices/2026-11.odt',
    '<%= config.bin %> <%= command.id %> /projects/site /archive/',
    '<%= config.bin %> <%= command.id %> /docs/a.md /docs/a.md --on-conflict rename',
  ]

  static override flags = moveCopyFlags

  static override strict = false

  static override summary = 'Copy remote files and folders (server-side).'

  static override usage = '<%= command.id %> SRC... DST'

  async run(): Promise<MoveCopyResult[]> {
    return this.transfer(copy)
  }
}
