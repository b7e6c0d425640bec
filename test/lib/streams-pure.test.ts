import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {redactText} from '../../src/lib/redact.js'
import {BandwidthLimiter, parseRate} from '../../src/lib/transfer/bandwidth.js'
import {ByteRanges, RangeQueue} from '../../src/lib/transfer/byte-ranges.js'
import {DownloadLink} from '../../src/lib/transfer/download-link.js'
import {pieceSize} from '../../src/lib/transfer/multi-stream.js'
import {Semaphore} from '../../src/lib/transfer/semaphore.js'
import '../helpers.js'

const MiB = 1024 * 1024

describe('multi-stream building blocks (pure)', () => {
  it('ByteRanges merges touching and overlapping intervals, finds gaps and runs', () => {
    const r = new ByteRanges([[10, 20], [30, 40]])
    r.add(20, 25)
    r.add(35, 50)
    r.add(0, 5)
    assert.deepEqual(r.intervals, [[0, 5], [10, 25], [30, 50]])
    assert.equal(r.size, 5 + 15 + 20)
    assert.deepEqual(r.missing(60), [[5, 10], [25, 30], [50, 60]])
    assert.equal(r.runEnd(12), 25)
    assert.equal(r.runEnd(25), 25, 'a gap ends where it starts')
    r.add(5, 30)
    assert.deepEqual(r.intervals, [[0, 50]])
    assert.deepEqual(new ByteRanges([[0, 10], [20, 30]]).clip(25).intervals, [[0, 10], [20, 25]])
  })

  it('RangeQueue cuts the gaps into pieces, lowest first, and takes a piece given back first', () => {
    const q = new RangeQueue([[0, 10], [15, 32]], 8)
    assert.deepEqual(q.take(), [0, 8])
    assert.deepEqual(q.take(), [8, 10])
    const third = q.take()
    assert.deepEqual(third, [15, 23])
    q.giveBack([19, 23])
    assert.deepEqual([q.take(), q.take(), q.take()], [[19, 23], [23, 31], [31, 32]])
    assert.equal(q.take(), undefined)
  })

  it('pieces: whole rounds of equal pieces per stream, 4–64 MiB while a round allows; one stream asks for everything', () => {
    const rounds = (size: number, streams: number) => Math.ceil(size / pieceSize(size, streams)) / streams
    assert.equal(rounds(256 * MiB, 3), 4, '12 pieces of ~21.3 MiB')
    assert.equal(rounds(64 * MiB, 3), 4)
    assert.equal(rounds(3 * 1024 * MiB, 3), 16, 'at most 64 MiB each')
    assert.equal(pieceSize(256 * MiB, 3) % (64 * 1024), 0)
    assert.equal(rounds(32 * MiB, 3), 2, 'fewer rounds rather than pieces under 4 MiB')
    assert.ok(pieceSize(32 * MiB, 3) >= 4 * MiB)
    assert.equal(rounds(16 * MiB, 3), 1, 'a 16 MiB file: one piece per stream, not four pieces for three streams')
    assert.equal(rounds(5 * MiB, 3), 1, 'at least one round')
    assert.ok(pieceSize(8 * 1024 * MiB, 3) <= 64 * MiB)
    assert.equal(pieceSize(256 * MiB, 1), Number.POSITIVE_INFINITY)
  })

  it('Semaphore: normal waiters before low ones; a low request waits while a normal one does', async () => {
    const s = new Semaphore(1)
    const order: string[] = []
    const first = await s.acquire()
    const low = s.acquire(undefined, 'low').then((release) => {
      order.push('low')
      release()
    })
    const normal = s.acquire().then((release) => {
      order.push('normal')
      assert.equal(s.waitingNormal, 0)
      release()
    })
    assert.equal(s.waitingNormal, 1)
    first()
    await Promise.all([low, normal])
    assert.deepEqual(order, ['normal', 'low'])
    assert.equal(s.inUse, 0)
  })

  it('BandwidthLimiter: a burst of 100 ms, then the rate exactly', () => {
    let now = 0
    const limiter = new BandwidthLimiter(1000, 100, () => now)
    assert.equal(limiter.reserve(100), 0, 'the burst')
    assert.equal(limiter.reserve(500), 500)
    now = 600
    assert.equal(limiter.reserve(1000), 900)
    // Over a long run the bytes moved per second are the rate.
    now = 10_000
    let moved = 0
    let t = now
    while (t < 20_000) {
      moved += 64
      now = t
      t += limiter.reserve(64)
    }
    assert.ok(Math.abs(moved / 10 - 1000) < 20, `moved ${moved} in 10 s`)
  })

  it('parseRate: binary units, /s, off', () => {
    assert.equal(parseRate('10M'), 10 * MiB)
    assert.equal(parseRate('512K'), 512 * 1024)
    assert.equal(parseRate('1.5MiB/s'), 1.5 * MiB)
    assert.equal(parseRate('8388608'), 8 * MiB)
    assert.equal(parseRate('off'), undefined)
    assert.equal(parseRate('0'), undefined)
    assert.throws(() => parseRate('fast'), /Not a rate/)
  })

  it('DownloadLink: one fetch for concurrent callers; a stale URL renews once, a replaced one not at all', async () => {
    let n = 0
    const link = new DownloadLink(async () => `https://oss.example/f?v=${++n}`)
    const [a, b, c] = await Promise.all([link.get(), link.get(), link.get()])
    assert.deepEqual([a, b, c, link.calls], [`https://oss.example/f?v=1`, `https://oss.example/f?v=1`, `https://oss.example/f?v=1`, 1])
    const renewed = await Promise.all([link.renew(a), link.renew(a)])
    assert.deepEqual(renewed, [`https://oss.example/f?v=2`, `https://oss.example/f?v=2`])
    assert.equal(await link.renew(a), `https://oss.example/f?v=2`, 'already replaced: no new call')
    assert.equal(link.calls, 2)
  })

  it('redaction hides the user and password of a URL (proxy credentials)', () => {
    const text = redactText('connect via http://bob:hunter2@proxy.corp:3128 failed')
    assert.equal(text, 'connect via http://[redacted]@proxy.corp:3128 failed')
  })
})
