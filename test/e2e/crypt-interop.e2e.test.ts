/**
 * Encrypted locations against the real rclone (issue 20, "Done when"), with the built CLI:
 * - what alipan writes into an encrypted location on the drive, fetched raw (a plain `get -r` of
 *   the folder holding it), rclone reads byte for byte through a crypt remote over that folder
 *   (a section `alipan crypt export` wrote);
 * - what rclone encrypts into a local folder, uploaded raw (a plain `put -r`), alipan reads
 *   through an encrypted location (a section `alipan crypt import` took);
 * for filename modes standard and off, with and without directory-name encryption, on files of
 * 0 B, 1 B, 64 KiB − 1, 64 KiB, 64 KiB + 1 and several MiB; and Range reads across block edges
 * through `serve webdav --proxy` over an encrypted location (also by rclone, as a WebDAV client),
 * whose PUT encrypts on the way in. Skipped, with a note, where rclone is not installed.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'

import {type Fixture, pattern, setup, startCli} from '../support.js'
import {davRequest} from '../serve-support.js'
import {RCLONE, rcloneSkip as skip} from '../rclone.js'
import '../helpers.js'

const run = promisify(execFile)

const MiB = 1024 * 1024
const FILES: Array<[string, number]> = [
  ['zero.txt', 0],
  ['one.txt', 1],
  ['edges/edge-65535.bin', 65_535],
  ['edges/edge 65536.bin', 65_536],
  ['edges/deeper/edge-65537.bin', 65_537],
  ['edges/deeper/Ünïcødé 日本 big.bin', 5 * MiB + 321],
]
const PASSWORDS = {ALIPAN_CRYPT_PASSWORD: 'interop password', ALIPAN_CRYPT_PASSWORD2: 'interop salt'}
const MODES = [
  {name: 'stddirs', flags: ['--filename-encryption', 'standard']},
  {name: 'stdflat', flags: ['--filename-encryption', 'standard', '--no-directory-name-encryption']},
  {name: 'offdirs', flags: ['--filename-encryption', 'off']},
  {name: 'offflat', flags: ['--filename-encryption', 'off', '--no-directory-name-encryption']},
]

/** Every file under `dir`, relative, with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (at: string) => {
    for (const entry of readdirSync(at, {withFileTypes: true})) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else out.set(relative(dir, path).split('\\').join('/'), readFileSync(path))
    }
  }
  walk(dir)
  return out
}

function assertSameTree(actual: string, expected: string): void {
  const a = tree(actual)
  const e = tree(expected)
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort())
  for (const [rel, bytes] of e) assert.ok(a.get(rel)!.equals(bytes), `${rel} differs`)
}

if (skip) it('crypt interop with real rclone, through the CLI', {skip}, () => {})
else describe(`encrypted locations and real rclone (${RCLONE}), through the CLI`, () => {
  let f: Fixture
  let plain: string

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    plain = join(f.workDir, 'plain')
    FILES.forEach(([rel, size], i) => {
      mkdirSync(join(plain, rel, '..'), {recursive: true})
      writeFileSync(join(plain, rel), pattern(size, i + 11))
    })
  })
  after(() => f.close())

  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const result = await f.spawn(args, {env})
    assert.equal(result.status, 0, `alipan ${args.join(' ')}: ${result.stderr}`)
    return result
  }
  const rclone = (conf: string, ...args: string[]) => run('rclone', ['--config', conf, ...args], {maxBuffer: 64 * MiB})

  for (const mode of MODES) {
    describe(mode.name, () => {
      it('alipan writes, a plain get -r fetches the ciphertext, rclone reads it byte for byte', async () => {
        await cli(['crypt', 'add', mode.name, '--remote', `alipan:/interop/${mode.name}`, ...mode.flags], PASSWORDS)
        await cli(['put', '-r', `${plain}/`, `${mode.name}:/tree`])
        const raw = join(f.workDir, `${mode.name}-raw`)
        await cli(['get', '-r', `alipan:/interop/${mode.name}`, raw])
        const conf = join(f.workDir, `${mode.name}.conf`)
        await cli(['crypt', 'export', mode.name, '--rclone-remote', raw, '--config', conf])
        const listed = (await rclone(conf, 'lsf', '-R', '--files-only', `${mode.name}:tree`)).stdout.trim().split('\n').sort()
        assert.deepEqual(listed, FILES.map(([rel]) => rel).sort())
        const out = join(f.workDir, `${mode.name}-by-rclone`)
        await rclone(conf, 'copy', `${mode.name}:tree`, out)
        assertSameTree(out, plain)
      })

      it('rclone writes, a plain put -r uploads the ciphertext, alipan reads it byte for byte', async () => {
        const conf = join(f.workDir, `${mode.name}.conf`)
        const local = join(f.workDir, `${mode.name}-rclone-raw`)
        // The same section, over a fresh local folder.
        writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^remote = .*$/m, `remote = ${local}`))
        await rclone(conf, 'copy', plain, `${mode.name}:from-rclone`)
        await cli(['put', '-r', `${local}/`, `alipan:/interop-back/${mode.name}`])
        await cli(['crypt', 'import', mode.name, '--config', conf, '--remote', `alipan:/interop-back/${mode.name}`, '--name', `${mode.name}-back`])
        const out = join(f.workDir, `${mode.name}-by-alipan`)
        await cli(['get', '-r', `${mode.name}-back:/from-rclone`, out])
        assertSameTree(out, plain)
        // And compared without downloading: each file's nonce read from its 32-byte header.
        f.emu.resetCounters()
        const check = await cli(['check', plain, `${mode.name}-back:/from-rclone`, '--json'])
        assert.equal(JSON.parse(check.stdout).summary.match, FILES.length)
        assert.equal(f.emu.counters.bytesOut, 32 * FILES.length)
      })
    })
  }

  it('serve webdav --proxy over an encrypted location: Range reads across block edges, by HTTP and by rclone; a PUT is encrypted on the way in', async () => {
    const server = startCli(['serve', 'webdav', 'stddirs:/tree', '--proxy', '--addr', '127.0.0.1:0'], f.env)
    try {
      const until = Date.now() + 30_000
      let url: string | undefined
      while (!url) {
        if (Date.now() > until) throw new Error(`no URL line: ${JSON.stringify(server.output())}`)
        url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(server.output().stdout)?.[1]
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.match(server.output().stdout, /^Serving stddirs:\/tree at .* \(proxying file bytes\)/)
      const big = pattern(5 * MiB + 321, FILES.length - 1 + 11)
      const path = `/edges/deeper/${encodeURIComponent('Ünïcødé 日本 big.bin')}`
      const ranges: Array<[number, number]> = [
        [0, 0],
        [65_530, 65_545],
        [65_536, 131_071],
        [131_000, 300_000],
        [big.length - 10, big.length - 1],
      ]
      for (const [start, end] of ranges) {
        const r = await davRequest(`${url}${path}`, 'GET', {headers: {range: `bytes=${start}-${end}`}})
        assert.equal(r.status, 206, `bytes=${start}-${end}`)
        assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${big.length}`)
        assert.ok(r.body.equals(big.subarray(start, end + 1)), `bytes=${start}-${end}`)
      }
      const whole = await davRequest(`${url}${path}`, 'GET')
      assert.equal(whole.status, 200, 'never a 302: the signed URL would serve ciphertext')
      assert.ok(whole.body.equals(big))
      const listing = await davRequest(`${url}/edges/`, 'PROPFIND', {headers: {depth: '1'}})
      assert.match(listing.text, /edge-65535\.bin/)
      assert.match(listing.text, /<D:getcontentlength>65535</)

      // rclone as the WebDAV client, seeking.
      const conf = join(f.workDir, 'webdav.conf')
      writeFileSync(conf, `[dav]\ntype = webdav\nurl = ${url}/\nvendor = other\n`)
      for (const [offset, count] of [[65_530, 20], [1_000_000, 200_000]]) {
        const {stdout} = await run('rclone', ['--config', conf, 'cat', '--offset', String(offset), '--count', String(count), 'dav:edges/deeper/Ünïcødé 日本 big.bin'], {encoding: 'buffer', maxBuffer: 64 * MiB})
        assert.ok((stdout as unknown as Buffer).equals(big.subarray(offset, offset + count)), `rclone cat --offset ${offset}`)
      }

      // PUT: encrypted on the way in; rclone reads it from the raw folder.
      const body = pattern(200_001, 99)
      const put = await davRequest(`${url}/put%20by%20dav.bin`, 'PUT', {body, headers: {'content-length': body.length}})
      assert.equal(put.status, 201, put.text)
      assert.equal(f.emu.fs().list('/interop/stddirs').some((e) => String(e.name).includes('put')), false)
      const raw = join(f.workDir, 'dav-raw')
      await cli(['get', '-r', 'alipan:/interop/stddirs', raw])
      const section = join(f.workDir, 'dav-section.conf')
      await cli(['crypt', 'export', 'stddirs', '--rclone-remote', raw, '--config', section])
      const {stdout} = await run('rclone', ['--config', section, 'cat', 'stddirs:tree/put by dav.bin'], {encoding: 'buffer', maxBuffer: 64 * MiB})
      assert.ok((stdout as unknown as Buffer).equals(body))
    } finally {
      server.child.kill('SIGTERM')
      await server.done
    }
  })
})
