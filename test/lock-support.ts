/** Helpers for lock tests: a process holding the credential lock (test/lock-holder.ts). */
import {type ChildProcess, spawn} from 'node:child_process'
import {join} from 'node:path'

import {ROOT} from './support.js'

export const HOLDER = join(ROOT, 'test', 'lock-holder.ts')

/** Start test/lock-holder.ts; resolves once it holds the lock. */
export async function startHolder(file: string, args: string[] = []): Promise<{child: ChildProcess; exited: Promise<void>}> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before holding the lock`)))
  })
  return {child, exited}
}

/** The pid of a process that has just ended. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}
