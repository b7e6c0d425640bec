import {Flags} from '@oclif/core'

import {AlipanCommand} from '../cli/base-command.js'
import {canPrompt, confirm, input, select} from '../cli/prompts.js'
import {renderQr} from '../cli/qr.js'
import type {RenewalRoute} from '../lib/auth/credentials.js'
import {type LoginRoute, QrExpiredError, qrLogin, redeemPastedToken, saveLogin} from '../lib/auth/login.js'
import {UsageError} from '../lib/errors.js'
import {DEFAULT_PROFILE} from '../lib/profiles.js'
import {decodeUserText} from '../lib/user-text.js'

export interface LoginResult {
  profile: string
  user_id: string
  name: string
  route: 'app' | 'online'
  client_id?: string
  default_drive_id: string
}

export default class Login extends AlipanCommand {
  /** Logging in with a new --profile name creates that profile. */
  static override createsProfile = true

  static override description = `Without an app id and secret of your own, login goes through the OpenList online token service (ALIPAN_ONLINE_API_URL, default https://api.oplist.org), the route the OpenList docs recommend. With ALIPAN_CLIENT_ID and ALIPAN_CLIENT_SECRET (or the flags) it talks to the Open API directly. The refresh token is stored with the route that renews it, in credentials.json (mode 0600) under the config folder, or under profiles/NAME/ for --profile NAME (a new name creates that profile).

For headless use, pipe a refresh token to --with-token, or set ALIPAN_REFRESH_TOKEN.`

  static override examples = [
    {description: 'Scan a QR code with the Alipan app', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Use your own app', command: 'ALIPAN_CLIENT_ID=… ALIPAN_CLIENT_SECRET=… <%= config.bin %> <%= command.id %>'},
    {description: 'Headless: a refresh token from a file or secret store', command: '<%= config.bin %> <%= command.id %> --with-token < token.txt'},
    {description: 'A second account, in a profile of its own', command: '<%= config.bin %> <%= command.id %> --profile work'},
  ]

  static override flags = {
    'client-id': Flags.string({description: 'Your own Alipan app id (default: ALIPAN_CLIENT_ID).'}),
    'client-secret': Flags.string({description: 'Your own app secret (default: ALIPAN_CLIENT_SECRET; prefer the variable: flags show in `ps`).'}),
    online: Flags.boolean({description: 'Use the online token service even when an app id is configured.', exclusive: ['client-id', 'client-secret']}),
    'with-token': Flags.boolean({description: 'Read a refresh token from standard input instead of showing a QR code.'}),
  }

  static override summary = 'Log in by scanning a QR code with the Alipan app.'

  async run(): Promise<LoginResult> {
    const {flags} = await this.parse(Login)
    const context = this.context()
    const client = await context.client()
    const onlineUrl = await context.onlineUrl()
    const env = context.env
    if (env.refreshToken) {
      this.warn('ALIPAN_REFRESH_TOKEN is set: commands use it instead of this login when it belongs to another user.')
    }

    const route = await this.chooseRoute(flags, onlineUrl)
    const stored: RenewalRoute = route.type === 'app' ? {type: 'app', ...route.app} : {type: 'online'}
    // Before any token exists: a pasted refresh token is spent by its check, and a login that
    // cannot be saved (read-only or full config folder) should fail before, not after, the QR scan.
    const reservation = await context.store.reserve()
    const login = async () => {
      const tokens = flags['with-token']
        ? await redeemPastedToken({client, env, onlineUrl}, stored, await readStdin(), this.signal)
        : await this.scan(route)
      return saveLogin({client, store: context.store, env, onlineUrl, tokens, route: stored, source: flags['with-token'] ? 'stdin' : 'qr', reservation})
    }
    const {drive} = await login().finally(() => reservation.cancel())
    const profile = context.profile.name === DEFAULT_PROFILE ? '' : ` in profile ${context.profile.name}`
    this.info(`Logged in as ${drive.name} (user ${drive.user_id}) via the ${route.type === 'app' ? 'own-app' : 'online service'} route${profile}.`)
    return {
      profile: context.profile.name,
      user_id: drive.user_id,
      name: drive.name,
      route: route.type,
      client_id: route.type === 'app' ? route.app.client_id : undefined,
      default_drive_id: drive.default_drive_id,
    }
  }

  private async chooseRoute(flags: {'client-id'?: string; 'client-secret'?: string; online: boolean}, onlineUrl: string): Promise<LoginRoute> {
    const env = this.context().env
    if (flags.online) return {type: 'online', onlineUrl}
    const clientId = flags['client-id'] ?? env.clientId
    const clientSecret = flags['client-secret'] ?? env.clientSecret
    if (clientId && clientSecret) return {type: 'app', app: {client_id: clientId, client_secret: clientSecret}}
    if (clientId || clientSecret) {
      if (!canPrompt()) throw new UsageError('An app login needs both the client id and the client secret.', {hint: 'set ALIPAN_CLIENT_ID and ALIPAN_CLIENT_SECRET, or neither'})
      return {type: 'app', app: {client_id: clientId ?? (await input('Client id:')), client_secret: clientSecret ?? (await input('Client secret:', true))}}
    }
    if (!canPrompt()) return {type: 'online', onlineUrl}
    const choice = await select('How do you want to log in?', [
      {name: 'Online token service (no app needed)', value: 'online' as const, description: `Tokens are issued and renewed by ${onlineUrl}`},
      {name: 'My own Alipan app (client id + secret)', value: 'app' as const},
    ])
    if (choice === 'online') return {type: 'online', onlineUrl}
    return {type: 'app', app: {client_id: await input('Client id:'), client_secret: await input('Client secret:', true)}}
  }

  private async scan(route: LoginRoute) {
    const client = await this.context().client()
    for (;;) {
      const spinner = await this.spinner('Waiting for the QR code…')
      try {
        const tokens = await qrLogin({
          client,
          route,
          signal: this.signal,
          onCode: async (link) => {
            spinner.stop()
            process.stderr.write(`Scan this code with the Alipan app, or open the link on a device where you are logged in:\n\n${await renderQr(link)}\n${link}\n\n`)
            spinner.text = 'Waiting for scan…'
          },
          onStatus: (status) => {
            spinner.text = status === 'ScanSuccess' ? 'Scanned, confirm on your phone…' : 'Waiting for scan…'
            if (!this.interactive && status === 'ScanSuccess') this.info('Scanned, confirm on your phone…')
          },
        })
        spinner.succeed('Confirmed.')
        return tokens
      } catch (error) {
        spinner.stop()
        if (error instanceof QrExpiredError && canPrompt() && (await confirm('The QR code expired. Show a new one?', true))) continue
        throw error
      }
    }
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError('--with-token reads the refresh token from standard input, which is a terminal here.', {
      hint: 'pipe it in: `alipan login --with-token < token.txt` (never pass tokens as arguments)',
    })
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return decodeUserText(Buffer.concat(chunks))
}
