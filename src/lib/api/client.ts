import {debug, isDebug} from '../debug.js'
import {loadProxySupport} from '../proxy.js'
import {AlipanError, InterruptedError, NetworkError, isAbortError} from '../errors.js'
import {redactUrl, redactValue} from '../redact.js'
import {backoffDelay, sleep} from '../time.js'
import {ApiError, errorFromResponse, isTokenRejected} from './api-error.js'
import {type HttpResponse, httpJson} from './http.js'
import {type Bucket, Pacer} from './pacer.js'
import {DEFAULT_RETRY, LOST, NOT_SENT, type RetryHooks, type RetryKind, type RetryPolicy, callName, mayHaveBeenCarriedOut} from './retry-policy.js'

/** What the client needs from the credential layer: a current token, and a new one when rejected. */
export interface TokenSource {
  accessToken(signal?: AbortSignal): Promise<string>
  /** Called with the token the service rejected; returns a different, valid one or throws. */
  renew(rejected: string, signal?: AbortSignal): Promise<string>
}

export interface Endpoint {
  method: 'GET' | 'POST'
  path: string
  /** Rate-limit class (§7.3); `none` for calls outside the per-user limits (OAuth). */
  bucket: Bucket | 'none'
  retry: RetryKind
  auth: boolean
}

export interface ApiClientOptions {
  apiUrl: string
  userAgent: string
  tokens?: TokenSource
  pacer?: Pacer
  retry?: Partial<RetryPolicy>
  signal?: AbortSignal
}

/** Body of a call, or a function of the access token the call will carry (rapid-upload proof, §5.4). */
export type RequestBody = object | ((accessToken: string) => object | Promise<object>) | undefined

export interface CallOptions {
  signal?: AbortSignal
  query?: Record<string, string>
}

/**
 * The one HTTP client: every Open API call and the online token service go through `send` (the
 * data plane has its own, data-plane.ts). Retries are written out here so that 429 waits, backoff
 * and token renewal follow the spec's §7.4 rather than library defaults; the request itself is
 * node:http (http.ts), so a one-call command loads no HTTP library at all (issue 16).
 */
export class ApiClient {
  readonly apiUrl: string
  readonly pacer: Pacer
  readonly retry: RetryPolicy
  tokens?: TokenSource
  /**
   * Rewrites the hints of this client's errors. A location in another profile (`alipan@work:`)
   * sets it, so "run `alipan login`" names the login that failed, not the command's.
   */
  hintFor?: (hint: string) => string

  private constructor(private readonly options: ApiClientOptions) {
    this.apiUrl = options.apiUrl
    this.pacer = options.pacer ?? new Pacer()
    this.retry = {...DEFAULT_RETRY, ...options.retry}
    this.tokens = options.tokens
  }

  static async create(options: ApiClientOptions): Promise<ApiClient> {
    // HTTPS_PROXY & co. (proxy.ts), decided per URL so that NO_PROXY is honoured.
    await loadProxySupport()
    return new ApiClient(options)
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal
  }

  /** Call an Open API endpoint and return its JSON. */
  async call<T>(endpoint: Endpoint, body?: RequestBody, options: CallOptions & RetryHooks<T> = {}): Promise<T> {
    const url = `${this.apiUrl}${endpoint.path}`
    if (!this.hintFor) return this.send<T>(endpoint, url, body, options)
    try {
      return await this.send<T>(endpoint, url, body, options)
    } catch (error) {
      if (error instanceof AlipanError && error.hint) Object.defineProperty(error, 'hint', {value: this.hintFor(error.hint)})
      throw error
    }
  }

  /** GET a JSON document from an absolute URL (the online token service, §2.8). */
  async getAbsolute<T>(
    endpoint: Endpoint,
    url: string,
    options: {headers?: Record<string, string>; signal?: AbortSignal} = {},
  ): Promise<{body: T; headers: Record<string, string | string[] | undefined>}> {
    let headers: Record<string, string | string[] | undefined> = {}
    const body = await this.send<T>(endpoint, url, undefined, {signal: options.signal}, options.headers, (h) => {
      headers = h
    })
    return {body, headers}
  }

