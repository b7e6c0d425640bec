/**
 * `serve webdav`'s flags are checked before the drive is opened: a drive exposed to the network
 * without a password is refused with exit 2, as are half-given credentials and TLS pairs.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {type Fixture, setup} from '../support.js'
import '../helpers.js'

describe('serve webdav (command)', () => {
  let f: Fixture
  before(async () => {
    f = await setup({rateLimit: false})
  })
  after(() => f.close())

  it('a non-loopback address without --user is refused with exit 2, before anything else', async () => {
    for (const addr of ['0.0.0.0:0', ':0', '192.168.1.10:8080', '[::]:0']) {
      const r = await f.cli(['serve', 'webdav', '--addr', addr])
      assert.equal(r.exitCode, 2, `${addr}: ${r.stderr}`)
      assert.match(r.stderr, /Refusing to serve .* without a password/)
      assert.match(r.stderr, /Hint: add --user NAME with ALIPAN_SERVE_PASS/)
    }
    assert.equal(f.emu.log.length, 0, 'not even logged in: the refusal comes first')
  })

  it('half-given credentials, a lone TLS file, a bad duration or address: exit 2', async () => {
    const cases = [
      ['--user', 'tv'],
      ['--pass', 'x'],
      ['--tls-cert', 'cert.pem'],
      ['--dir-cache-time', 'soon'],
      ['--addr', 'nowhere'],
    ]
    for (const args of cases) {
      const r = await f.cli(['serve', 'webdav', ...args], {env: {ALIPAN_SERVE_PASS: undefined}})
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^Error: /m)
    }
  })
})
