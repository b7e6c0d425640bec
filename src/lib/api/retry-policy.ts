import type {ApiError} from './api-error.js'
import type {Endpoint} from './client.js'

/**
 * The retry rules of every API call, apart from the loop that applies them (client.ts) and the
 * per-endpoint list (endpoints.ts).
 */

/**
 * What may be sent again after an answer that may have been lost (a 5xx, a 408, a dropped
 * connection): the first attempt may or may not have been carried out. Set per endpoint in
 * endpoints.ts, where the list is written out.
 */
export type RetryKind =
  /** Sending it twice changes nothing more: resend. */
  | 'safe'
  /** A resend could duplicate or fail: resend only after the caller's `check()` found it not done. */
  | 'check'
  /** The token endpoint: resend with the same refresh token; a refusal then means the lost attempt spent it. */
  | 'token'

export interface RetryPolicy {
  /** Attempts of a call meeting 5xx, 408 or dropped connections (the `retries` setting, `--retries`). */
  maxAttempts: number
  /** After this long since a call's first attempt, a 5xx or dropped connection is not retried again. */
  maxElapsedMs: number
  /** Attempts while the service answers 429 (any call: a 429 was not carried out). */
  max429Attempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** Longest `x-retry-after` we are willing to wait; longer → give up (exit 5). */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  maxElapsedMs: 120_000,
  max429Attempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
}

/** Bounds of the `retries` setting and flag (attempts per call). */
export const MIN_ATTEMPTS = 1
export const MAX_ATTEMPTS = 20

/** What a check found out about a call whose answer may have been lost. */
export type Checked<T> = {done: true; value: T} | {done: false}
/** The check found no trace of the earlier attempt: send again. */
export const NOT_DONE: Checked<never> = {done: false}
export function alreadyDone<T>(value: T): Checked<T> {
  return {done: true, value}
}

/** How a write learns, after an answer that may have been lost, whether it already took effect. */
export interface RetryHooks<T> {
  /**
   * `check` calls: run before each resend after a 5xx, 408 or dropped connection, to learn whether
   * an earlier attempt took effect (then its result is the call's). Without it, such a call is not
   * sent again.
   */
  check?: () => Promise<Checked<T>>
  /**
   * An error answered to a resend that means a lost earlier attempt did the work (trashing an
   * entry that is already in the recycle bin): the result to return instead, or undefined.
   */
  settledBy?: (error: ApiError) => Promise<T | undefined> | T | undefined
}

/** Network failures where the request certainly never reached the server: safe to resend anything. */
export const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])
/** Dropped connections: the request may or may not have been carried out. */
export const LOST = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE'])
/** Statuses of a call that may have been carried out (a gateway may answer 502 after the work was done). */
const RETRYABLE_STATUS = new Set([408, 500, 502, 503, 504])

/** `openFile/create`, `alicloud/renewapi`: how --debug names a call. */
export function callName(endpoint: Endpoint, url: string): string {
  const path = endpoint.path || new URL(url).pathname
  return path.replace(/^\/(adrive|business)?\/?v1\.0\//, '').replace(/^\//, '')
}

/**
 * A 5xx, 408: the call may have been carried out before the failure. The online token service
 * answers its refusals (a spent token) as 500 `{text}` (§2.8): a definite answer, not an outage.
 */
export function mayHaveBeenCarriedOut(endpoint: Pick<Endpoint, 'path'>, error: ApiError): boolean {
  if (!RETRYABLE_STATUS.has(error.status)) return false
  return !(endpoint.path.startsWith('/alicloud/') && error.status === 500 && error.text !== undefined)
}

