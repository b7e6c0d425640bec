import assert from 'node:assert/strict'
import {type AddressInfo, type Socket, createServer} from 'node:net'
import {after, before, describe, it} from 'node:test'

import {putChunks} from '../../src/lib/transfer/data-plane.js'

describe('data plane PUT', () => {
  // A server that answers 403 as soon as it has the headers, then neither reads the body nor
  // closes the connection: nothing Node's own http server would do, but nothing forbids it either.
  const sockets: Socket[] = []
  const server = createServer((socket) => {
    sockets.push(socket)
    let head = ''
    const onData = (data: Buffer) => {
      head += data.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      socket.pause()
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nForbidden')
    }
    socket.on('data', onData)
  })
  let url = ''
  before(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/part`
  })
  after(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((done) => server.close(done))
  })

  it('an answer before the body is sent stops the sending and ends the source', async () => {
    const chunk = Buffer.alloc(64 * 1024)
    const total = 512 * chunk.length // 32 MiB: far more than the socket buffers hold
    let sent = 0
    let sourceEnded = false
    async function* body() {
      try {
        for (let i = 0; i < 512; i++) yield chunk
      } finally {
        sourceEnded = true
      }
    }
    const response = await putChunks(url, total, body(), {onChunk: (c) => (sent += c.length)})
    assert.equal(response.status, 403)
    assert.equal(response.body, 'Forbidden')
    for (let i = 0; i < 100 && !sourceEnded; i++) await new Promise((r) => setTimeout(r, 10))
    assert.ok(sourceEnded, 'the source was ended (its file would be closed)')
    assert.ok(sent < total, `stopped after ${sent} of ${total} bytes`)
  })
})
