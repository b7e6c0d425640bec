import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {Context, DriveType} from '../context.js'
import {DRIVE_TYPES, locationPrefix, parseLocation} from '../drive/location.js'
import {normalizeRemotePath} from '../drive/remote-path.js'
import {ConflictError, NotFoundError, UsageError, asLocalFsError} from '../errors.js'
import {profileDir, profileExists, unknownProfile} from '../profiles.js'
import {Settings} from '../settings.js'
import type {NameEncoding} from './encodings.js'
import {type CryptLocation, CryptLocations, type RevealedCryptLocation, validateLocationName} from './locations-file.js'
import type {NameMode} from './names.js'
import {type CryptRemoteConfig, cryptRemoteFromConfig, formatCryptSection, saveCryptRemote} from './rclone-conf.js'

/** An encrypted location as `crypt list --json` shows it: never a password. */
export interface CryptLocationInfo {
  name: string
  remote: string
  filename_encryption: NameMode
  directory_name_encryption: boolean
  filename_encoding: NameEncoding
  /** Whether a second password (the salt) was set. */
  password2: boolean
  suffix?: string
}

export interface CryptSettings {
  filenameEncryption: NameMode
  directoryNameEncryption: boolean
  filenameEncoding: NameEncoding
  suffix?: string
}

export interface AddOptions extends CryptSettings {
  name: string
  /** Where the encrypted files live: alipan:/PATH, alipan@PROFILE:/PATH, alipan,drive=TYPE:/PATH. */
  remote: string
  password: string
  password2: string
}

/**
 * `crypt add`: a new encrypted location of the command's profile. Its remote is stored with its
 * drive written out (`alipan,drive=default:/vault`), so the location means the same place
 * whatever `--drive` a later command runs with.
 */
export async function addLocation(context: Context, options: AddOptions): Promise<CryptLocationInfo> {
  const name = validateLocationName(options.name)
  const store = new CryptLocations(context.profile.dir)
  if (store.get(name)) throw new ConflictError(`There is already an encrypted location named ${name}.`, {hint: `remove it first with \`alipan crypt remove ${name}\` (its files stay where they are)`})
  if (options.password === '') throw new UsageError('The password is empty.', {hint: 'rclone refuses an empty crypt password too'})
  const remote = await canonicalRemote(context, options.remote)
  await store.put(name, {
    name,
    remote,
    password: options.password,
    password2: options.password2,
    filename_encryption: options.filenameEncryption,
    directory_name_encryption: options.directoryNameEncryption,
    filename_encoding: options.filenameEncoding,
    ...(options.suffix === undefined ? {} : {suffix: options.suffix}),
  })
  return info(name, store.get(name)!)
}

/**
 * Where the files of an encrypted location live: a location of the drive itself (an encrypted
 * location inside another is not supported), its drive written out.
 */
async function canonicalRemote(context: Context, raw: string): Promise<string> {
  const location = parseLocation(raw.trim(), ['alipan']) ?? (raw.trim().startsWith('/') ? {name: 'alipan', path: raw.trim(), prefixed: false} : undefined)
  if (!location) {
    throw new UsageError(`--remote ${raw} is not a place in the drive.`, {hint: 'e.g. --remote alipan:/vault, alipan@work:/vault or alipan,drive=resource:/vault (an encrypted location cannot live inside another)'})
  }
  const path = normalizeRemotePath(location.path)
  let drive: DriveType | undefined = location.drive
  if (!drive) {
    // The drive the profile uses today, written out.
    const dir = location.profile ? profileDir(context.configDir, location.profile) : context.profile.dir
    if (location.profile && !profileExists(context.configDir, location.profile)) throw unknownProfile(context.configDir, location.profile)
    const {values} = await new Settings(dir).all()
    drive = (DRIVE_TYPES as readonly string[]).includes(values.drive) ? (values.drive as DriveType) : 'default'
  }
  return `${locationPrefix({name: 'alipan', profile: location.profile, drive})}${path}`
}

export function listLocations(context: Context): CryptLocationInfo[] {
  const all = new CryptLocations(context.profile.dir).all()
  return Object.keys(all)
    .sort()
    .map((name) => info(name, all[name]))
}

