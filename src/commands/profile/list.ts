import {AlipanCommand} from '../../cli/base-command.js'
import {readEnvironment} from '../../lib/env.js'
import {type ProfileListEntry, listProfiles} from '../../lib/profiles.js'
import {renderTable} from '../../lib/output/format.js'

export default class ProfileList extends AlipanCommand {
  static override description = 'The default profile is the one commands use without --profile or ALIPAN_PROFILE; change it with `alipan profile use`. --json prints an array of {name, user_id, user_name, route, default}.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override summary = 'List profiles: who each is logged in as, how it renews, which is the default.'

  async run(): Promise<ProfileListEntry[]> {
    await this.parse(ProfileList)
    const profiles = await listProfiles(this.configDir)
    if (this.stdoutIsTTY) {
      const user = (p: ProfileListEntry) => (p.user_id ? `${p.user_name ?? '?'} (${p.user_id})` : 'not logged in')
      const columns = [
        {header: '', human: (p: ProfileListEntry) => (p.default ? '*' : ' ')},
        {header: 'name', human: (p: ProfileListEntry) => p.name},
        {header: 'user', human: user},
        {header: 'route', human: (p: ProfileListEntry) => p.route ?? '-'},
      ]
      this.log(renderTable(profiles, columns, true))
    } else {
      // Piped: one tab-separated line per profile, for cut and awk.
      for (const p of profiles) this.log([p.name, p.user_id ?? '-', p.user_name ?? '-', p.route ?? '-', p.default ? 'default' : '-'].join('\t'))
    }
    const override = readEnvironment().profile
    if (override) this.info(`ALIPAN_PROFILE=${override} is set: it wins over the default here.`)
    return profiles
  }
}
