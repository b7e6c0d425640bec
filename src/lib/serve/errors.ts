import {ApiError, apiErrorBehind} from '../api/api-error.js'
import {AlipanError, ExitCode, InterruptedError} from '../errors.js'

/** A WebDAV answer decided by a handler: the status, and for a 207-less error an optional XML precondition (RFC 4918 §16). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** `<D:error>` child element name in the DAV: namespace, e.g. `lock-token-submitted`. */
    readonly condition?: string,
    readonly headers: Record<string, string> = {},
    /** Resources the condition names (the lock in the way). */
    readonly hrefs: string[] = [],
  ) {
    super(message)
    this.name = 'DavError'
  }
}

export interface DavStatus {
  status: number
  message: string
  condition?: string
  headers: Record<string, string>
  hrefs?: string[]
}

/** A 429 that outlasted the retries: tell the client when to come back, never leave it hanging. */
const DEFAULT_RETRY_AFTER_SEC = 10

/**
 * The status a failure becomes (pure). Service faults map to the nearest WebDAV status: the
 * service still throttling after the client's retries → 503 with Retry-After; a full drive →
 * 507; a missing entry → 404; a clash → 409; an unreachable or failing service, a lost login,
 * a corrupted transfer → 502. Anything unexpected is a 500.
 */
export function statusFor(error: unknown): DavStatus {
  if (error instanceof DavError) return {status: error.status, message: error.message, condition: error.condition, headers: error.headers, hrefs: error.hrefs}
  if (error instanceof InterruptedError) return {status: 503, message: 'The server is shutting down.', headers: {'retry-after': '5'}}
  const api = apiErrorBehind(error)
  if (api && (api.status === 429 || api.apiCode === 'TooManyRequests')) {
    return {status: 503, message: api.message, headers: {'retry-after': String(retryAfterSec(api))}}
  }
  // A name the drive will not take came from the client: its request is what is wrong.
  if (api?.apiCode.startsWith('InvalidParameter.Name')) return {status: 400, message: api.message, headers: {}}
  if (error instanceof AlipanError) {
    switch (error.exitCode) {
      case ExitCode.notFound:
        return {status: 404, message: error.message, headers: {}}
      case ExitCode.conflict:
        return {status: 409, message: error.message, headers: {}}
      case ExitCode.quota:
        return {status: 507, message: error.message, headers: {}}
      case ExitCode.localFs:
        return {status: 507, message: error.message, headers: {}}
      case ExitCode.usage:
        return {status: 400, message: error.message, headers: {}}
      case ExitCode.notReady:
        return {status: 503, message: error.message, headers: {'retry-after': '60'}}
      case ExitCode.interrupted:
        return {status: 503, message: 'The server is shutting down.', headers: {'retry-after': '5'}}
      default:
        // auth (the server's own login), network, a checksum mismatch after a transfer
        return {status: 502, message: error.message, headers: {}}
    }
  }
  return {status: 500, message: (error as Error)?.message ?? String(error), headers: {}}
}

function retryAfterSec(error: ApiError): number {
  return error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SEC : Math.max(1, Math.ceil(error.retryAfterMs / 1000))
}

export const badRequest = (message: string) => new DavError(400, message)
export const notFound = (message = 'Not found.') => new DavError(404, message)
export const forbidden = (message: string, condition?: string) => new DavError(403, message, condition)
export const conflict = (message: string, condition?: string) => new DavError(409, message, condition)
export const preconditionFailed = (message: string, condition?: string) => new DavError(412, message, condition)
export const locked = (message: string, href: string) => new DavError(423, message, 'lock-token-submitted', {}, [href])