/** `crypt remove`: the settings go; the encrypted files stay on the drive. */
export async function removeLocation(context: Context, name: string): Promise<CryptLocationInfo> {
  const store = new CryptLocations(context.profile.dir)
  const stored = store.get(name)
  if (!stored) throw new NotFoundError(`There is no encrypted location named ${name}.`, {hint: 'see `alipan crypt list`'})
  await store.remove(name)
  return info(name, stored)
}

export interface ImportOptions {
  /** The section of rclone.conf. */
  section: string
  /** The rclone.conf file (`-`: its text on standard input). */
  config: string
  stdin?: NodeJS.ReadableStream
  /** Where on Alipan the section's ciphertext lives (rclone's own `remote =` names an rclone remote). */
  remote: string
  /** The location's name (default: the section's). */
  name?: string
}

/** `crypt import`: a crypt section of an rclone.conf as an encrypted location. */
export async function importLocation(context: Context, options: ImportOptions): Promise<CryptLocationInfo & {section: string; rclone_remote: string}> {
  const text = await readConfig(options.config, options.stdin)
  const section = cryptRemoteFromConfig(text, options.section)
  const added = await addLocation(context, {
    name: options.name ?? section.name,
    remote: options.remote,
    password: section.password,
    password2: section.password2,
    filenameEncryption: section.filenameEncryption,
    directoryNameEncryption: section.directoryNameEncryption,
    filenameEncoding: section.filenameEncoding,
    suffix: section.suffix,
  })
  return {...added, section: section.name, rclone_remote: section.remote}
}

export interface ExportOptions {
  name: string
  /** What rclone's `remote =` says: where rclone finds the same encrypted files. */
  rcloneRemote: string
  /** The section's name (default: the location's). */
  section?: string
  /** Write into this rclone.conf (the section replaced or added); without: the caller prints the text. */
  config?: string
}

/** `crypt export`: the location as rclone's crypt section, passwords obscured as rclone writes them. */
export async function exportLocation(context: Context, options: ExportOptions): Promise<{name: string; section: string; rclone_remote: string; config: string | null; text: string}> {
  const store = new CryptLocations(context.profile.dir)
  const location = store.revealed(options.name)
  if (!location) throw new NotFoundError(`There is no encrypted location named ${options.name}.`, {hint: 'see `alipan crypt list`'})
  if (options.rcloneRemote.trim() === '') throw new UsageError('--rclone-remote is empty.', {hint: 'where rclone finds the encrypted files: a local folder holding them, or a remote reaching the same Alipan folder'})
  const section = rcloneSection(options.section ?? options.name, options.rcloneRemote.trim(), location)
  if (options.config) await saveCryptRemote(options.config, section)
  return {name: options.name, section: section.name, rclone_remote: section.remote, config: options.config ?? null, text: formatCryptSection(section)}
}

function rcloneSection(name: string, remote: string, location: RevealedCryptLocation): CryptRemoteConfig {
  return {
    name,
    remote,
    password: location.password,
    password2: location.password2,
    filenameEncryption: location.filename_encryption,
    directoryNameEncryption: location.directory_name_encryption,
    filenameEncoding: location.filename_encoding,
    ...(location.suffix === undefined ? {} : {suffix: location.suffix}),
  }
}

/** rclone's own default: $RCLONE_CONFIG, else ~/.config/rclone/rclone.conf (%APPDATA%\rclone on Windows). */
export function defaultRcloneConfig(): string {
  if (process.env.RCLONE_CONFIG) return process.env.RCLONE_CONFIG
  if (process.platform === 'win32' && process.env.APPDATA) return join(process.env.APPDATA, 'rclone', 'rclone.conf')
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'rclone', 'rclone.conf')
}

async function readConfig(path: string, stdin?: NodeJS.ReadableStream): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of stdin ?? process.stdin) chunks.push(Buffer.from(chunk as Buffer))
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`No such rclone.conf: ${path}`, {hint: 'give the file with --config (rclone config file prints where rclone keeps it)'})
    throw asLocalFsError(error, path, 'reading')
  }
}

function info(name: string, stored: CryptLocation): CryptLocationInfo {
  return {
    name,
    remote: stored.remote,
    filename_encryption: stored.filename_encryption,
    directory_name_encryption: stored.directory_name_encryption,
    filename_encoding: stored.filename_encoding,
    password2: Boolean(stored.password2),
    ...(stored.suffix === undefined ? {} : {suffix: stored.suffix}),
  }
}
