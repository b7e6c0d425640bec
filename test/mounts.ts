/**
 * Real file-system failures for tests. As root, chmod does not produce EACCES, and nothing but a
 * real mount gives ENOSPC or EROFS, so these tests mount a small tmpfs (Linux, root). Where that
 * is not permitted, `mountTmpfs` says why and the tests skip with that message.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface Tmpfs {
  dir: string
  /** e.g. `ro`, `rw`, `size=16m`. */
  remount(options: string): void
  /** Unmount (lazily if still busy) and remove the mount point; safe to call twice. */
  unmount(): void
}

export function mountTmpfs(size: string): Tmpfs | string {
  const dir = mkdtempSync(join(tmpdir(), 'alipan-mnt-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], {stdio: 'pipe'})
  } catch (error) {
    rmSync(dir, {recursive: true, force: true})
    const detail = String((error as {stderr?: Buffer}).stderr ?? (error as Error).message).trim()
    return `skipped: this machine does not let the tests mount a tmpfs (${detail || 'mount failed'})`
  }
  let mounted = true
  return {
    dir,
    remount: (options) => void execFileSync('mount', ['-o', `remount,${options}`, dir], {stdio: 'pipe'}),
    unmount() {
      if (!mounted) return
      mounted = false
      try {
        execFileSync('umount', [dir], {stdio: 'pipe'})
      } catch {
        execFileSync('umount', ['-l', dir], {stdio: 'pipe'})
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
