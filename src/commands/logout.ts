import {AlipanCommand} from '../cli/base-command.js'
import {type LogoutResult, logout} from '../lib/account.js'

export default class Logout extends AlipanCommand {
  static override description = 'The refresh token stays valid at Alipan until it expires or you revoke the app: in the Alipan app, open Settings → Privacy → Authorization management.'

  static override examples = ['<%= config.bin %> <%= command.id %>']

  static override summary = 'Remove the stored login from this machine.'

  async run(): Promise<LogoutResult> {
    await this.parse(Logout)
    const result = await logout(this.context())
    this.info(result.removed ? `Removed the stored login (${result.path}).` : 'No stored login to remove.')
    this.info('To revoke access entirely, open the Alipan app → Settings → Privacy → Authorization management.')
    if (result.env_token_set) this.warn('ALIPAN_REFRESH_TOKEN is still set: the next command will log in with it.')
    return result
  }
}
