import {Flags} from '@oclif/core'

import {BandwidthLimiter, parseRate} from '../lib/transfer/bandwidth.js'
import type {ProgressMode} from './progress.js'

/** Flags shared by put and get. */
export const transferFlags = {
  progress: Flags.boolean({description: 'Show progress bars even when stderr is not a terminal.'}),
  quiet: Flags.boolean({char: 'q', description: 'Print only errors (no progress, no per-file lines, no summary).', exclusive: ['progress']}),
  transfers: Flags.integer({description: 'Files transferred at once.', min: 1, max: 16}),
  recursive: Flags.boolean({char: 'r', description: 'Transfer folders and everything in them.'}),
  bwlimit: Flags.string({description: 'Total bandwidth of the command, across all files and streams: bytes/s or binary units (512K, 10M; off = none). Default: the bwlimit setting.'}),
}

/** One limiter for the whole command (the flag, else the `bwlimit` setting), or none. */
export function bandwidthLimit(flag: string | undefined, setting: string): BandwidthLimiter | undefined {
  const rate = parseRate(flag ?? setting)
  return rate === undefined ? undefined : new BandwidthLimiter(rate)
}

/** Bars on a terminal (or with --progress), plain lines in logs, nothing with --quiet. */
export function progressMode(flags: {progress?: boolean; quiet?: boolean}, json: boolean): ProgressMode {
  if (flags.quiet) return 'quiet'
  if (flags.progress || (process.stderr.isTTY && !json)) return 'bars'
  return json ? 'quiet' : 'lines'
}

/** get -r and sync down: what happens to remote entries that would land on a local name another entry takes. */
export const clashFlag = Flags.string({
  description: 'Remote entries of one folder that would land on one local name (duplicates, names differing only in case on a case-insensitive disk, names made equal for Windows): the newest keeps the name and the others get numbered names (rename), are left out (skip, exit 6), or nothing is downloaded (fail, exit 6).',
  options: ['rename', 'skip', 'fail'],
  default: 'rename',
})

/** Filters for put -r, get -r and sync: gitignore-style, relative to the folder transferred. */
export const filterFlags = {
  exclude: Flags.string({description: 'Leave out paths matching this gitignore-style pattern (repeatable; `dir/` matches folders only, `**` spans folders).', multiple: true}),
  include: Flags.string({description: 'Take only files matching this pattern (repeatable); folders are still searched.', multiple: true}),
  'exclude-from': Flags.string({description: 'Read exclude patterns from a file, one per line (# comments).', multiple: true}),
}

export function filterRules(flags: {exclude?: string[]; include?: string[]; 'exclude-from'?: string[]}) {
  return {exclude: flags.exclude, include: flags.include, excludeFrom: flags['exclude-from']}
}
