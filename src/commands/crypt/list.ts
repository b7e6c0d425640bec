import {AlipanCommand} from '../../cli/base-command.js'
import {type CryptLocationInfo, listLocations} from '../../lib/crypt/manage.js'
import {renderTable} from '../../lib/output/format.js'

export default class CryptList extends AlipanCommand {
  static override description = 'Never shows a password. --json prints an array of {name, remote, filename_encryption, directory_name_encryption, filename_encoding, password2} (password2: whether a salt password is set).'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override summary = 'List the encrypted locations of the profile.'

  async run(): Promise<CryptLocationInfo[]> {
    await this.parse(CryptList)
    const locations = listLocations(this.context())
    const names = (l: CryptLocationInfo) => `${l.filename_encryption}${l.filename_encryption === 'off' ? '' : `, ${l.filename_encoding}`}${l.directory_name_encryption || l.filename_encryption === 'off' ? '' : ', folders in clear'}`
    if (this.stdoutIsTTY) {
      if (locations.length === 0) this.info('No encrypted locations; add one with `alipan crypt add NAME --remote alipan:/PATH`.')
      else {
        const columns = [
          {header: 'name', human: (l: CryptLocationInfo) => l.name},
          {header: 'remote', human: (l: CryptLocationInfo) => l.remote},
          {header: 'names', human: names},
          {header: 'salt', human: (l: CryptLocationInfo) => (l.password2 ? 'yes' : 'no')},
        ]
        this.log(renderTable(locations, columns, true))
      }
    } else {
      for (const l of locations) this.log([l.name, l.remote, l.filename_encryption, l.filename_encoding, String(l.directory_name_encryption), l.password2 ? 'salt' : '-'].join('\t'))
    }
    return locations
  }
}
