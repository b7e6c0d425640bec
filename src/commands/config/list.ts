import {AlipanCommand} from '../../cli/base-command.js'
import {SETTINGS, type SettingKey} from '../../lib/settings.js'

export type ConfigListResult = Record<SettingKey, {value: string; default: string; set: boolean}>

export default class ConfigList extends AlipanCommand {
  static override examples = ['<%= config.bin %> <%= command.id %>']

  static override summary = 'List every setting, its value and whether it was set.'

  async run(): Promise<ConfigListResult> {
    await this.parse(ConfigList)
    const {values, explicit} = await this.context().settingsStore.all()
    const result = {} as ConfigListResult
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      result[key] = {value: values[key], default: SETTINGS[key].default, set: explicit.has(key)}
      this.log(`${key.padEnd(16)}${values[key]}${explicit.has(key) ? '' : this.stdoutIsTTY ? '  (default)' : ''}`)
    }
    return result
  }
}
