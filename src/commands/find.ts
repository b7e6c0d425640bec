import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import type {FileType} from '../lib/api/wire.js'
import type {LsEntry} from '../lib/files/ls.js'
import {find} from '../lib/manage/find.js'

export default class Find extends FileCommand {
  static override args = {
    path: Args.string({default: '/', description: 'Folder to search under.'}),
  }

  static override description = `Uses Alipan's search, which covers the whole drive; results are narrowed to PATH. --name takes a glob (*, ?, [abc], {a,b}) matched case-insensitively against the whole name. --query passes a search expression as is, e.g. "category = 'video' and created_at > '2026-01-01T00:00:00'" (fields name, type, file_extension, category, parent_file_id, created_at, updated_at; operators =, match, <, <=, >, >=; and/or; at most 5 conditions). Prints one path per line; --json prints the same objects as ls --json. No match is not an error.`

  static override examples = [
    `<%= config.bin %> <%= command.id %> /photos --name '*.heic'`,
    `<%= config.bin %> <%= command.id %> --name 'report-202?.{pdf,docx}' --type file`,
    `<%= config.bin %> <%= command.id %> /videos --query "category = 'video' and updated_at > '2026-01-01T00:00:00'" --json`,
  ]

  static override flags = {
    name: Flags.string({char: 'n', description: 'Glob on the name, case-insensitive.', exactlyOne: ['name', 'query']}),
    query: Flags.string({char: 'q', description: 'Raw openFile/search expression.', exactlyOne: ['name', 'query']}),
    type: Flags.string({char: 't', description: 'Only files or only folders.', options: ['file', 'folder']}),
  }

  static override summary = 'Find remote files by name or search expression.'

  async run(): Promise<LsEntry[]> {
    const {args, flags} = await this.parse(Find)
    const {drive, path} = await this.openRemote(args.path, flags)
    const entries = await find(drive, {path, name: flags.name, query: flags.query, type: flags.type as FileType | undefined, signal: this.signal})
    if (!this.jsonEnabled()) {
      for (const entry of entries) this.log(entry.path)
      if (entries.length === 0) this.info('No matches.')
    }
    return entries
  }
}
