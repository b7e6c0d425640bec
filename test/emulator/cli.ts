// `npm run emulator -- [flags]`: runs the emulator standalone until SIGINT/SIGTERM.
// stdout gets exactly one line (the env assignments, so `eval "$(…)"`-style use works); the
// human-oriented notes go to stderr.
import {parseArgs} from 'node:util'
import {startEmulator, type EmulatorOptions} from './index.js'

const USAGE = `usage: npm run emulator -- [--port N] [--qr-auto-confirm] [--qr-scan-after-ms N] [--qr-confirm-after-ms N]
       [--no-rate-limit | --rate-limit-scale X] [--no-online-limit] [--access-token-ttl SEC] [--tier normal|certified|risky]
       [--data-dir DIR] [--throttle BYTES_PER_SEC] [--download-cap BYTES_PER_SEC] [--client-id ID --client-secret SECRET]`

function numberFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number`)
  return n
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      port: {type: 'string'},
      'qr-auto-confirm': {type: 'boolean'},
      'qr-scan-after-ms': {type: 'string'},
      'qr-confirm-after-ms': {type: 'string'},
      'no-rate-limit': {type: 'boolean'},
      'rate-limit-scale': {type: 'string'},
      'no-online-limit': {type: 'boolean'},
      'access-token-ttl': {type: 'string'},
      tier: {type: 'string'},
      'data-dir': {type: 'string'},
      throttle: {type: 'string'},
      'download-cap': {type: 'string'},
      'client-id': {type: 'string'},
      'client-secret': {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
  })
  if (values.help) {
    process.stderr.write(USAGE + '\n')
    return
  }
  const tier = values.tier
  if (tier !== undefined && tier !== 'normal' && tier !== 'certified' && tier !== 'risky') throw new Error('--tier must be normal, certified or risky')
  if (!!values['client-id'] !== !!values['client-secret']) throw new Error('--client-id and --client-secret go together')
  const options: EmulatorOptions = {
    port: numberFlag(values.port, 'port'),
    qrAutoConfirm: values['qr-auto-confirm']
      ? {scanAfterMs: numberFlag(values['qr-scan-after-ms'], 'qr-scan-after-ms') ?? 0, confirmAfterMs: numberFlag(values['qr-confirm-after-ms'], 'qr-confirm-after-ms') ?? 0}
      : false,
    rateLimit: values['no-rate-limit'] ? false : (numberFlag(values['rate-limit-scale'], 'rate-limit-scale') ?? true),
    onlineLimit: values['no-online-limit'] ? false : undefined,
    accessTokenTtlSec: numberFlag(values['access-token-ttl'], 'access-token-ttl'),
    tier,
    dataDir: values['data-dir'],
    throttleBytesPerSec: numberFlag(values.throttle, 'throttle'),
    downloadCapBytesPerSec: numberFlag(values['download-cap'], 'download-cap'),
    app: values['client-id'] ? {client_id: values['client-id'], client_secret: values['client-secret'] as string} : undefined,
  }
  const emu = await startEmulator(options)
  process.stdout.write(`ALIPAN_API_URL=${emu.url} ALIPAN_ONLINE_API_URL=${emu.onlineUrl}\n`)
  process.stderr.write(
    [
      `alipan emulator listening on ${emu.url}`,
      `  own app:     client_id=${emu.app.client_id} client_secret=${emu.app.client_secret}`,
      `  user:        ${emu.user.name} (${emu.user.user_id}), drive ${emu.user.default_drive_id}`,
      `  tokens:      curl -s ${emu.url}/__emulator/tokens            (own app; add ?via=online for the online service)`,
      `  control:     curl -s ${emu.url}/__emulator/                  (lists every knob)`,
      `  QR login:    ${options.qrAutoConfirm ? 'auto-confirmed' : `confirm with curl -s -X POST ${emu.url}/__emulator/qr/<sid>/confirm`}`,
      '',
    ].join('\n'),
  )
  const stop = () => {
    void emu.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
  process.exit(2)
})
