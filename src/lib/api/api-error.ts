import {AlipanError, ExitCode, type ExitCodeValue} from '../errors.js'
import {redactText} from '../redact.js'
import type {ApiErrorBody} from './wire.js'

/**
 * An error answered by the Open API (§7.1): business errors `{code, message, requestId}`, the
 * gateway's default shape, plain-text bodies (413) and the online service's `{text}`. The API's
 * own message is kept; codes users meet get a plain explanation and what to do next.
 */
export class ApiError extends AlipanError {
  readonly status: number
  readonly apiCode: string
  readonly requestId?: string
  /** `x-retry-after` in milliseconds, when the service sent one. */
  readonly retryAfterMs?: number
  /** The online token service's `{text}` body (§2.8): how it words a refusal, even with status 500. */
  readonly text?: string
  /**
   * An earlier attempt of the same call failed in a way that may have carried it out (a dropped
   * connection, a 5xx): this answer may be the service refusing what that attempt already did.
   */
  afterLostAnswer = false

  constructor(
    message: string,
    exitCode: ExitCodeValue,
    details: {status: number; apiCode: string; requestId?: string; hint?: string; retryAfterMs?: number; text?: string},
  ) {
    super(message, exitCode, {code: details.apiCode, hint: details.hint})
    this.status = details.status
    this.apiCode = details.apiCode
    this.requestId = details.requestId
    this.retryAfterMs = details.retryAfterMs
    this.text = details.text
  }
}

const LOGIN_HINT = 'run `alipan login`'

interface Explanation {
  exit: ExitCodeValue
  message?: string
  hint?: string
}

/** Codes with a fixed meaning (§7.2). Prefix matches (`NotFound.`) are handled in `explain`. */
const EXPLANATIONS: Record<string, Explanation> = {
  AccessTokenInvalid: {exit: ExitCode.auth, message: 'Alipan did not accept the access token.', hint: LOGIN_HINT},
  AccessTokenExpired: {exit: ExitCode.auth, message: 'The access token has expired and could not be renewed.', hint: LOGIN_HINT},
  I400JD: {exit: ExitCode.auth, message: 'Alipan did not accept the access token (I400JD).', hint: LOGIN_HINT},
  RefreshTokenExpired: {exit: ExitCode.auth, message: 'Your login has expired (a refresh token lasts 90 days).', hint: LOGIN_HINT},
  RefreshTokenInvalid: {exit: ExitCode.auth, message: 'The stored refresh token is not valid.', hint: LOGIN_HINT},
  AccessDenied: {
    exit: ExitCode.auth,
    message: 'Alipan refused the refresh token: it was already used, revoked, or belongs to another app.',
    hint: LOGIN_HINT,
  },
  InvalidClientId: {exit: ExitCode.auth, message: 'Alipan does not know this client id.', hint: 'check ALIPAN_CLIENT_ID'},
  InvalidClientSecret: {exit: ExitCode.auth, message: 'The client secret is wrong.', hint: 'check ALIPAN_CLIENT_SECRET'},
  AppNotExists: {exit: ExitCode.auth, message: 'The app behind this client id does not exist.', hint: 'check ALIPAN_CLIENT_ID'},
  InvalidCode: {exit: ExitCode.auth, message: 'The authorization code is empty, expired or already used.', hint: LOGIN_HINT},
  PermissionDenied: {
    exit: ExitCode.auth,
    message: 'Alipan refused access: the authorization was revoked in the app, or it lacks a needed scope.',
    hint: 'run `alipan login` again to re-authorize',
  },
  UserNotAllowedAccessDrive: {
    exit: ExitCode.auth,
    message: 'This login was not granted access to that drive.',
    hint: 'run `alipan login` again and allow the drive, or pick another with --drive',
  },
  UserNotAllowedAccessResource: {
    exit: ExitCode.auth,
    message: 'Alipan has restricted this account for a rule violation, so the service refuses this operation.',
    hint: 'see the notice in the Alipan app; nothing in this tool can lift it',
  },
  ForbiddenDriveLocked: {exit: ExitCode.auth, message: 'This drive is locked.', hint: 'unlock it in the Alipan app'},
  ForbiddenDriveNotValid: {exit: ExitCode.auth, message: 'This drive is not valid for this account.'},
  ExceedCapacityForbidden: {
    exit: ExitCode.quota,
    message: 'Your Alipan storage is over its capacity, so the service blocks this (video playback and some downloads stay blocked until you are under it).',
    hint: 'free space (empty the recycle bin) or extend your storage plan in the Alipan app',
  },
  'QuotaExhausted.Drive': {
    exit: ExitCode.quota,
    message: 'The drive is full.',
    hint: 'free space (delete files, empty the recycle bin in the Alipan app) and try again',
  },
  'Payload Too Large': {
    exit: ExitCode.quota,
    message: 'The file is larger than your account allows for a single file.',
    hint: 'larger single files need a higher membership or the third-party benefit pack',
  },
  'AlreadyExist.File': {exit: ExitCode.conflict, message: 'A file or folder with that name already exists.'},
  ForbiddenFileInTheRecycleBin: {
    exit: ExitCode.notFound,
    message: 'That item is in the recycle bin.',
    hint: 'restore it in the Alipan app first',
  },
  VideoPreviewWaitAndRetry: {
    exit: ExitCode.notReady,
    message: 'Transcoding in progress, try again in a minute.',
  },
  TooManyRequests: {
    exit: ExitCode.network,
    message: 'Alipan kept answering "too many requests".',
    hint: 'wait a minute and try again, or run fewer alipan processes at once',
  },
  FileShareNotAllowed: {exit: ExitCode.unexpected, message: 'Sharing this file is not allowed.'},
}

