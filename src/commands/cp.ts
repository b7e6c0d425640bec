import {Flags} from '@oclif/core'

import {MoveCopyCommand, moveCopyArgs, moveCopyFlags} from '../cli/move-copy-command.js'
import {bandwidthLimit, transferFlags} from '../cli/transfer-flags.js'
import {type MoveCopyResult, copy} from '../lib/manage/move-copy.js'

export default class Cp extends MoveCopyCommand {
  static override args = moveCopyArgs

  static override description = `Within one drive the copy happens inside Alipan: no data goes through this machine, and folders are copied whole (the service does it in the background; it is waited for). DST works as for mv. Without a terminal a name that is taken fails (exit 6) unless --on-conflict says otherwise: skip, overwrite (the old entry goes to the recycle bin once the copy is in place) or rename (a numbered name, also the way to duplicate a file in its own folder).

SRC and DST may be in other drives or logins: alipan,drive=resource:/PATH, alipan@PROFILE:/PATH, alipan@PROFILE,drive=backup:/PATH. The Open API cannot copy there, so each file goes by rapid upload: its SHA-1 from the source's listing and 8 bytes read from the source prove the content, and nothing is uploaded. A file the service will not take that way is streamed from the source into the destination (no local file, verified by SHA-1); --json says per file which it was. Folders are copied file by file, --transfers at a time. --dry-run makes every check (sources, destination, names taken) and says what would happen, copying nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /templates/invoice.odt /invoices/2026-11.odt',
    '<%= config.bin %> <%= command.id %> /projects/site /archive/',
    '<%= config.bin %> <%= command.id %> /docs/a.md /docs/a.md --on-conflict rename',
    '<%= config.bin %> <%= command.id %> /photos/2026 alipan,drive=resource:/photos/',
    '<%= config.bin %> <%= command.id %> alipan@family:/shared/video.mp4 /inbox/ --json',
  ]

  static override flags = {
    ...moveCopyFlags,
    bwlimit: transferFlags.bwlimit,
    rapid: Flags.boolean({allowNo: true, description: 'Between drives or logins: copy by rapid upload first (default: the rapid-upload setting, on); --no-rapid streams every file.'}),
    transfers: Flags.integer({description: 'Between drives or logins: files copied at once (default 4).', min: 1, max: 16}),
  }

  static override strict = false

  static override summary = 'Copy remote files and folders (server-side, or by rapid upload across drives and logins).'

  static override usage = '<%= command.id %> SRC... DST'

  async run(): Promise<MoveCopyResult[]> {
    return this.transfer(copy, async (flags) => {
      const settings = await this.context().settings()
      return {
        rapid: (flags.rapid as boolean | undefined) ?? settings['rapid-upload'] === 'on',
        transfers: flags.transfers as number | undefined,
        bandwidth: bandwidthLimit(flags.bwlimit as string | undefined, settings.bwlimit),
      }
    })
  }
}
