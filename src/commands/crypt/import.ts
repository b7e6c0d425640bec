import {Args, Flags} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {type CryptLocationInfo, defaultRcloneConfig, importLocation} from '../../lib/crypt/manage.js'

export default class CryptImport extends AlipanCommand {
  static override args = {
    section: Args.string({description: 'The crypt section of rclone.conf ([SECTION]).', required: true}),
  }

  static override description = `Takes the passwords and name options of a \`type = crypt\` section, so alipan reads and writes the same encrypted files as that rclone remote. rclone's own \`remote =\` names a remote of rclone's; --remote says where on Alipan the same encrypted files are. A missing section, another type, or a password that is not rclone-obscured exits 2 with the reason. An encrypted rclone.conf cannot be read: print the section with \`rclone config show SECTION\` and give that text on standard input (--config -).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> secret --remote alipan:/backup/secret',
    'rclone config show secret | <%= config.bin %> <%= command.id %> secret --config - --remote alipan:/backup/secret --name vault',
  ]

  static override flags = {
    config: Flags.string({description: `The rclone.conf to read; - for standard input (default: rclone's, ${defaultRcloneConfig().replace(process.env.HOME ?? '\0', '~')}).`}),
    name: Flags.string({description: 'Call the location this (default: the section\'s name).'}),
    remote: Flags.string({description: 'Where on Alipan the encrypted files live: alipan:/PATH, alipan@PROFILE:/PATH, alipan,drive=TYPE:/PATH.', required: true}),
  }

  static override summary = "Add an encrypted location from an rclone.conf crypt section."

  async run(): Promise<CryptLocationInfo & {section: string; rclone_remote: string}> {
    const {args, flags} = await this.parse(CryptImport)
    const added = await importLocation(this.context(), {section: args.section, config: flags.config ?? defaultRcloneConfig(), remote: flags.remote, name: flags.name})
    this.info(`Added ${added.name} from [${added.section}]: ${added.name}:/PATH is ${added.remote} (rclone reaches the same files through ${added.rclone_remote}).`)
    return added
  }
}
