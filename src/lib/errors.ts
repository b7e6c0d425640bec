/**
 * Expected failures carry their exit code and a "what to do next" hint; anything else is a bug
 * (exit 1). The exit codes are part of the CLI's interface and listed in README.
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  network: 5,
  conflict: 6,
  quota: 7,
  notReady: 8,
  localFs: 9,
  /** Encrypted data that does not decrypt: wrong password, not rclone-crypt, corrupted or truncated. */
  crypt: 10,
  interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface AlipanErrorOptions {
  /** Stable machine-readable code, e.g. the API's `NotFound.File` or our own `NotLoggedIn`. */
  code?: string
  hint?: string
  cause?: unknown
}

export class AlipanError extends Error {
  readonly exitCode: ExitCodeValue
  readonly code: string
  readonly hint?: string

  constructor(message: string, exitCode: ExitCodeValue, options: AlipanErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.exitCode = exitCode
    this.code = options.code ?? new.target.name.replace(/Error$/, '')
    this.hint = options.hint
  }
}

export class UsageError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.usage, options)
  }
}

export class NotFoundError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.notFound, options)
  }
}

export class AuthError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.auth, {hint: 'run `alipan login`', ...options})
  }
}

export class NetworkError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.network, options)
  }
}

export class ConflictError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.conflict, options)
  }
}

export class QuotaError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.quota, options)
  }
}

export class NotReadyError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.notReady, options)
  }
}

/** The local file system refused (full, read-only, no permission, too many open files): the user's to fix. */
export class LocalFsError extends AlipanError {
  readonly path?: string

  constructor(message: string, options?: AlipanErrorOptions & {path?: string}) {
    super(message, ExitCode.localFs, options)
    this.path = options?.path
  }
}

const LOCAL_FS_ERRORS: Record<string, {what: string; hint: string}> = {
  ENOSPC: {what: 'no space left on the device', hint: 'free some space there and run the command again'},
  EDQUOT: {what: 'the disk quota is exhausted', hint: 'free some space within your quota and run the command again'},
  EROFS: {what: 'the file system is read-only', hint: 'choose a writable location'},
  EACCES: {what: 'permission denied', hint: 'check the permissions of that path, or choose another'},
  EPERM: {what: 'operation not permitted', hint: 'check the permissions of that path, or choose another'},
  // Windows: another program has the file open (an editor, a player, a virus scan) and shares it
  // no further. Elsewhere: a mount point or a device in use.
  EBUSY: {what: 'it is busy or locked by another program', hint: 'close the program that has it open and run the command again'},
  EMFILE: {what: 'too many open files', hint: 'raise the open-file limit (`ulimit -n`) or use fewer --transfers'},
  ENFILE: {what: 'too many open files in the system', hint: 'close other programs or raise the system-wide limit'},
  ENAMETOOLONG: {what: 'the name is too long for the local file system', hint: 'download it under a shorter name'},
  EFBIG: {what: 'the file is too large for the local file system', hint: 'choose a location on a file system that holds large files'},
}

const WINDOWS_REFUSAL_HINT = 'close any program that has it open, make sure it is not read-only, or choose another path'

/** The errno code of a Node file-system error that the user must fix locally, if it is one. */
export function localFsCode(error: unknown): string | undefined {
  const code = (error as {code?: unknown} | undefined)?.code
  return typeof code === 'string' && Object.hasOwn(LOCAL_FS_ERRORS, code) ? code : undefined
}

/**
 * A Node file-system error as a one-line message naming the path, with what to do (exit 9).
 * Anything else is returned unchanged, so callers can wrap every local write with it. `hint`
 * replaces the generic advice where the caller knows better (a `.part` kept for resume).
 */
export function asLocalFsError(error: unknown, path?: string, action = 'writing', hint?: string): unknown {
  if (error instanceof AlipanError) return error
  const code = localFsCode(error)
  if (!code) return error
  const where = path ?? (error as {path?: string}).path
  const {what} = LOCAL_FS_ERRORS[code]
  // Windows answers "access denied" (EPERM) for a file another program holds open or one marked
  // read-only far more often than for missing permissions.
  const generic = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES') ? WINDOWS_REFUSAL_HINT : LOCAL_FS_ERRORS[code].hint
  return new LocalFsError(`${action[0].toUpperCase()}${action.slice(1)}${where ? ` ${where}` : ''} failed: ${what} (${code}).`, {code, hint: hint ?? generic, path: where, cause: error})
}

/** What to do when alipan's own folder refuses a write (read-only, no permission). */
export const CONFIG_DIR_HINT = 'make the config folder writable, or set ALIPAN_CONFIG_DIR to a folder that is'

/** asLocalFsError for alipan's own files (credentials, settings, locks): a refusal points at the config folder. */
export function asConfigFsError(error: unknown, path: string, action: string): unknown {
  const refused = ['EROFS', 'EACCES', 'EPERM'].includes(localFsCode(error) ?? '')
  return asLocalFsError(error, path, action, refused ? CONFIG_DIR_HINT : undefined)
}

export class InterruptedError extends AlipanError {
  constructor(message = 'Interrupted', options?: AlipanErrorOptions) {
    super(message, ExitCode.interrupted, options)
  }
}

/** True for the error an aborted AbortSignal produces, whoever threw it. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof InterruptedError) return true
  const name = (error as {name?: string} | undefined)?.name
  const code = (error as {code?: string} | undefined)?.code
  return name === 'AbortError' || code === 'ABORT_ERR' || code === 'ERR_ABORTED'
}

/** Throws InterruptedError when the signal has fired; call between steps of long jobs. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new InterruptedError()
}
