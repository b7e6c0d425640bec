import {existsSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CredentialStore, ensurePrivateDir} from './auth/credentials.js'
import {AuthError, UsageError, asConfigFsError} from './errors.js'
import {readJsonStore} from './json-file.js'

/**
 * Profiles: one login, its settings, resume state and rotation lock per profile. The `default`
 * profile lives at the top of the config folder, where alipan kept its one login before profiles
 * existed, so an existing login simply is `default`; any other profile is `profiles/<name>/`,
 * laid out the same way. Which profile a command uses: `--profile`, else ALIPAN_PROFILE, else
 * the one chosen with `alipan profile use` (in `profile.json`), else `default`.
 */
export const DEFAULT_PROFILE = 'default'

/** Letters, digits, `.`, `_`, `-`; no leading dot or dash: never a path, never a flag. */
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export type ProfileSource = 'flag' | 'environment' | 'chosen' | 'default'

export interface SelectedProfile {
  name: string
  /** The folder holding this profile's credentials.json, config.json and transfers/. */
  dir: string
  source: ProfileSource
}

export function validateProfileName(name: string, where: string): string {
  if (!VALID_NAME.test(name)) {
    throw new UsageError(`${where}: "${name}" is not a valid profile name.`, {hint: 'use letters, digits, ".", "_" and "-" (up to 64), starting with a letter or digit'})
  }
  return name
}

export function profileDir(configDir: string, name: string): string {
  return name === DEFAULT_PROFILE ? configDir : join(configDir, 'profiles', name)
}

export function profileExists(configDir: string, name: string): boolean {
  return name === DEFAULT_PROFILE || existsSync(profileDir(configDir, name))
}

/** The file `alipan profile use` writes: `{"use": NAME}`. */
function choiceFile(configDir: string): string {
  return join(configDir, 'profile.json')
}

/** The profile chosen with `alipan profile use`, if any. */
export function chosenProfile(configDir: string): string | undefined {
  let stored: Record<string, unknown>
  try {
    stored = readJsonStore(choiceFile(configDir))
  } catch {
    throw new UsageError(`${choiceFile(configDir)} is unreadable.`, {hint: 'choose again with `alipan profile use NAME`, or delete that file'})
  }
  return typeof stored.use === 'string' ? validateProfileName(stored.use, choiceFile(configDir)) : undefined
}

export interface SelectOptions {
  configDir: string
  flag?: string
  /** ALIPAN_PROFILE. */
  environment?: string
  /** `login` creates the profile, and so does ALIPAN_REFRESH_TOKEN (it seeds the profile in use). */
  mayCreate: boolean
}

/** The profile a command works on: flag > ALIPAN_PROFILE > `profile use` > `default`. */
export function selectProfile(options: SelectOptions): SelectedProfile {
  const {configDir} = options
  let name = DEFAULT_PROFILE
  let source: ProfileSource = 'default'
  if (options.flag !== undefined) {
    name = validateProfileName(options.flag, '--profile')
    source = 'flag'
  } else if (options.environment !== undefined) {
    name = validateProfileName(options.environment, 'ALIPAN_PROFILE')
    source = 'environment'
  } else {
    const chosen = chosenProfile(configDir)
    if (chosen) {
      name = chosen
      source = 'chosen'
    }
  }
  if (!options.mayCreate && !profileExists(configDir, name)) throw unknownProfile(configDir, name, source)
  return {name, dir: profileDir(configDir, name), source}
}

export function unknownProfile(configDir: string, name: string, source?: ProfileSource): AuthError {
  const others = listProfileNames(configDir).join(', ')
  const instead = source === 'chosen' ? ', or choose another with `alipan profile use NAME`' : ''
  return new AuthError(`There is no profile named ${name} (profiles: ${others}).`, {
    code: 'UnknownProfile',
    hint: `log in with \`alipan login --profile ${name}\`${instead}`,
  })
}

/**
 * "run `alipan login`" in a hint means that profile's login: name it when it is not `default`, or
 * always (`explicit`) when the command itself runs as another profile.
 */
export function hintForProfile(hint: string, name: string, explicit = false): string {
  if (name === DEFAULT_PROFILE && !explicit) return hint
  return hint.replace(/`alipan (login|logout)`/g, `\`alipan $1 --profile ${name}\``)
}

/** `default` first, then the others by name. */
export function listProfileNames(configDir: string): string[] {
  let names: string[] = []
  try {
    names = readdirSync(join(configDir, 'profiles'), {withFileTypes: true})
      .filter((entry) => entry.isDirectory() && VALID_NAME.test(entry.name) && entry.name !== DEFAULT_PROFILE)
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return [DEFAULT_PROFILE, ...names]
}

/** `alipan profile use NAME`: the profile commands use when neither --profile nor ALIPAN_PROFILE says. */
export function useProfile(configDir: string, name: string): void {
  validateProfileName(name, 'profile use')
  if (!profileExists(configDir, name)) throw unknownProfile(configDir, name)
  ensurePrivateDir(configDir)
  // Written aside and renamed, so a reader never sees half a file.
  const tmp = `${choiceFile(configDir)}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, `${JSON.stringify({use: name}, undefined, '\t')}\n`, {mode: 0o600})
    renameSync(tmp, choiceFile(configDir))
  } catch (error) {
    rmSync(tmp, {force: true})
    throw asConfigFsError(error, choiceFile(configDir), 'saving the profile choice to')
  }
}

/** One row of `alipan profile list --json`. */
export interface ProfileListEntry {
  name: string
  user_id: string | null
  user_name: string | null
  route: 'app' | 'online' | null
  /** The profile commands use when neither --profile nor ALIPAN_PROFILE says (`profile use`). */
  default: boolean
}

export async function listProfiles(configDir: string): Promise<ProfileListEntry[]> {
  const chosen = chosenProfile(configDir) ?? DEFAULT_PROFILE
  return Promise.all(
    listProfileNames(configDir).map(async (name) => {
      // A damaged credential file must not hide the other profiles: it shows as "not logged in".
      const credentials = await new CredentialStore(profileDir(configDir, name)).read().catch(() => undefined)
      return {
        name,
        user_id: credentials?.user_id ?? null,
        user_name: credentials?.user_name ?? null,
        route: credentials?.route.type ?? null,
        default: name === chosen,
      }
    }),
  )
}
