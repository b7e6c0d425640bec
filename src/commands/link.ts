import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {renderQr} from '../cli/qr.js'
import type {VideoTemplate} from '../lib/api/wire.js'
import {DEFAULT_EXPIRE_SEC, type LinkResult, VIDEO_TEMPLATES, link} from '../lib/manage/link.js'
import {humanDuration, humanTime} from '../lib/output/format.js'
import type {LivpFormat} from '../lib/transfer/download.js'

const VIDEO_CHOICES: readonly string[] = [...VIDEO_TEMPLATES, 'best']

export default class Link extends FileCommand {
  static override args = {
    path: Args.string({description: 'Remote file.', required: true}),
  }

  static override description = `Prints only the URL on stdout, so \`curl -L "$(alipan link /x)"\` works; when it expires goes to stderr. The service caps the lifetime by app tier (normal apps 900 s, higher tiers up to 4 h), whatever --expire asks. Live photos (.livp) link one stream (--livp, default: the livp-format setting). --video links the HLS playlist (m3u8) of a transcode instead: the quality given, or the best finished one; a transcode still running exits 8.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /docs/report.pdf',
    'curl -L -o report.pdf "$(<%= config.bin %> <%= command.id %> /docs/report.pdf)"',
    '<%= config.bin %> <%= command.id %> /movies/trip.mp4 --video FHD --qr',
    '<%= config.bin %> <%= command.id %> /photos/IMG_0001.livp --livp mov --expire 3600 --json',
  ]

  static override flags = {
    expire: Flags.integer({default: DEFAULT_EXPIRE_SEC, description: 'Requested lifetime in seconds (the service caps it by app tier).', min: 1}),
    livp: Flags.string({description: 'Live photos: which stream to link (default: the livp-format setting).', options: ['jpeg', 'mov']}),
    qr: Flags.boolean({description: 'Also draw the link as a QR code on stderr.'}),
    video: Flags.string({description: 'Link the video playlist (m3u8) of this quality; without a value, the best finished one.', options: [...VIDEO_CHOICES]}),
  }

  static override summary = 'Print a direct download link for a remote file.'

  async run(): Promise<LinkResult> {
    // `--video` may come without a quality: that means the best finished one.
    const argv = this.argv.map((a, i, all) => (a === '--video' && !VIDEO_CHOICES.includes(all[i + 1]) ? '--video=best' : a))
    const {args, flags} = await this.parse(Link, argv)
    const {drive, path} = await this.openRemote(args.path, flags)
    const livp = (flags.livp ?? (await this.context().settings())['livp-format']) as LivpFormat
    const result = await link(drive, {path, expireSec: flags.expire, livp, video: flags.video as VideoTemplate | 'best' | undefined, signal: this.signal})
    if (!this.jsonEnabled()) this.log(result.url)
    const what = result.template ? `${result.template} playlist` : result.stream ? `${result.stream} stream link` : 'Link'
    if (result.expires_at) {
      const left = Date.parse(result.expires_at) - Date.now()
      const capped = result.granted_expire_sec !== null && result.granted_expire_sec < result.requested_expire_sec - 5 ? `; asked for ${result.requested_expire_sec} s, the service allows less` : ''
      process.stderr.write(`${what} expires at ${humanTime(result.expires_at)} (in ${humanDuration(left)}${capped}).\n`)
    } else {
      process.stderr.write(`${what}: the service did not say when it expires (asked for ${result.requested_expire_sec} s).\n`)
    }
    if (flags.qr) process.stderr.write(`${await renderQr(result.url)}\n`)
    return result
  }
}
