import {isAbsolute, relative, resolve, sep} from 'node:path'

import {UsageError} from '../errors.js'
import {EXACT_NAMES, type NameRules, foldName} from '../files/name-clash.js'

/**
 * Remote names become local file names only through here. The service forbids `/` and `\`
 * (§1.3), but a download must not trust that: a name that could land outside the target folder is
 * refused, and names Windows forbids are made safe on Windows.
 */
// Windows 10 and earlier read a name as a device when what comes before its first dot, trailing
// spaces dropped, is one of these: `CON.txt`, `con .txt` and `CONIN$` all open a device there.
// Node writes through `\\?\` paths, which would create such files anyway, and other programs then
// cannot open them.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³]) *(\..*)?$/i
const WINDOWS_FORBIDDEN_CHARS = /[<>:"|?*\u0000-\u001f]/g

export class UnsafeNameError extends UsageError {
  constructor(name: string, why: string) {
    super(`Refusing to write remote name ${JSON.stringify(name)}: ${why}.`, {code: 'UnsafeName', hint: 'rename it in Alipan, or download it with an explicit local name'})
  }
}

export function safeLocalName(name: string, platform: NodeJS.Platform = process.platform): string {
  if (name === '' || name === '.' || name === '..') throw new UnsafeNameError(name, 'it is not a file name')
  if (name.includes('\0')) throw new UnsafeNameError(name, 'it contains a NUL byte')
  if (name.includes('/') || name.includes('\\')) throw new UnsafeNameError(name, 'it contains a path separator')
  if (platform !== 'win32') return name
  let safe = name.replace(WINDOWS_FORBIDDEN_CHARS, '_')
  // Windows drops trailing dots and spaces, which could merge two names into one.
  safe = safe.replace(/[. ]+$/, (m) => '_'.repeat(m.length))
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`
  return safe
}

/**
 * alipan's own files beside a download, and only those: `NAME.alipan-part` (the bytes so far),
 * `NAME.alipan-part.json` (a multi-stream download's record of them) and that record's atomic-save
 * temp `NAME.alipan-part.json.PID.tmp`. A name the code owns, so that `sync` and `put -r` can
 * leave them out while a user's own `notes.part` stays a file like any other.
 */
export const PART_SUFFIX = '.alipan-part'
const OWN_TEMP = /\.alipan-part(?:\.json(?:\.\d+\.tmp)?)?$/

/**
 * With a target's name rules, as that disk compares names: where case is ignored,
 * `X.ALIPAN-PART` is the file `X.alipan-part`, the part file of a download of X. Without them
 * (the names alipan finds on disk, which it wrote in lower case), exactly.
 */
export function isOwnTempName(name: string, rules: NameRules = EXACT_NAMES): boolean {
  return OWN_TEMP.test(foldName(name, rules))
}

/** A remote name that would land as one of alipan's temporary files (as the target compares names) is refused (in folder downloads). */
export function refuseOwnTempName(name: string, rules: NameRules = EXACT_NAMES): string {
  if (isOwnTempName(name, rules)) throw new UnsafeNameError(name, "the name is reserved for alipan's unfinished downloads")
  return name
}

/** Join a remote-derived relative path under `root`, refusing anything that would escape it. */
export function localPathUnder(root: string, segments: readonly string[], platform: NodeJS.Platform = process.platform): string {
  const target = resolve(root, ...segments.map((s) => safeLocalName(s, platform)))
  // Inside means: not the parent itself nor under it. `...` and `..foo` are ordinary names.
  const rel = relative(resolve(root), target)
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new UnsafeNameError(segments.join('/'), 'it would land outside the target folder')
  return target
}