  private async send<T>(
    endpoint: Endpoint,
    url: string,
    body: RequestBody,
    options: CallOptions & RetryHooks<T>,
    extraHeaders: Record<string, string> = {},
    onHeaders?: (headers: Record<string, string | string[] | undefined>) => void,
  ): Promise<T> {
    const signal = options.signal ?? this.options.signal
    const started = Date.now()
    const name = callName(endpoint, url)
    let attempts = 0
    let throttled = 0
    let renewed = false
    let token: string | undefined
    /** An earlier attempt failed in a way that may have carried it out. */
    let uncertain = false
    let checkFirst = false

    /** Another attempt after a failure, if the policy and the bounds allow; logs why. */
    const retryAfterFailure = async (reason: string, maybeCarriedOut: boolean): Promise<boolean> => {
      const resendable = !maybeCarriedOut || endpoint.retry !== 'check' || options.check !== undefined
      const elapsed = Date.now() - started
      if (!resendable || attempts >= this.retry.maxAttempts || elapsed >= this.retry.maxElapsedMs) {
        if (resendable) debug('retry', `${name}: giving up after ${attempts} attempt(s) in ${elapsed} ms (${reason})`)
        return false
      }
      const wait = backoffDelay(attempts - 1, this.retry.baseDelayMs, this.retry.maxDelayMs)
      const how = maybeCarriedOut && endpoint.retry === 'check' ? 'checking whether it took effect, then trying again' : 'trying again'
      debug('retry', `${name}: attempt ${attempts} of ${this.retry.maxAttempts} failed (${reason}); ${how} in ${wait} ms`)
      if (maybeCarriedOut) {
        uncertain = true
        checkFirst = endpoint.retry === 'check'
      }
      await sleep(wait, signal)
      return true
    }

    for (;;) {
      if (signal?.aborted) throw new InterruptedError()
      if (checkFirst) {
        checkFirst = false
        const found = await options.check!()
        if (found.done) {
          debug('retry', `${name}: the earlier attempt took effect; not sending it again`)
          return found.value
        }
      }
      if (endpoint.bucket !== 'none') await this.pacer.take(endpoint.bucket, signal)
      if (endpoint.auth) {
        if (!this.tokens) throw new AlipanError('internal: an authenticated call without credentials', 1)
        token ??= await this.tokens.accessToken(signal)
      }
      const payload = typeof body === 'function' ? await body(token ?? '') : body
      const headers: Record<string, string> = {'user-agent': this.options.userAgent, ...extraHeaders}
      if (token) headers.authorization = `Bearer ${token}`
      const target = options.query ? `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(options.query)}` : url

      const sent = Date.now()
      attempts++
      if (isDebug()) debug('http', `→ ${endpoint.method} ${redactUrl(url)}`, payload === undefined ? undefined : redactValue(payload))

      let response: HttpResponse
      try {
        response = await httpJson({method: endpoint.method, url: target, headers, json: endpoint.method === 'POST' ? (payload ?? {}) : undefined, signal})
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw new InterruptedError()
        const code = (error as {code?: string}).code ?? ''
        debug('http', `✗ ${endpoint.method} ${redactUrl(url)} ${code} after ${Date.now() - sent} ms`)
        const known = NOT_SENT.has(code) || LOST.has(code)
        if (known && (await retryAfterFailure(code, !NOT_SENT.has(code)))) continue
        throw new NetworkError(`Could not reach ${new URL(url).host}: ${code || (error as Error).message}${attempts > 1 ? ` (${attempts} attempts)` : ''}`, {
          hint: 'check your network connection (or ALIPAN_API_URL) and try again',
          cause: error,
        })
      }

      const status = response.statusCode
      if (isDebug()) debug('http', `← ${status} ${endpoint.method} ${redactUrl(url)} ${Date.now() - sent} ms`, summarize(response.body))
      if (status >= 200 && status < 300) {
        onHeaders?.(response.headers)
        return parseJson<T>(response.body)
      }

      const error = errorFromResponse(status, response.body, response.headers)
      if (status === 429) {
        // A throttled request was not carried out, so any call may be resent.
        attempts--
        const wait = error.retryAfterMs ?? backoffDelay(throttled, 1000, this.retry.maxDelayMs)
        if (++throttled >= this.retry.max429Attempts || wait > this.retry.maxRetryAfterMs) throw error
        if (endpoint.bucket !== 'none') this.pacer.holdOff(endpoint.bucket, wait)
        debug('retry', `${name}: throttled (429), waiting ${wait} ms`)
        await sleep(wait + 20, signal)
        continue
      }
      if (endpoint.auth && token && !renewed && isTokenRejected(error)) {
        // Rejected before it was carried out: renew the token and resend.
        attempts--
        renewed = true
        token = await this.tokens!.renew(token, signal)
        continue
      }
      if (mayHaveBeenCarriedOut(endpoint, error) && (await retryAfterFailure(`HTTP ${status} ${error.apiCode}`, true))) continue
      if (uncertain) {
        error.afterLostAnswer = true
        const settled = await options.settledBy?.(error)
        if (settled !== undefined) {
          debug('retry', `${name}: ${error.apiCode} after a lost answer means the earlier attempt took effect`)
          return settled
        }
      }
      throw error
    }
  }
}

function parseJson<T>(text: string): T {
  if (!text.trim()) return {} as T
  try {
    return JSON.parse(text) as T
  } catch {
    throw new NetworkError('The service answered with something that is not JSON.', {
      hint: 'check ALIPAN_API_URL points at the Alipan Open API',
    })
  }
}

function summarize(text: string): unknown {
  const parsed = (() => {
    try {
      return JSON.parse(text) as unknown
    } catch {
      return text.slice(0, 300)
    }
  })()
  const json = JSON.stringify(redactValue(parsed))
  return json.length > 2000 ? `${json.slice(0, 2000)}…` : json
}

export {ApiError}
