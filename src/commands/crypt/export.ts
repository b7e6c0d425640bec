import {Args, Flags} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {UsageError} from '../../lib/errors.js'
import {exportLocation} from '../../lib/crypt/manage.js'

/** The `--json` shape: where the section went, never the passwords. */
export interface CryptExportResult {
  name: string
  section: string
  rclone_remote: string
  config: string | null
}

export default class CryptExport extends AlipanCommand {
  static override args = {
    name: Args.string({description: 'The encrypted location.', required: true}),
  }

  static override description = `The section rclone needs to read the same encrypted files: its passwords obscured as rclone writes them, the same name options. rclone cannot reach Alipan by itself: --rclone-remote says where rclone finds the encrypted files, either a local folder they were fetched into as they are stored (\`alipan get -r alipan:/vault ./vault-raw\`, or any other client), or an rclone remote reaching the same Alipan folder (an OpenList WebDAV remote, \`openlist:/vault\`). Without --config the section is printed on standard output (it holds the obscured passwords: keep it private); with --config it is written into that rclone.conf (replacing a crypt section of the same name; a remote of another type under that name is left alone, exit 6).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> vault --rclone-remote ./vault-raw',
    '<%= config.bin %> <%= command.id %> vault --rclone-remote openlist:/vault --config ~/.config/rclone/rclone.conf',
  ]

  static override flags = {
    config: Flags.string({description: 'Write the section into this rclone.conf (0600) instead of printing it.'}),
    'rclone-remote': Flags.string({description: 'rclone\'s `remote =`: where rclone finds the encrypted files (a local folder, or an rclone remote).', required: true}),
    section: Flags.string({description: 'Name the section this (default: the location\'s name).'}),
  }

  static override summary = "Write an encrypted location as an rclone.conf crypt section."

  async run(): Promise<CryptExportResult> {
    const {args, flags} = await this.parse(CryptExport)
    // --json carries no password, not even obscured: the section goes to a file.
    if (this.jsonEnabled() && !flags.config) throw new UsageError('With --json the section is not printed (it holds the obscured passwords): write it with --config FILE.')
    const exported = await exportLocation(this.context(), {name: args.name, rcloneRemote: flags['rclone-remote'], section: flags.section, config: flags.config})
    if (exported.config) this.info(`Wrote [${exported.section}] into ${exported.config}: rclone reads ${exported.rclone_remote} through ${exported.section}: (e.g. \`rclone copy ${exported.section}: ./restore\`).`)
    else process.stdout.write(exported.text)
    return {name: exported.name, section: exported.section, rclone_remote: exported.rclone_remote, config: exported.config}
  }
}
