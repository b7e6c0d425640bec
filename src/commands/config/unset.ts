import {Args} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {SETTINGS, type SettingKey} from '../../lib/settings.js'

export default class ConfigUnset extends AlipanCommand {
  static override args = {
    key: Args.string({description: 'Setting name.', options: Object.keys(SETTINGS), required: true}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %> drive']

  static override summary = 'Return a setting to its default.'

  async run(): Promise<{key: string; value: string}> {
    const {args} = await this.parse(ConfigUnset)
    await this.context().settingsStore.unset(args.key)
    const value = SETTINGS[args.key as SettingKey].default
    this.info(`${args.key} = ${value} (default)`)
    return {key: args.key, value}
  }
}