export function explain(apiCode: string, status: number): Explanation {
  const fixed = EXPLANATIONS[apiCode]
  if (fixed) return fixed
  if (apiCode.startsWith('NotFound.')) return {exit: ExitCode.notFound}
  if (apiCode.startsWith('QuotaExhausted')) return EXPLANATIONS['QuotaExhausted.Drive']
  if (status === 401) return {exit: ExitCode.auth, hint: LOGIN_HINT}
  if (status === 404) return {exit: ExitCode.notFound}
  if (status === 429 || status >= 500 || status === 408) return {exit: ExitCode.network}
  return {exit: ExitCode.unexpected}
}

export function parseErrorBody(text: string): ApiErrorBody | undefined {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(trimmed)
    return parsed && typeof parsed === 'object' ? (parsed as ApiErrorBody) : undefined
  } catch {
    return undefined
  }
}

/** Build the error for a non-2xx response of the Open API or the online token service. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined> = {},
): ApiError {
  const body = parseErrorBody(bodyText)
  const plain = body ? undefined : bodyText.trim().slice(0, 200)
  // §7.1: business error → code; gateway default → `error`; plain text (413) → the text itself.
  const apiCode = body?.code ?? (body?.error ? `HTTP${status}` : undefined) ?? (plain && plain.length < 60 ? plain : `HTTP${status}`)
  const serviceMessage = body?.message ?? body?.text ?? body?.error ?? plain ?? ''
  const explanation = explain(apiCode, status)
  const message = explanation.message
    ? serviceMessage && serviceMessage !== apiCode
      ? `${explanation.message} (${apiCode}: ${serviceMessage})`
      : explanation.message
    : `${apiCode}${serviceMessage && serviceMessage !== apiCode ? `: ${serviceMessage}` : ''} (HTTP ${status})`
  return new ApiError(redactText(message), explanation.exit, {
    status,
    apiCode,
    requestId: body?.requestId,
    hint: explanation.hint,
    retryAfterMs: parseRetryAfter(headers),
    text: typeof body?.text === 'string' ? body.text : undefined,
  })
}

/** `x-retry-after` is milliseconds (§7.4); a standard `Retry-After` (seconds) is honoured too. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
  const ms = Number(first(headers['x-retry-after']))
  if (Number.isFinite(ms) && ms >= 0 && first(headers['x-retry-after']) !== undefined) return ms
  const seconds = Number(first(headers['retry-after']))
  if (Number.isFinite(seconds) && seconds >= 0 && first(headers['retry-after']) !== undefined) return seconds * 1000
  return undefined
}

/** Token problems that a refresh may cure (§2.7). */
export function isTokenRejected(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.apiCode === 'AccessTokenInvalid' ||
      error.apiCode === 'AccessTokenExpired' ||
      error.apiCode === 'I400JD' ||
      (error.status === 401 && !error.apiCode.startsWith('RefreshToken')))
  )
}

export function isNotFound(error: unknown): boolean {
  return error instanceof AlipanError && error.exitCode === ExitCode.notFound
}

/** The service's answer behind an error: the error itself, or its cause (oauth.ts wraps the online service's). */
export function apiErrorBehind(error: unknown): ApiError | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as {cause?: unknown}).cause, depth++) {
    if (e instanceof ApiError) return e
  }
  return undefined
}
