import {readFileSync} from 'node:fs'
import {rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ensurePrivateDir} from '../auth/credentials.js'
import {AlipanError, ExitCode, UsageError, asConfigFsError} from '../errors.js'
import {NAME_ENCODINGS, type NameEncoding} from './encodings.js'
import {NAME_MODES, type NameMode} from './names.js'
import {obscure, reveal} from './obscure.js'

/**
 * The encrypted locations of a profile, in `crypt.json` beside its `credentials.json`: the same
 * private folder (0700), the file itself 0600, written atomically. The passwords in it are
 * obscured as rclone obscures them in rclone.conf (anyone with the file can reveal them: the
 * file's permissions are the protection). They live apart from the login so that renewing a
 * token (which rewrites credentials.json under its lock) and `alipan logout` (which deletes it)
 * never touch them: losing them would make the backups unreadable.
 *
 * Reading it loads nothing of the crypt library: every command that parses a remote path asks
 * which names exist.
 */
export interface CryptLocation {
  /** Where the encrypted files live: a location of this profile, or of another (`alipan@work:/vault`). */
  remote: string
  /** Obscured. */
  password: string
  /** Obscured; absent: rclone's built-in salt. */
  password2?: string
  filename_encryption: NameMode
  directory_name_encryption: boolean
  filename_encoding: NameEncoding
  /** `off` mode's file suffix, when not `.bin`. */
  suffix?: string
}

/** The same location with its passwords revealed (in memory only). */
export interface RevealedCryptLocation extends Omit<CryptLocation, 'password' | 'password2'> {
  name: string
  password: string
  password2: string
}

interface FileShape {
  version: 1
  locations: Record<string, CryptLocation>
}

/** A location's name: two characters or more (never a Windows drive letter), letters, digits, `_` and `-`. */
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/

export function validateLocationName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw new UsageError(`"${name}" cannot name an encrypted location.`, {hint: 'use 2 to 64 letters, digits, "_" and "-", starting with a letter or digit (one letter would read as a Windows drive)'})
  }
  if (name.toLowerCase() === 'alipan') throw new UsageError('"alipan" names the drive itself; choose another name for the encrypted location.')
  return name
}

export class CryptLocations {
  readonly path: string

  constructor(readonly dir: string) {
    this.path = join(dir, 'crypt.json')
  }

  /** Every location, as stored (passwords obscured). */
  all(): Record<string, CryptLocation> {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw asConfigFsError(error, this.path, 'reading')
    }
    let data: Partial<FileShape>
    try {
      data = JSON.parse(text) as Partial<FileShape>
    } catch (error) {
      throw unreadable(this.path, error)
    }
    if (!data || typeof data !== 'object' || typeof data.locations !== 'object' || data.locations === null) throw unreadable(this.path, new Error('no locations'))
    return data.locations
  }

  names(): string[] {
    return Object.keys(this.all()).sort()
  }

  get(name: string): CryptLocation | undefined {
    const all = this.all()
    return Object.hasOwn(all, name) ? all[name] : undefined
  }

  /**
   * A location with its passwords revealed. They are not registered for redaction: nothing makes a
   * message of them, and redacting them inside other text (a path holding the same word) would
   * give them away.
   */
  revealed(name: string): RevealedCryptLocation | undefined {
    const stored = this.get(name)
    if (!stored) return undefined
    const password = reveal(stored.password, `the password of ${name} (in ${this.path})`)
    const password2 = stored.password2 ? reveal(stored.password2, `password2 of ${name} (in ${this.path})`) : ''
    const {password: _p, password2: _q, ...rest} = stored
    return {...rest, name, password, password2}
  }

  async put(name: string, location: RevealedCryptLocation | CryptLocation, obscured = false): Promise<void> {
    const stored: CryptLocation = {
      remote: location.remote,
      password: obscured ? location.password : obscure(location.password),
      ...(location.password2 ? {password2: obscured ? location.password2 : obscure(location.password2)} : {}),
      filename_encryption: checkMode(location.filename_encryption),
      directory_name_encryption: location.directory_name_encryption,
      filename_encoding: checkEncoding(location.filename_encoding),
      ...(location.suffix === undefined ? {} : {suffix: location.suffix}),
    }
    await this.write({...this.all(), [validateLocationName(name)]: stored})
  }

  /** False when there was no such location. */
  async remove(name: string): Promise<boolean> {
    const all = this.all()
    if (!Object.hasOwn(all, name)) return false
    delete all[name]
    await this.write(all)
    return true
  }

  private async write(locations: Record<string, CryptLocation>): Promise<void> {
    const temp = `${this.path}.${process.pid}.tmp`
    try {
      ensurePrivateDir(this.dir)
      await writeFile(temp, `${JSON.stringify({version: 1, locations} satisfies FileShape, undefined, '\t')}\n`, {mode: 0o600})
      await rename(temp, this.path)
    } catch (error) {
      await rm(temp, {force: true}).catch(() => undefined)
      throw asConfigFsError(error, this.path, 'saving the encrypted locations to')
    }
  }
}

function checkMode(mode: string): NameMode {
  if (!NAME_MODES.includes(mode as NameMode)) throw new UsageError(`Filename encryption ${mode} is not one of ${NAME_MODES.join(', ')}.`)
  return mode as NameMode
}

function checkEncoding(encoding: string): NameEncoding {
  if (!NAME_ENCODINGS.includes(encoding as NameEncoding)) throw new UsageError(`Filename encoding ${encoding} is not one of ${NAME_ENCODINGS.join(', ')}.`)
  return encoding as NameEncoding
}

function unreadable(path: string, error: unknown): AlipanError {
  return new AlipanError(`The encrypted locations file ${path} is unreadable (${(error as Error).message}).`, ExitCode.usage, {
    code: 'CryptConfigCorrupt',
    hint: 'fix or remove it, then add the locations again with `alipan crypt add` or `alipan crypt import`',
  })
}
