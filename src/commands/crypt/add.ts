import {Args, Flags} from '@oclif/core'

import {AlipanCommand} from '../../cli/base-command.js'
import {cryptPasswords} from '../../cli/crypt-passwords.js'
import type {NameEncoding} from '../../lib/crypt/encodings.js'
import {type CryptLocationInfo, addLocation} from '../../lib/crypt/manage.js'
import type {NameMode} from '../../lib/crypt/names.js'

export default class CryptAdd extends AlipanCommand {
  static override args = {
    name: Args.string({description: 'What to call it: then NAME:/PATH is a path in it (2+ characters: letters, digits, _ and -).', required: true}),
  }

  static override description = `Files put into NAME:/PATH are encrypted on this machine in rclone's crypt format before they leave it, and stored under REMOTE with encrypted names; rclone reads them with the same passwords (see \`alipan crypt export\`). The password is asked on a terminal (twice), or read from ALIPAN_CRYPT_PASSWORD (and ALIPAN_CRYPT_PASSWORD2 for the salt), or from the first line of --password-command's output (--password2-command for the salt). It is stored in the profile's crypt.json (mode 0600), obscured as rclone stores it; it cannot be changed later without uploading everything again. The options default to rclone's.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> vault --remote alipan:/vault',
    'ALIPAN_CRYPT_PASSWORD=… <%= config.bin %> <%= command.id %> vault --remote alipan,drive=backup:/vault --filename-encryption off',
    '<%= config.bin %> <%= command.id %> vault --remote alipan:/vault --password-command "pass show alipan/vault"',
  ]

  static override flags = {
    'directory-name-encryption': Flags.boolean({allowNo: true, default: true, description: 'Encrypt folder names too (rclone\'s directory_name_encryption).'}),
    'filename-encoding': Flags.string({default: 'base32', description: 'How encrypted names are written (rclone\'s filename_encoding).', options: ['base32', 'base64', 'base32768']}),
    'filename-encryption': Flags.string({default: 'standard', description: 'standard: names encrypted; obfuscate: names scrambled (weak); off: names in clear with a .bin suffix.', options: ['standard', 'obfuscate', 'off']}),
    'password-command': Flags.string({description: 'Run this command (no shell) and take the password from the first line of its output (other lines, such as the notes `pass show` prints, are ignored).'}),
    'password2-command': Flags.string({description: 'With --password-command: take password2 (the salt) from the first line of this command\'s output (default: ALIPAN_CRYPT_PASSWORD2, else none).'}),
    remote: Flags.string({description: 'Where the encrypted files live: alipan:/PATH, alipan@PROFILE:/PATH or alipan,drive=TYPE:/PATH.', required: true}),
  }

  static override summary = 'Add an encrypted location: files encrypted before upload, readable by rclone.'

  async run(): Promise<CryptLocationInfo> {
    const {args, flags} = await this.parse(CryptAdd)
    const {password, password2} = await cryptPasswords(flags['password-command'], process.env, flags['password2-command'])
    const added = await addLocation(this.context(), {
      name: args.name,
      remote: flags.remote,
      password,
      password2,
      filenameEncryption: flags['filename-encryption'] as NameMode,
      directoryNameEncryption: flags['directory-name-encryption'],
      filenameEncoding: flags['filename-encoding'] as NameEncoding,
    })
    this.info(`Added ${added.name}: ${added.name}:/PATH is stored encrypted under ${added.remote}. Keep the password${added.password2 ? 's' : ''} safe: without ${added.password2 ? 'them' : 'it'} nothing there can be read.`)
    return added
  }
}
