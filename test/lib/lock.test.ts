/**
 * The credential lock (src/lib/auth/lock.ts): a holder that was killed is taken over at once, a
 * live one never, and waiters racing for a dead holder's lock still get it one at a time.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {withFileLock} from '../../src/lib/auth/lock.js'
import {HOLDER, deadPid, startHolder} from '../lock-support.js'
import {ROOT} from '../support.js'
import '../helpers.js'

async function timeToLock(file: string): Promise<number> {
  const started = performance.now()
  await withFileLock(file, async () => undefined)
  return performance.now() - started
}

describe('credential lock', () => {
  let dir: string
  let n = 0
  const fresh = () => join(dir, `credentials-${++n}.json`)
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alipan-lock-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a holder killed with SIGKILL costs the next locker under a second (it was 15–20 s: proper-lockfile waited for the mtime to go stale)', async () => {
    const file = fresh()
    const {child, exited} = await startHolder(file)
    child.kill('SIGKILL')
    await exited
    const waited = await timeToLock(file)
    assert.ok(waited < 1000, `waited ${Math.round(waited)} ms`)
  })

  it('a live holder is never taken over, however long it holds; it keeps the folder fresh and removes it on release', async () => {
    const file = fresh()
    await startHolder(file, ['--hold', '2500'])
    const held = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 1600))
    assert.ok(Date.now() - statSync(`${file}.lock`).mtimeMs < 1500, 'the holder refreshes the mtime every second')
    await timeToLock(file)
    assert.ok(performance.now() - held >= 2000, 'the waiter got the lock only once the holder let go')
    assert.equal(existsSync(`${file}.lock`), false, 'released: no folder left behind')
  })

  it('an owner on another machine is trusted while the folder is fresh, taken over once it is stale', async () => {
    const file = fresh()
    mkdirSync(`${file}.lock`)
    writeFileSync(join(`${file}.lock`, 'owner'), JSON.stringify({pid: await deadPid(), host: 'elsewhere', id: 'x'}))
    let got = false
    const waiter = withFileLock(file, async () => {
      got = true
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal(got, false, 'a pid from another machine says nothing: its holder may be alive')
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    await waiter
    assert.equal(got, true)
  })

  it('an owner-less lock (an older alipan) is trusted while fresh, taken over once stale', async () => {
    const file = fresh()
    mkdirSync(`${file}.lock`)
    let got = false
    const waiter = withFileLock(file, async () => {
      got = true
    })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.equal(got, false)
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    await waiter
    assert.equal(got, true)
  })

  it('in one process: two lockers take turns, and a dead holder whose pid is now ours is still seen as dead', async () => {
    const file = fresh()
    const order: string[] = []
    const turn = (name: string) =>
      withFileLock(file, async () => {
        order.push(`${name} in`)
        await new Promise((resolve) => setTimeout(resolve, 300))
        order.push(`${name} out`)
      })
    await Promise.all([turn('a'), turn('b')])
    // Either may go first (whichever makes the lock folder first); they must not overlap.
    const [first, second] = order[0] === 'a in' ? ['a', 'b'] : ['b', 'a']
    assert.deepEqual(order, [`${first} in`, `${first} out`, `${second} in`, `${second} out`])

    // A lock left by a dead process whose pid the system has since given to us.
    const planted = fresh()
    const {host} = await withFileLock(planted, async () => JSON.parse(readFileSync(join(`${planted}.lock`, 'owner'), 'utf8')) as {host: string})
    mkdirSync(`${planted}.lock`)
    writeFileSync(join(`${planted}.lock`, 'owner'), JSON.stringify({pid: process.pid, host, id: 'earlier'}))
    assert.ok((await timeToLock(planted)) < 1000)
  })

  it('waiters racing for a dead holder\'s lock get it one at a time', async () => {
    const file = fresh()
    const log = join(dir, 'race.log')
    writeFileSync(log, '')
    const {child, exited} = await startHolder(file)
    const waiters = Array.from({length: 5}, () => spawn(process.execPath, ['--import', 'tsx', HOLDER, file, '--hold', '50', '--log', log], {cwd: ROOT, stdio: 'ignore'}))
    // Let them all start and queue behind the holder, then kill it: all five see the dead owner at once.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    child.kill('SIGKILL')
    await exited
    await Promise.all(waiters.map((w) => new Promise((resolve) => w.once('exit', resolve))))
    const lines = readFileSync(log, 'utf8').trim().split('\n')
    assert.equal(lines.length, 10, lines.join('\n'))
    for (let i = 0; i < lines.length; i += 2) {
      const [inside, pid] = lines[i].split(' ')
      assert.deepEqual([inside, lines[i + 1]], ['in', `out ${pid}`], `holders overlapped:\n${lines.join('\n')}`)
    }
  })
})
