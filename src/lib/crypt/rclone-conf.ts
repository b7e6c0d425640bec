import {readFile, realpath, rename, rm, writeFile} from 'node:fs/promises'

import {ConflictError, UsageError, asLocalFsError} from '../errors.js'
import {NAME_ENCODINGS, type NameEncoding} from './encodings.js'
import {NAME_MODES, type NameMode} from './names.js'
import {obscure, reveal} from './obscure.js'

/**
 * A `type = crypt` section of rclone.conf: what a user imports from rclone (and exports to it),
 * so that the two tools read the same encrypted files. Passwords here are revealed (plain); in
 * the file they are obscured.
 */
export interface CryptRemoteConfig {
  /** The section's name (`[vault]`). */
  name: string
  /** What rclone encrypts into (`alipan:/vault`, `/mnt/backup`, `webdav:/x`); kept as written. */
  remote: string
  password: string
  /** The salt's password; '' for rclone's built-in salt. */
  password2: string
  filenameEncryption: NameMode
  directoryNameEncryption: boolean
  filenameEncoding: NameEncoding
  /** `off` mode's suffix when not `.bin` (rclone's `suffix`, newer than 1.60). */
  suffix?: string
}

type Sections = Map<string, Map<string, string>>

const CONF_HINT = 'check the file with `rclone config show`'

/** The sections of an rclone.conf, keys as written, values unquoted. */
export function parseRcloneConfig(text: string): Sections {
  if (/^\s*(#[^\n]*\n\s*)*RCLONE_ENCRYPT_V0:/.test(text)) {
    throw new UsageError('This rclone.conf is itself encrypted (RCLONE_ENCRYPT_V0): alipan cannot read it.', {
      code: 'RcloneConfigEncrypted',
      hint: 'print the section in clear with `rclone config show NAME` and give alipan that text',
    })
  }
  const sections: Sections = new Map()
  let current: Map<string, string> | undefined
  for (const [i, raw] of text.replace(/^\uFEFF/, '').split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      current = new Map()
      sections.set(header[1].trim(), current)
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0 || !current) throw new UsageError(`rclone.conf line ${i + 1} is neither a [section] nor key = value.`, {code: 'RcloneConfigSyntax', hint: CONF_HINT})
    current.set(line.slice(0, eq).trim(), unquote(line.slice(eq + 1).trim()))
  }
  return sections
}

function unquote(value: string): string {
  for (const quote of ['"""', '"', '`']) {
    if (value.length >= 2 * quote.length && value.startsWith(quote) && value.endsWith(quote)) return value.slice(quote.length, -quote.length)
  }
  return value
}

/**
 * The crypt remote `name` of an rclone.conf, passwords revealed. A missing section, another type,
 * a missing or badly obscured password, or a setting alipan does not handle: exit 2, saying which.
 */
export function cryptRemoteFromConfig(text: string, name: string): CryptRemoteConfig {
  const sections = parseRcloneConfig(text)
  const section = sections.get(name)
  if (!section) {
    const crypts = [...sections].filter(([, s]) => s.get('type') === 'crypt').map(([n]) => n)
    throw new UsageError(`rclone.conf has no section [${name}].`, {
      code: 'RcloneConfigNoSection',
      hint: crypts.length > 0 ? `its crypt sections: ${crypts.join(', ')}` : 'it has no crypt section at all; create one with `rclone config`',
    })
  }
  const setting = (key: string) => section.get(key)
  if (setting('type') !== 'crypt') throw new UsageError(`[${name}] in rclone.conf is a ${setting('type') ?? 'section without a type'}, not a crypt remote.`, {code: 'RcloneConfigNotCrypt', hint: CONF_HINT})
  const remote = setting('remote')
  if (!remote) throw new UsageError(`[${name}] in rclone.conf has no remote.`, {code: 'RcloneConfigIncomplete', hint: CONF_HINT})
  const obscured = setting('password')
  if (!obscured) throw new UsageError(`[${name}] in rclone.conf has no password.`, {code: 'RcloneConfigIncomplete', hint: CONF_HINT})
  if (truthy(setting('no_data_encryption'), `[${name}] no_data_encryption`)) {
    throw new UsageError(`[${name}] has no_data_encryption set: alipan only handles encrypted file contents.`, {code: 'RcloneConfigUnsupported', hint: 'use a crypt remote that encrypts data'})
  }
  const mode = (setting('filename_encryption') ?? 'standard').toLowerCase()
  if (!NAME_MODES.includes(mode as NameMode)) throw new UsageError(`[${name}] filename_encryption = ${mode} is not one of ${NAME_MODES.join(', ')}.`, {code: 'RcloneConfigBadValue', hint: CONF_HINT})
  const encoding = (setting('filename_encoding') ?? 'base32').toLowerCase()
  if (!NAME_ENCODINGS.includes(encoding as NameEncoding)) throw new UsageError(`[${name}] filename_encoding = ${encoding} is not one of ${NAME_ENCODINGS.join(', ')}.`, {code: 'RcloneConfigBadValue', hint: CONF_HINT})
  const password2 = setting('password2')
  return {
    name,
    remote,
    password: reveal(obscured, `the password of [${name}]`),
    password2: password2 ? reveal(password2, `password2 of [${name}]`) : '',
    filenameEncryption: mode as NameMode,
    directoryNameEncryption: truthy(setting('directory_name_encryption') ?? 'true', `[${name}] directory_name_encryption`),
    filenameEncoding: encoding as NameEncoding,
    ...(setting('suffix') === undefined ? {} : {suffix: setting('suffix')}),
  }
}

