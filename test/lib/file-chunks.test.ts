import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {BufferPool, FileChunks} from '../../src/lib/transfer/file-chunks.js'
import {pattern} from '../support.js'

describe('pooled file reads for the upload path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alipan-chunks-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const data = pattern(50_000)
  const file = join(dir, 'data.bin')
  writeFileSync(file, data)

  async function collect(chunks: FileChunks, pool?: BufferPool): Promise<{bytes: Buffer; backings: Set<ArrayBufferLike>}> {
    const parts: Buffer[] = []
    const backings = new Set<ArrayBufferLike>()
    for await (const chunk of chunks) {
      backings.add(chunk.buffer)
      parts.push(Buffer.from(chunk)) // a copy: the chunk itself goes back to the pool
      pool?.give(chunk)
    }
    return {bytes: Buffer.concat(parts), backings}
  }

  it('yields exactly the bytes of the range, for ranges that do not line up with the chunk size', async () => {
    for (const [start, end] of [
      [0, 50_000],
      [0, 4096],
      [1, 4097],
      [12_345, 33_333],
      [49_999, 50_000],
    ]) {
      const pool = new BufferPool(4096)
      const {bytes} = await collect(new FileChunks(file, start, end, pool), pool)
      assert.ok(bytes.equals(data.subarray(start, end)), `range ${start}-${end}`)
    }
    assert.equal((await collect(new FileChunks(file, 10, 10, new BufferPool(4096)))).bytes.length, 0)
  })

  it('reuses buffers handed back: two in play (the current chunk and the one read ahead)', async () => {
    const pool = new BufferPool(4096)
    const {backings} = await collect(new FileChunks(file, 0, data.length, pool), pool)
    assert.equal(backings.size, 2)
  })

  it('never reuses a chunk the consumer still holds', async () => {
    const pool = new BufferPool(4096)
    const held: Buffer[] = []
    for await (const chunk of new FileChunks(file, 0, data.length, pool)) held.push(chunk)
    assert.equal(new Set(held.map((c) => c.buffer)).size, held.length)
    assert.ok(Buffer.concat(held).equals(data), 'every held chunk still has its own bytes')
  })

  it('a file shorter than the range ends early instead of inventing bytes', async () => {
    const pool = new BufferPool(4096)
    const {bytes} = await collect(new FileChunks(file, 40_000, 60_000, pool), pool)
    assert.ok(bytes.equals(data.subarray(40_000)))
  })

  it('stopping early closes cleanly, and the pool keeps at most what it was told to', async () => {
    const pool = new BufferPool(4096, 1)
    const chunks = new FileChunks(file, 0, data.length, pool)
    let seen = 0
    for await (const chunk of chunks) {
      pool.give(chunk)
      if (++seen === 3) break
    }
    const a = pool.take()
    const b = pool.take()
    assert.notEqual(a.buffer, b.buffer, 'only one buffer was kept')
  })
})
