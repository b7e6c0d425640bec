import {Args} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {SETTINGS, validateSetting, type SettingKey} from '../../lib/settings.js'

export default class ConfigGet extends AlipanCommand {
  static override args = {
    key: Args.string({description: 'Setting name.', options: Object.keys(SETTINGS), required: true}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %> drive']

  static override summary = 'Print one setting.'

  async run(): Promise<{key: string; value: string}> {
    const {args} = await this.parse(ConfigGet)
    validateSetting(args.key, SETTINGS[args.key as SettingKey].default)
    const value = await this.context().settingsStore.get(args.key as SettingKey)
    this.log(value)
    return {key: args.key, value}
  }
}
