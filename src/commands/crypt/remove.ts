import {Args} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {type CryptLocationInfo, removeLocation} from '../../lib/crypt/manage.js'

export default class CryptRemove extends AlipanCommand {
  static override args = {
    name: Args.string({description: 'The encrypted location.', required: true}),
  }

  static override description = 'Only the settings and passwords go: the encrypted files stay on the drive, readable again once the location is added with the same passwords and options (or by rclone).'

  static override examples = ['<%= config.bin %> <%= command.id %> vault']

  static override summary = 'Forget an encrypted location (its files stay).'

  async run(): Promise<CryptLocationInfo> {
    const {args} = await this.parse(CryptRemove)
    const removed = await removeLocation(this.context(), args.name)
    this.info(`Removed ${removed.name}; its files stay in ${removed.remote}.`)
    return removed
  }
}
