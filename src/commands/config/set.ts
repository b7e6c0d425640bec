import {Args} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {SETTINGS} from '../../lib/settings.js'

export default class ConfigSet extends AlipanCommand {
  static override args = {
    key: Args.string({description: 'Setting name.', options: Object.keys(SETTINGS), required: true}),
    value: Args.string({description: 'New value.', required: true}),
  }

  static override description = `Settings:
${Object.entries(SETTINGS)
  .map(([key, spec]) => `  ${key.padEnd(16)}${spec.description} (default ${spec.default})`)
  .join('\n')}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> drive resource',
    '<%= config.bin %> <%= command.id %> removal-method delete',
    '<%= config.bin %> <%= command.id %> rapid-upload off',
  ]

  static override summary = 'Change a persistent default.'

  async run(): Promise<{key: string; value: string}> {
    const {args} = await this.parse(ConfigSet)
    const value = await this.context().settingsStore.set(args.key, args.value)
    this.info(`${args.key} = ${value}`)
    return {key: args.key, value}
  }
}
