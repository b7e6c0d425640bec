/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY: the built binary talks to the emulator only through a
 * CONNECT proxy on loopback, which counts the tunnels and the requests that went through them.
 */
import assert from 'node:assert/strict'
import {createServer} from 'node:http'
import {type Socket, connect} from 'node:net'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, beforeEach, describe, it} from 'node:test'

import {type Fixture, pattern, setup} from '../support.js'
import '../helpers.js'

const USER = 'proxy-user'
const PASSWORD = 'pr0xy-s3cret'

/** A CONNECT proxy wanting Basic credentials; it reads the request lines going through (plain HTTP inside). */
async function startProxy() {
  const seen = {tunnels: 0, refused: 0, requests: [] as string[]}
  const sockets = new Set<Socket>()
  const server = createServer((_req, res) => {
    res.statusCode = 405
    res.end()
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client)
    const auth = Buffer.from(String(req.headers['proxy-authorization'] ?? '').replace(/^Basic /, ''), 'base64').toString()
    if (auth !== `${USER}:${PASSWORD}`) {
      seen.refused++
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      return
    }
    const [host, port] = String(req.url).split(':')
    const upstream = connect(Number(port), host, () => {
      seen.tunnels++
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    sockets.add(upstream)
    client.on('data', (data: Buffer) => {
      for (const m of data.toString('latin1').matchAll(/(?:^|\r\n)(GET|POST|PUT|HEAD) (\/[^ ?]*)\S* HTTP\/1\.1\r\n/g)) seen.requests.push(`${m[1]} ${m[2]}`)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as {port: number}).port
  return {
    seen,
    url: `http://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    reset() {
      Object.assign(seen, {tunnels: 0, refused: 0})
      seen.requests.length = 0
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe('proxies (spawned CLI)', () => {
  let f: Fixture
  let proxy: Awaited<ReturnType<typeof startProxy>>
  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    proxy = await startProxy()
  })
  after(async () => {
    await proxy.close()
    await f.close()
  })
  beforeEach(() => proxy.reset())

  it('put, get and ls go through HTTP_PROXY (CONNECT, with its credentials); none of it shows in --debug', async () => {
    const data = pattern(3 * 1024 * 1024, 61)
    const local = join(f.workDir, 'via-proxy.bin')
    writeFileSync(local, data)
    const env = {HTTP_PROXY: proxy.url}
    const put = await f.spawn(['put', local, '/proxied/', '--no-rapid', '--part-size', '1MiB', '--debug'], {env})
    assert.equal(put.status, 0, put.stderr)
    const ls = await f.spawn(['ls', '/proxied', '--debug'], {env})
    assert.equal(ls.status, 0, ls.stderr)
    assert.equal(ls.stdout.trim(), 'via-proxy.bin')
    const out = join(f.workDir, 'back.bin')
    const get = await f.spawn(['get', '/proxied/via-proxy.bin', out, '--debug'], {env})
    assert.equal(get.status, 0, get.stderr)
    assert.ok(readFileSync(out).equals(data))

    const count = (pattern: RegExp) => proxy.seen.requests.filter((r) => pattern.test(r)).length
    assert.ok(proxy.seen.tunnels >= 3, `tunnels: ${proxy.seen.tunnels}`)
    assert.equal(proxy.seen.refused, 0)
    assert.equal(count(/^PUT \/oss\//), 3, 'three parts went through the proxy')
    assert.ok(count(/^GET \/oss\//) >= 1, 'the download went through the proxy')
    assert.ok(count(/^POST \/adrive\/v1\.0\/openFile\/list$/) >= 1, 'ls went through the proxy')
    assert.ok(count(/^POST \/adrive\/v1\.0\/openFile\/(create|complete|getDownloadUrl)$/) >= 3, 'API calls went through the proxy')
    for (const run of [put, ls, get]) {
      assert.match(run.stderr, /alipan:proxy 127\.0\.0\.1:\d+ through http:\/\/127\.0\.0\.1:\d+/)
      assert.ok(!run.stderr.includes(PASSWORD) && !run.stdout.includes(PASSWORD), 'the proxy password never appears')
      assert.ok(!run.stderr.includes(USER), 'nor its user name')
    }
  })

  it('lowercase http_proxy works too; NO_PROXY sends matching hosts direct', async () => {
    const viaLower = await f.spawn(['ls', '/'], {env: {http_proxy: proxy.url}})
    assert.equal(viaLower.status, 0, viaLower.stderr)
    assert.ok(proxy.seen.requests.length >= 1)
    proxy.reset()
    const direct = await f.spawn(['ls', '/'], {env: {HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1'}})
    assert.equal(direct.status, 0, direct.stderr)
    assert.equal(proxy.seen.tunnels, 0, 'NO_PROXY matched: nothing through the proxy')
  })

  it('a proxy refusing the credentials is a network error that names no secret', async () => {
    const wrong = proxy.url.replace(PASSWORD, 'wrong-password-123')
    const r = await f.spawn(['ls', '/'], {env: {HTTPS_PROXY: wrong, HTTP_PROXY: wrong}})
    assert.equal(r.status, 5, r.stderr)
    assert.ok(proxy.seen.refused >= 1)
    assert.ok(!r.stderr.includes('wrong-password-123'))
  })
})
