import {FileCommand} from '../cli/file-command.js'
import {type WhoamiResult, whoami} from '../lib/account.js'
import {humanDuration} from '../lib/output/format.js'

export default class Whoami extends FileCommand {
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --drive resource', '<%= config.bin %> <%= command.id %> --profile work --json']

  static override summary = 'Show the logged-in user, their drives and how the login is renewed.'

  async run(): Promise<WhoamiResult> {
    const {flags} = await this.parse(Whoami)
    const me = await whoami(this.driveContext(flags))
    const expires = me.access_token_expires_at ? new Date(me.access_token_expires_at) : undefined
    const lines = [
      ['profile', me.profile],
      ['user', `${me.name} (${me.user_id})`],
      ['drive', `${me.drive_type} (${me.drive_id})${me.root_folder_id === 'root' ? '' : `, paths under folder ${me.root_folder_id}`}`],
      ['drives', Object.entries(me.drives).filter(([, id]) => id).map(([type, id]) => `${type}=${id}`).join(' ')],
      ['credential', me.credential_source === 'environment' ? 'ALIPAN_REFRESH_TOKEN (rotated into the store)' : `stored login (${me.login_method === 'qr' ? 'QR' : 'pasted token'})`],
      ['renewal', me.renewal_route === 'app' ? `own app ${me.client_id}` : 'online token service'],
      ['token expires', expires ? `${expires.toISOString()} (in ${humanDuration(expires.getTime() - Date.now())}, renewed automatically)` : 'unknown'],
      ['config', me.config_dir],
    ]
    for (const [label, value] of lines) this.log(`${`${label}:`.padEnd(15)}${value}`)
    return me
  }
}
