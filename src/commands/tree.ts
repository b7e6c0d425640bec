import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {readFlags, readMethod} from '../cli/read-flags.js'
import {type TreeNodeJson, renderTree, tree, treeSummary} from '../lib/metadata/tree-view.js'

export default class Tree extends FileCommand {
  static override args = {
    path: Args.string({default: '/', description: 'Remote folder.'}),
  }

  static override description = `PATH, then every entry beneath it under its folder, folders ending in /, each folder's entries sorted by name; a count of folders and files closes it. --size shows a file's size and a folder's total (the whole tree is read for those). Duplicate names are shown as they are. --json prints PATH as nested {name, path, type, size, children}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /backups',
    '<%= config.bin %> <%= command.id %> /backups --dirs-only --max-depth 2',
    '<%= config.bin %> <%= command.id %> /photos --size --json',
  ]

  static override flags = {
    'dirs-only': Flags.boolean({description: 'Show folders only.'}),
    ...readFlags,
    size: Flags.boolean({char: 's', description: "Show sizes: a file's own, a folder's total."}),
  }

  static override summary = 'Show the folder tree.'

  async run(): Promise<TreeNodeJson> {
    const {args, flags} = await this.parse(Tree)
    const {drive, path} = await this.openRemote(args.path, flags)
    const options = {size: flags.size, dirsOnly: flags['dirs-only'], maxDepth: flags['max-depth']}
    const spinner = await this.spinner(`Reading ${args.path}…`)
    let view
    try {
      view = await tree(drive, {...options, path, method: readMethod(flags), signal: this.signal})
    } finally {
      spinner.stop()
    }
    if (this.jsonEnabled()) return view.root
    this.log(renderTree(view, options).join('\n'))
    this.log(`\n${treeSummary(view, options)}`)
    return view.root
  }
}
