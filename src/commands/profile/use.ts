import {Args} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {useProfile} from '../../lib/profiles.js'

export default class ProfileUse extends AlipanCommand {
  static override args = {
    name: Args.string({description: 'Profile name (`default` is the login kept at the top of the config folder).', required: true}),
  }

  static override description = '--profile and ALIPAN_PROFILE still win over it for a single command. The profile must exist: create one with `alipan login --profile NAME`.'

  static override examples = ['<%= config.bin %> <%= command.id %> work', '<%= config.bin %> <%= command.id %> default']

  static override summary = 'Set the profile commands use by default.'

  async run(): Promise<{default: string}> {
    const {args} = await this.parse(ProfileUse)
    useProfile(this.configDir, args.name)
    this.info(`Commands now use profile ${args.name} by default.`)
    return {default: args.name}
  }
}
