import {randomBytes} from 'node:crypto'
import {rm, stat, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import {UsageError} from '../errors.js'
import {type LivpFormat, isLivePhoto, livpLocalName} from '../transfer/download.js'
import {PART_SUFFIX, refuseOwnTempName, safeLocalName} from '../transfer/local-names.js'
import type {NameRules} from './name-clash.js'

/**
 * How remote names land in a local folder tree (`get -r`, `sync` down): the target file system's
 * case rules, probed, and whether names are made Windows-safe (on Windows, or when asked).
 */
export interface LandingRules extends NameRules {
  windows: boolean
}

/** `ALIPAN_LOCAL_NAMES`: `auto` (probe, the default), `case-sensitive`, `case-insensitive`, `windows`. */
export const LOCAL_NAMES_VARIABLE = 'ALIPAN_LOCAL_NAMES'

const probed = new Map<string, Promise<NameRules>>()

/**
 * The rules for the tree at `target` (which need not exist yet: its nearest existing folder is
 * probed). Probed once per run and folder, unless `ALIPAN_LOCAL_NAMES` says.
 */
export async function landingRules(target: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<LandingRules> {
  const setting = (env[LOCAL_NAMES_VARIABLE] ?? '').trim().toLowerCase()
  const windows = platform === 'win32' || setting === 'windows'
  switch (setting) {
    case '':
    case 'auto': {
      const folder = await nearestFolder(resolve(target))
      let rules = probed.get(folder)
      if (!rules) probed.set(folder, (rules = probeNameRules(folder, platform)))
      return {...(await rules), windows}
    }
    case 'case-sensitive':
      return {caseInsensitive: false, normalizationInsensitive: false, windows}
    case 'case-insensitive':
    case 'windows':
      return {caseInsensitive: true, normalizationInsensitive: false, windows}
    default:
      throw new UsageError(`${LOCAL_NAMES_VARIABLE}=${env[LOCAL_NAMES_VARIABLE]} is not one of auto, case-sensitive, case-insensitive, windows.`)
  }
}

/**
 * Create a file in `folder` and look it up under another case and another Unicode form. The name
 * ends like alipan's own temporary files, so one left behind by a kill is never mirrored. A folder
 * that cannot be written answers with what the platform usually has.
 */
export async function probeNameRules(folder: string, platform: NodeJS.Platform = process.platform): Promise<NameRules> {
  const name = `.probe-${process.pid}-${randomBytes(4).toString('hex')}-\u00e9x${PART_SUFFIX}`
  const path = join(folder, name)
  try {
    await writeFile(path, '', {flag: 'wx'})
  } catch {
    return {caseInsensitive: platform === 'win32' || platform === 'darwin', normalizationInsensitive: platform === 'darwin'}
  }
  try {
    const original = await stat(path, {bigint: true})
    const isSame = async (other: string) => {
      if (other === name) return true
      const found = await stat(join(folder, other), {bigint: true}).catch(() => undefined)
      return found !== undefined && found.ino === original.ino && found.dev === original.dev
    }
    return {caseInsensitive: await isSame(name.toUpperCase()), normalizationInsensitive: await isSame(name.normalize('NFD'))}
  } finally {
    await rm(path, {force: true})
  }
}

async function nearestFolder(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    const info = await stat(p).catch(() => undefined)
    if (info?.isDirectory() || dirname(p) === p) return p
  }
}

/**
 * The local name a remote entry takes on its own, before clashes are settled: made safe (for
 * Windows where the rules say), a live photo's chosen stream extension, never one of alipan's
 * temporary names. Throws UnsafeNameError for a name it refuses.
 */
export function landingName(name: string, type: 'file' | 'folder', livp: LivpFormat | undefined, rules: Pick<LandingRules, 'windows'> & Partial<NameRules>): string {
  const names = {caseInsensitive: rules.caseInsensitive ?? false, normalizationInsensitive: rules.normalizationInsensitive ?? false}
  const safe = refuseOwnTempName(safeLocalName(name, rules.windows ? 'win32' : 'linux'), names)
  // `livp` undefined: the entry is no live photo, whatever its name (an encrypted drive's file).
  return type === 'file' && livp !== undefined && isLivePhoto({name}) ? refuseOwnTempName(livpLocalName(safe, livp), names) : safe
}
