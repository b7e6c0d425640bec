import {rename as fsRename} from 'node:fs/promises'

import {sleep} from './time.js'

/** How long Windows' refusals are waited out: a virus scan of a large file just written takes seconds. */
const WINDOWS_WAIT_MS = 10_000
const REFUSALS = new Set(['EPERM', 'EACCES', 'EBUSY'])

export interface RenameOptions {
  platform?: NodeJS.Platform
  waitMs?: number
  rename?: (from: string, to: string) => Promise<void>
}

/**
 * rename() onto a name that may exist, waiting out Windows' passing refusals. There a file that
 * another program has open (a virus scan or the search indexer looking at a file just written,
 * another alipan reading the credentials) can be neither renamed nor replaced for a moment:
 * EPERM, EACCES or EBUSY. graceful-fs and conf's `atomically` retry the same way. Elsewhere, and
 * for any other error, the first failure stands; after `waitMs`, the last one does.
 */
export async function renameReplacing(from: string, to: string, options: RenameOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform
  const rename = options.rename ?? fsRename
  const deadline = Date.now() + (options.waitMs ?? WINDOWS_WAIT_MS)
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to)
    } catch (error) {
      if (platform !== 'win32' || !REFUSALS.has((error as NodeJS.ErrnoException).code ?? '') || Date.now() >= deadline) throw error
      await sleep(Math.min(500, 25 * 2 ** attempt))
    }
  }
}
