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
