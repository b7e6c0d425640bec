import {AuthError, NetworkError} from '../errors.js'
import {registerSecret} from '../redact.js'
import {ApiError} from './api-error.js'
import type {ApiClient, Endpoint} from './client.js'
import {mayHaveBeenCarriedOut} from './retry-policy.js'
import {ENDPOINTS} from './endpoints.js'
import type {OnlineQrResponse, OnlineRenewResponse, QrCodeResponse, QrStatusResponse, TokenResponse} from './wire.js'

/** Scopes a file client needs (§2.1). */
export const CLI_SCOPES = ['user:base', 'file:all:read', 'file:all:write']

export interface AppCredentials {
  client_id: string
  client_secret: string
}

/** Whatever the service hands out is a secret from the moment it arrives. */
function remember<T extends {access_token?: string; refresh_token?: string}>(tokens: T): T {
  registerSecret(tokens.access_token)
  registerSecret(tokens.refresh_token)
  return tokens
}

// ---- Own app, straight to the Open API (§2.3, §2.4) ----

export function createQrCode(client: ApiClient, app: AppCredentials): Promise<QrCodeResponse> {
  return client.call<QrCodeResponse>(ENDPOINTS.qrCode, {...app, scopes: CLI_SCOPES, width: 430, height: 430})
}

export function getQrStatus(client: ApiClient, sid: string, signal?: AbortSignal): Promise<QrStatusResponse> {
  return client.call<QrStatusResponse>(ENDPOINTS.qrStatus(sid), undefined, {signal})
}

export async function exchangeAuthCode(client: ApiClient, app: AppCredentials, code: string): Promise<TokenResponse> {
  registerSecret(code)
  return remember(await client.call<TokenResponse>(ENDPOINTS.accessToken, {...app, grant_type: 'authorization_code', code}))
}

export async function refreshWithApp(client: ApiClient, app: AppCredentials, refreshToken: string): Promise<TokenResponse> {
  const tokens = await client.call<TokenResponse>(ENDPOINTS.accessToken, {...app, grant_type: 'refresh_token', refresh_token: refreshToken})
  if (!tokens.access_token || !tokens.refresh_token) {
    throw new AuthError('Alipan answered the token refresh without a new token pair.')
  }
  return remember(tokens)
}

// ---- OpenList online token service (§2.8) ----

export interface OnlineQrSession {
  sid: string
  qrCodeUrl: string
  /** `driver_txt=…; server_use=…` — the callback needs them back. */
  cookie: string
}

const ONLINE_DRIVER = 'alicloud_qr'

export async function onlineRequestQr(client: ApiClient, onlineUrl: string, signal?: AbortSignal): Promise<OnlineQrSession> {
  const url = `${onlineUrl}/alicloud/requests?driver_txt=${ONLINE_DRIVER}&server_use=true`
  const {body, headers} = await onlineGet<OnlineQrResponse>(client, ENDPOINTS.onlineRequests, url, {signal})
  if (!body.sid) throw new NetworkError(`The online token service gave no QR session${body.text ? `: ${body.text}` : ''}.`)
  const setCookie = headers['set-cookie']
  const cookies = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(';')[0].trim()).filter(Boolean)
  // The service is stateless but for these two cookies; send them even if it forgot to set them.
  const cookie = cookies.length > 0 ? cookies.join('; ') : `driver_txt=${ONLINE_DRIVER}; server_use=true`
  return {sid: body.sid, qrCodeUrl: body.text, cookie}
}

/** Note: `code` carries the QR session id, not an auth code; the service polls and exchanges itself. */
export async function onlineCallback(client: ApiClient, onlineUrl: string, session: OnlineQrSession, signal?: AbortSignal): Promise<TokenResponse> {
  const url = `${onlineUrl}/alicloud/callback?code=${encodeURIComponent(session.sid)}&grant_type=authorization_code&server_use=true`
  const {body} = await onlineGet<TokenResponse>(client, ENDPOINTS.onlineCallback, url, {headers: {cookie: session.cookie}, signal})
  if (!body.access_token || !body.refresh_token) throw new AuthError('The online token service returned no tokens.')
  return remember(body)
}

export async function onlineRenew(client: ApiClient, onlineUrl: string, refreshToken: string, signal?: AbortSignal): Promise<TokenResponse> {
  const url = `${onlineUrl}/alicloud/renewapi?refresh_ui=${encodeURIComponent(refreshToken)}&server_use=true&driver_txt=${ONLINE_DRIVER}`
  const {body} = await onlineGet<OnlineRenewResponse>(client, ENDPOINTS.onlineRenew, url, {signal})
  // OpenList treats an empty token in a 200 as failure too (§2.8).
  if (!body.access_token || !body.refresh_token) {
    throw new AuthError(`The online token service did not renew the login${body.text ? `: ${body.text}` : ''}.`)
  }
  return remember({access_token: body.access_token, refresh_token: body.refresh_token})
}

/** GET against the online service, translating its `{text}` failures into our errors. */
async function onlineGet<T>(client: ApiClient, endpoint: Endpoint, url: string, options: {headers?: Record<string, string>; signal?: AbortSignal}) {
  try {
    return await client.getAbsolute<T>(endpoint, url, options)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    const text = error.message.replace(/ \(HTTP \d+\)$/, '').replace(/^HTTP\d+: /, '')
    if (error.status === 429) {
      throw new NetworkError('The online token service is rate-limiting this address (it allows 10 token requests per hour per IP).', {
        hint: 'wait and retry later, or log in with your own app (ALIPAN_CLIENT_ID / ALIPAN_CLIENT_SECRET)',
        cause: error,
      })
    }
    if (error.status >= 502 || mayHaveBeenCarriedOut(endpoint, error)) {
      throw new NetworkError(`The online token service is unavailable (HTTP ${error.status}).`, {hint: 'try again later', cause: error})
    }
    // 400/401/403/500 {text}: the service or Alipan behind it refused (§2.8).
    throw new AuthError(`The online token service refused: ${text}`, {cause: error})
  }
}
