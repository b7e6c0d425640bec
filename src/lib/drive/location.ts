import {UsageError} from '../errors.js'
import {validateProfileName} from '../profiles.js'

/**
 * Where a remote path lives: which login (profile), which of its drives, and the path there.
 *
 *   /backups/x                         the command's profile and drive (`--profile`, `--drive`)
 *   alipan:/backups/x                  the same, written as remote (sync and cp tell sides apart by it)
 *   alipan@work:/backups/x             the login of profile `work` (its credentials, settings, lock)
 *   alipan,drive=resource:/x           another drive of the command's login (rclone-style options)
 *   alipan@work,drive=backup:/x        both
 *
 *   vault:/x, vault@work:/x            an encrypted location configured in the profile (`alipan crypt add`)
 *
 * Names have two characters or more, so a Windows drive letter (`C:\x`) is never one. Which names
 * exist besides `alipan` depends on the profile: callers pass what they know (`KnownNames`), and
 * work with the structured Location, handing it to the resolver (`src/lib/locations.ts`).
 */
export interface Location {
  /** `alipan` (the drive itself), or the name of a location configured in a profile. */
  name: string
  /** `@PROFILE`: another profile's login. Undefined: the command's own profile. */
  profile?: string
  /** `,drive=TYPE`. Undefined: the profile's `drive` setting (or the command's `--drive`). */
  drive?: DriveType
  /** The path after the colon, exactly as written (a trailing `/` still means "into"). */
  path: string
  /** Written with a prefix (`alipan…:`), as opposed to a bare path. */
  prefixed: boolean
}

export type DriveType = 'default' | 'resource' | 'backup'
export const DRIVE_TYPES: readonly DriveType[] = ['default', 'resource', 'backup']

/** The name every profile has; configured locations add theirs (`LocationResolver.isKnown`). */
export const KNOWN_NAMES: readonly string[] = ['alipan']

/** The connection-string options (`,key=value`) a location takes. */
const OPTIONS = ['drive'] as const

/**
 * NAME (2+ characters, a letter or digit first), then `@PROFILE`, then `,key=value` options, then
 * `:` and the path. The first `:` ends the prefix; the path may hold more.
 */
const SHAPE = /^([A-Za-z0-9][A-Za-z0-9_-]+)(@[^,:]*)?((?:,[^,:]*)*):(.*)$/s

/**
 * Read `raw` as a location. Undefined when it is not written as one: a bare remote path, or (for
 * `sync`) a local path. A prefix whose name is not known is not a location either, so a local
 * path such as `notes:2026` keeps meaning what it always did, unless it carries a profile or
 * options: then it was meant as one, and an unknown name is a usage error.
 */
export function parseLocation(raw: string, known: KnownNames = KNOWN_NAMES): Location | undefined {
  const match = SHAPE.exec(raw)
  if (!match) return undefined
  const [, name, at, options, path] = match
  const isKnown = typeof known === 'function' ? known : (n: string) => known.includes(n)
  const profile = at === undefined || at === '@' ? undefined : at.slice(1)
  if (!isKnown(name, profile)) {
    if (at === undefined && options === '') return undefined
    const listed = typeof known === 'function' ? '' : ` (known: ${known.join(', ')})`
    throw new UsageError(`${quote(raw)}: there is no location named ${name}${profile ? ` in profile ${profile}` : ''}.`, {
      hint: `write remote paths as alipan:/PATH, alipan@PROFILE:/PATH or alipan,drive=resource:/PATH, or NAME:/PATH for an encrypted location (\`alipan crypt list\`)${listed}`,
    })
  }
  const location: Location = {name, path, prefixed: true}
  if (at !== undefined) {
    const profile = at.slice(1)
    if (profile === '') throw new UsageError(`${quote(raw)}: the profile name after @ is empty.`, {hint: 'write alipan@PROFILE:/PATH, e.g. alipan@work:/backups'})
    location.profile = validateProfileName(profile, quote(raw))
  }
  for (const option of options.split(',').slice(1)) applyOption(location, option, raw)
  return location
}

/**
 * The names a location may have: a list, or a test of a name (and the profile written after `@`,
 * whose own configured locations count for it).
 */
export type KnownNames = readonly string[] | ((name: string, profile?: string) => boolean)

/** A remote path argument of a one-location command: a location, or a bare path in the command's own. */
export function remoteLocation(raw: string, known?: KnownNames): Location {
  return parseLocation(raw, known) ?? {name: 'alipan', path: raw, prefixed: false}
}

function applyOption(location: Location, option: string, raw: string): void {
  const eq = option.indexOf('=')
  const key = (eq === -1 ? option : option.slice(0, eq)).trim()
  const value = eq === -1 ? undefined : option.slice(eq + 1).trim()
  if (key === '') throw new UsageError(`${quote(raw)}: an empty option between commas.`, {hint: 'write options as alipan,drive=resource:/PATH'})
  if (!(OPTIONS as readonly string[]).includes(key)) {
    throw new UsageError(`${quote(raw)}: unknown option ${key} (known: ${OPTIONS.join(', ')}).`, {hint: 'e.g. alipan,drive=resource:/PATH'})
  }
  if (value === undefined || value === '') throw new UsageError(`${quote(raw)}: the option ${key} needs a value.`, {hint: `${key}=${DRIVE_TYPES.join('|')}`})
  if (location.drive !== undefined) throw new UsageError(`${quote(raw)}: the option ${key} is given twice.`)
  if (!(DRIVE_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`${quote(raw)}: drive=${value} is not a drive; use ${DRIVE_TYPES.join(', ')}.`)
  }
  location.drive = value as DriveType
}

/** The prefix of a location as the user would write it (for messages): `alipan@work,drive=backup:`. */
export function locationPrefix(location: Pick<Location, 'name' | 'profile' | 'drive'>): string {
  return `${location.name}${location.profile ? `@${location.profile}` : ''}${location.drive ? `,drive=${location.drive}` : ''}:`
}

function quote(raw: string): string {
  const short = raw.length > 80 ? `${raw.slice(0, 77)}…` : raw
  return `"${short}"`
}
