import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../../cli/file-command.js'
import {bandwidthLimit} from '../../cli/transfer-flags.js'
import {locationPrefix} from '../../lib/drive/location.js'
import type {RemovalMethod} from '../../lib/manage/remove.js'
import {DEFAULT_ADDR, DEFAULT_DIR_CACHE, planServe, startServe} from '../../lib/serve/start.js'
import type {LivpFormat} from '../../lib/transfer/download.js'

/** The `--json` shape, printed once the server listens. */
export interface ServeResult {
  url: string
  remote: string
  proxy: boolean
  read_only: boolean
}

export default class Webdav extends FileCommand {
  static override args = {
    remote: Args.string({description: 'Remote folder to serve (/ = the whole drive); a location too (alipan@PROFILE:/PATH, NAME:/PATH for an encrypted location).', default: '/'}),
  }

  static override description = `Players, file managers and other tools see REMOTE as a WebDAV share (RFC 4918 class 1 and 2) until Ctrl-C or SIGTERM. A file's GET is answered with a 302 to its signed download URL (cached per file until shortly before it expires), so the bytes flow from Alipan's CDN straight to the device; --proxy streams them through this server instead (Range requests give 206). PUT streams into the upload engine (no temp file when the length is known); an existing file is replaced only once the new one is complete. DELETE goes to the recycle bin (the removal-method setting). Listings are reused for --dir-cache-time.

Listens on 127.0.0.1 by default. Any other address needs --user with a password (ALIPAN_SERVE_PASS, or --pass), or an explicit --no-auth. One line per request goes to stderr (method, path, status, time), never a token, a password or a signed URL; --quiet turns it off.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> /Movies --addr 0.0.0.0:8080 --user tv --read-only',
    'ALIPAN_SERVE_PASS=… <%= config.bin %> <%= command.id %> --addr 0.0.0.0:8443 --user me --tls-cert cert.pem --tls-key key.pem',
    '<%= config.bin %> <%= command.id %> --proxy --addr 127.0.0.1:0',
  ]

  static override flags = {
    addr: Flags.string({description: `Address to listen on, HOST:PORT (port 0 picks a free one). Default ${DEFAULT_ADDR}.`}),
    auth: Flags.boolean({allowNo: true, description: 'With --no-auth, serve a non-loopback address without a password (anyone who reaches it can read and delete the drive).'}),
    'dir-cache-time': Flags.string({description: `How long listings are reused, e.g. 30s, 5m, 0 (default ${DEFAULT_DIR_CACHE}). The server's own writes show at once.`}),
    pass: Flags.string({description: 'Password for --user (prefer the ALIPAN_SERVE_PASS variable: arguments show in the process list).', env: 'ALIPAN_SERVE_PASS'}),
    proxy: Flags.boolean({description: 'Stream file bytes through this server instead of redirecting (302) to the signed URL.'}),
    quiet: Flags.boolean({char: 'q', description: 'No line per request on stderr.'}),
    'read-only': Flags.boolean({description: 'Refuse every write (403).'}),
    'refuse-finder-files': Flags.boolean({description: "Refuse macOS Finder's .DS_Store and ._* files (403) and leave them out of listings."}),
    'tls-cert': Flags.string({description: 'Serve HTTPS with this certificate (PEM); needs --tls-key.'}),
    'tls-key': Flags.string({description: 'Private key (PEM) for --tls-cert.'}),
    user: Flags.string({description: 'Require HTTP Basic authentication with this user name (and --pass / ALIPAN_SERVE_PASS).'}),
  }

  static override summary = 'Serve a remote folder over WebDAV.'

  async run(): Promise<ServeResult | undefined> {
    const {args, flags} = await this.parse(Webdav)
    const resolver = this.locations(flags)
    // REMOTE may name another location (an encrypted one, another drive or login): read before anything opens.
    const location = resolver.parse(args.remote) ?? {name: 'alipan', path: args.remote, prefixed: false}
    const plan = planServe({
      remote: location.path,
      addr: flags.addr,
      user: flags.user,
      pass: flags.pass,
      noAuth: flags.auth === false,
      tlsCert: flags['tls-cert'],
      tlsKey: flags['tls-key'],
      dirCacheTime: flags['dir-cache-time'],
      readOnly: flags['read-only'],
      proxy: flags.proxy,
      refuseFinderFiles: flags['refuse-finder-files'],
    })
    const {drive} = await resolver.open(location)
    const settings = await this.driveContext(flags).settings()
    const server = await startServe(
      drive,
      plan,
      {
        removal: settings['removal-method'] as RemovalMethod,
        livp: settings['livp-format'] as LivpFormat,
        rapid: settings['rapid-upload'] === 'on',
        internalUpload: settings['internal-upload'] === 'on',
        bandwidth: bandwidthLimit(undefined, settings.bwlimit),
      },
      {log: flags.quiet ? undefined : (line) => process.stderr.write(`${line}\n`), signal: this.signal},
    )
    const own = location.name === 'alipan' && !location.profile && !location.drive
    const result: ServeResult = {url: server.url, remote: own ? plan.remote : `${locationPrefix(location)}${plan.remote}`, proxy: plan.proxy || !drive.link, read_only: plan.readOnly}
    if (this.jsonEnabled()) this.logJson(result)
    else this.log(`Serving ${own ? 'alipan:' : locationPrefix(location)}${plan.remote} at ${server.url}${result.proxy ? ' (proxying file bytes)' : ''}${plan.readOnly ? ' (read-only)' : ''}; Ctrl-C to stop`)
    await server.closed
    // The result went out when the server started; nothing more on stdout.
    return undefined
  }
}
