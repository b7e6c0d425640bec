import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import {describe, it} from 'node:test'
import '../helpers.js'

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url))

describe('npm run emulator (cli.ts)', () => {
  it('prints the env line on stdout, credentials on stderr, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--qr-auto-confirm', '--no-rate-limit', '--access-token-ttl', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    try {
      for (let i = 0; i < 200 && !stdout.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50))
      const m = /^ALIPAN_API_URL=(http:\/\/127\.0\.0\.1:\d+) ALIPAN_ONLINE_API_URL=(http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)
      assert.ok(m, `unexpected stdout: ${JSON.stringify(stdout)} stderr: ${stderr}`)
      const url = m[1]
      assert.equal(m[2], url)
      for (let i = 0; i < 40 && !stderr.includes('/__emulator/tokens'); i++) await new Promise((r) => setTimeout(r, 25))
      assert.match(stderr, /client_id=[0-9a-f]{32} client_secret=[0-9a-f]{32}/)
      assert.match(stderr, /\/__emulator\/tokens/)
      const tokens = (await (await fetch(`${url}/__emulator/tokens`)).json()) as {access_token: string; expires_in: number}
      assert.equal(tokens.expires_in, 60)
      const info = await fetch(`${url}/adrive/v1.0/user/getDriveInfo`, {method: 'POST', headers: {authorization: `Bearer ${tokens.access_token}`}})
      assert.equal(info.status, 200)
      const clientId = /client_id=([0-9a-f]{32})/.exec(stderr)?.[1]
      const secret = /client_secret=([0-9a-f]{32})/.exec(stderr)?.[1]
      const qr = (await (await fetch(`${url}/oauth/authorize/qrcode`, {method: 'POST', body: JSON.stringify({client_id: clientId, client_secret: secret, scopes: []})})).json()) as {sid: string}
      const status = (await (await fetch(`${url}/oauth/qrcode/${qr.sid}/status`)).json()) as {status: string}
      assert.equal(status.status, 'LoginSuccess', '--qr-auto-confirm')
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
  })
})
