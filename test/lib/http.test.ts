/**
 * The API client's request over node:http (issue 16 replaced got): what got used to do for it —
 * redirects, compressed answers, a body cut short failing as a dropped connection, the
 * user-agent and JSON body — checked against a bare local server.
 */
import assert from 'node:assert/strict'
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, describe, it} from 'node:test'
import {gzipSync} from 'node:zlib'

import {httpJson} from '../../src/lib/api/http.js'
import '../helpers.js'

describe('api/http.ts', () => {
  let server: Server
  let base: string
  const seen: Array<{method: string; url: string; body: string; headers: IncomingMessage['headers']}> = []
  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => (body += d))
      req.on('end', () => {
        seen.push({method: req.method!, url: req.url!, body, headers: req.headers})
        const json = (status: number, value: unknown) => {
          res.writeHead(status, {'content-type': 'application/json'})
          res.end(JSON.stringify(value))
        }
        if (req.url === '/moved') return void res.writeHead(302, {location: '/target'}).end()
        if (req.url === '/kept') return void res.writeHead(307, {location: '/target'}).end()
        if (req.url === '/target') return json(200, {method: req.method, body})
        if (req.url === '/gzip') {
          res.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'gzip'})
          return void res.end(gzipSync(JSON.stringify({zipped: true})))
        }
        if (req.url === '/cut') {
          res.writeHead(200, {'content-type': 'application/json', 'content-length': '100'})
          res.write('{"partial":')
          return void setTimeout(() => res.socket?.destroy(), 20)
        }
        json(404, {code: 'NotFound'})
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('sends JSON with its length and the headers given; answers come back as text with their status', async () => {
    const r = await httpJson({method: 'POST', url: `${base}/nowhere`, headers: {'user-agent': 'alipan-test', authorization: 'Bearer t'}, json: {a: 1}})
    assert.equal(r.statusCode, 404)
    assert.deepEqual(JSON.parse(r.body), {code: 'NotFound'})
    const request = seen.at(-1)!
    assert.equal(request.body, '{"a":1}')
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers['content-length'], '7')
    assert.equal(request.headers['user-agent'], 'alipan-test')
    assert.equal(request.headers.authorization, 'Bearer t')
  })

  it('follows redirects: a 302 of a POST becomes a GET, a 307 keeps the method and body', async () => {
    const moved = await httpJson({method: 'POST', url: `${base}/moved`, headers: {}, json: {x: 1}})
    assert.deepEqual(JSON.parse(moved.body), {method: 'GET', body: ''})
    const kept = await httpJson({method: 'POST', url: `${base}/kept`, headers: {}, json: {x: 2}})
    assert.deepEqual(JSON.parse(kept.body), {method: 'POST', body: '{"x":2}'})
  })

  it('decodes a compressed answer; a body cut short fails as ECONNRESET (a dropped connection the retry policy knows)', async () => {
    assert.deepEqual(JSON.parse((await httpJson({method: 'GET', url: `${base}/gzip`, headers: {}})).body), {zipped: true})
    await assert.rejects(httpJson({method: 'GET', url: `${base}/cut`, headers: {}}), (error: {code?: string}) => ['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE'].includes(error.code ?? ''))
  })

  it('a refused connection fails with ECONNREFUSED; an abort with an AbortError', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await assert.rejects(httpJson({method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {}}), (error: {code?: string}) => error.code === 'ECONNREFUSED')
    const abort = new AbortController()
    abort.abort()
    await assert.rejects(httpJson({method: 'GET', url: `${base}/target`, headers: {}, signal: abort.signal}), (error: {name?: string}) => error.name === 'AbortError')
  })
})
