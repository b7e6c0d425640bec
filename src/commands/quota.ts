import {AlipanCommand} from '../cli/base-command.js'
import {type QuotaResult, quota} from '../lib/account.js'
import {humanSize} from '../lib/output/format.js'

export default class Quota extends AlipanCommand {
  static override description = 'Sizes are human-readable on a terminal and plain bytes when piped. Files in the recycle bin count as used.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override summary = 'Show used and free space.'

  async run(): Promise<QuotaResult> {
    await this.parse(Quota)
    const result = await quota(this.context())
    const size = (n: number) => (this.stdoutIsTTY ? humanSize(n) : String(n))
    this.log(`used:    ${size(result.used)} (${result.percent}%)`)
    this.log(`free:    ${size(result.free)}`)
    this.log(`total:   ${size(result.total)}`)
    if (result.vip) {
      const until = result.vip.expire ? ` until ${result.vip.expire.slice(0, 10)}` : ''
      this.log(`level:   ${[result.vip.identity, result.vip.level].filter(Boolean).join(' ')}${until}`)
    }
    return result
  }
}