/** Go's strconv.ParseBool, which rclone reads its booleans with. */
function truthy(value: string | undefined, what: string): boolean {
  if (value === undefined || value === '') return false
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new UsageError(`${what} = ${value} is not true or false.`, {code: 'RcloneConfigBadValue', hint: CONF_HINT})
}

/** The section rclone would write for this remote, passwords obscured (a fresh IV each time). */
export function formatCryptSection(config: CryptRemoteConfig): string {
  if (/[[\]\r\n]/.test(config.name) || config.name.trim() !== config.name || config.name === '') throw new UsageError(`${JSON.stringify(config.name)} cannot name an rclone.conf section.`)
  const lines = [
    `[${config.name}]`,
    'type = crypt',
    `remote = ${config.remote}`,
    `password = ${obscure(config.password)}`,
    ...(config.password2 ? [`password2 = ${obscure(config.password2)}`] : []),
    `filename_encryption = ${config.filenameEncryption}`,
    `directory_name_encryption = ${config.directoryNameEncryption}`,
    `filename_encoding = ${config.filenameEncoding}`,
    ...(config.suffix === undefined ? [] : [`suffix = ${config.suffix}`]),
  ]
  for (const line of lines) if (/[\r\n]/.test(line)) throw new UsageError('A crypt setting holds a line break: rclone.conf cannot carry it.')
  return `${lines.join('\n')}\n`
}

/** `text` with section `name` replaced by `section` (or appended); everything else kept as it was. */
export function withSection(text: string, name: string, section: string): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)
  const start = lines.findIndex((line) => line.trim() === `[${name}]`)
  if (start === -1) return `${lines.length > 0 ? `${lines.join('\n')}\n\n` : ''}${section}`
  let end = start + 1
  while (end < lines.length && !/^\s*\[.+\]\s*$/.test(lines[end])) end++
  // Keep the blank line before the next section.
  while (end > start + 1 && lines[end - 1].trim() === '') end--
  const kept = [...lines.slice(0, start), ...section.replace(/\n$/, '').split('\n'), ...lines.slice(end)]
  return `${kept.join('\n')}\n`
}

/** Write (or replace) the crypt section in the rclone.conf at `path`: 0600, via a temp file and rename. */
export async function saveCryptRemote(path: string, config: CryptRemoteConfig): Promise<void> {
  const before = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw asLocalFsError(error, path, 'reading')
  })
  const existing = parseRcloneConfig(before).get(config.name) // refuses a file we cannot read
  const type = existing?.get('type')
  if (existing && type !== 'crypt') {
    throw new ConflictError(`${path} already has a remote [${config.name}] of type ${type ?? '(none)'}; it is left alone.`, {hint: 'export under another name (alipan crypt export NAME --section OTHER)'})
  }
  // A symlinked rclone.conf (dotfiles) stays a link: the file it points to is rewritten.
  path = await realpath(path).catch(() => path)
  const temp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temp, withSection(before, config.name, formatCryptSection(config)), {mode: 0o600})
    await rename(temp, path)
  } catch (error) {
    await rm(temp, {force: true})
    throw asLocalFsError(error, path)
  }
}
