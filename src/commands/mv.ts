import {MoveCopyCommand, moveCopyArgs, moveCopyFlags} from '../cli/move-copy-command.js'
import {type MoveCopyResult, move} from '../lib/manage/move-copy.js'

export default class Mv extends MoveCopyCommand {
  static override args = moveCopyArgs

  static override description = `DST is a folder to move into when it exists as a folder, ends in /, or there are several sources; otherwise it is the new path (a rename, across folders too). Without a terminal a name that is taken fails (exit 6) unless --on-conflict says otherwise: skip, overwrite (the old entry goes to the recycle bin once the new one is in place) or rename (a numbered name). Folder moves the service runs in the background are waited for. --dry-run makes every check and says what would happen, moving nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /inbox/report.pdf /docs/',
    '<%= config.bin %> <%= command.id %> /docs/draft.md /docs/final.md',
    '<%= config.bin %> <%= command.id %> /inbox/a.jpg /inbox/b.jpg /photos --on-conflict rename --json',
  ]

  static override flags = moveCopyFlags

  static override strict = false

  static override summary = 'Move or rename remote files and folders.'

  static override usage = '<%= command.id %> SRC... DST'

  async run(): Promise<MoveCopyResult[]> {
    return this.transfer(move)
  }
}
