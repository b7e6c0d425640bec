import type {ApiClient} from '../api/client.js'
import {type AppCredentials, createQrCode, exchangeAuthCode, getQrStatus, onlineCallback, onlineRequestQr} from '../api/oauth.js'
import {getDriveInfo} from '../api/user.js'
import type {DriveInfoResponse, TokenResponse} from '../api/wire.js'
import type {Environment} from '../env.js'
import {AuthError} from '../errors.js'
import {sleep} from '../time.js'
import {type CredentialSource, type CredentialStore, type RenewalRoute, type Reservation, type StoredCredentials} from './credentials.js'
import {withFileLock} from './lock.js'
import {Session, lifetimeOf, redeemRefreshToken} from './session.js'

export type LoginRoute = {type: 'app'; app: AppCredentials} | {type: 'online'; onlineUrl: string}

/** What the phone scans (§2.3): the authorize page for this QR session. */
export function authorizeLink(sid: string): string {
  return `https://www.alipan.com/o/oauth/authorize?sid=${encodeURIComponent(sid)}`
}

export interface QrLoginOptions {
  client: ApiClient
  route: LoginRoute
  /** Show the code: `link` is the text to render as a QR and to print. */
  onCode(link: string): void | Promise<void>
  onStatus?(status: 'WaitLogin' | 'ScanSuccess'): void
  signal?: AbortSignal
  pollIntervalMs?: number
  /** Give up client-side after this long even if the service never says QRCodeExpired. */
  timeoutMs?: number
}

export class QrExpiredError extends AuthError {
  constructor() {
    super('The QR code expired before the login was confirmed.', {code: 'QRCodeExpired', hint: 'run `alipan login` again'})
  }
}

/**
 * The QR login (§2.3 own app; §2.8 online service): get a session id, show its authorize link,
 * poll the official status endpoint (no auth needed) until the phone confirms, then exchange.
 */
export async function qrLogin(options: QrLoginOptions): Promise<TokenResponse> {
  const {client, route, signal} = options
  const pollMs = options.pollIntervalMs ?? 1000
  const deadline = Date.now() + (options.timeoutMs ?? 300_000)

  const online = route.type === 'online' ? await onlineRequestQr(client, route.onlineUrl, signal) : undefined
  const sid = online?.sid ?? (await createQrCode(client, (route as {app: AppCredentials}).app)).sid
  await options.onCode(authorizeLink(sid))

  let last = ''
  for (;;) {
    const {status, authCode} = await getQrStatus(client, sid, signal)
    if (status === 'LoginSuccess') {
      if (online) return onlineCallback(client, (route as {onlineUrl: string}).onlineUrl, online, signal)
      if (!authCode) throw new AuthError('The login was confirmed but Alipan sent no authorization code.')
      return exchangeAuthCode(client, (route as {app: AppCredentials}).app, authCode)
    }
    // Unknown statuses count as expired, as webdav does (§2.3).
    if ((status !== 'WaitLogin' && status !== 'ScanSuccess') || Date.now() > deadline) throw new QrExpiredError()
    if (status !== last) {
      last = status
      options.onStatus?.(status)
    }
    await sleep(pollMs, signal)
  }
}

export interface SaveLoginOptions {
  client: ApiClient
  store: CredentialStore
  env: Environment
  onlineUrl: string
  tokens: TokenResponse
  route: RenewalRoute
  source: CredentialSource
  /** Space claimed before the tokens were obtained (`store.reserve()`); else claimed now. */
  reservation?: Reservation
}

/** Replace the stored login with a new one and learn who it belongs to. */
export async function saveLogin(options: SaveLoginOptions): Promise<{credentials: StoredCredentials; drive: DriveInfoResponse}> {
  const {store, tokens, route, source} = options
  if (!tokens.refresh_token) throw new AuthError('Alipan returned no refresh token for this login.')
  const now = Date.now()
  const lifetime = lifetimeOf(tokens, now)
  const credentials: StoredCredentials = {
    refresh_token: tokens.refresh_token,
    access_token: tokens.access_token,
    expires_at: now + lifetime * 1000,
    lifetime_sec: lifetime,
    route,
    source,
    updated_at: new Date(now).toISOString(),
  }
  const reservation = options.reservation ?? (await store.reserve())
  try {
    await withFileLock(store.path, () => reservation.commit(credentials))
  } finally {
    await reservation.cancel()
  }
  const session = new Session({store, client: options.client, env: {...options.env, refreshToken: undefined}, onlineUrl: options.onlineUrl})
  const previous = options.client.tokens
  options.client.tokens = session
  try {
    const drive = await getDriveInfo(options.client)
    const profile = {
      user_id: drive.user_id,
      user_name: drive.name,
      default_drive_id: drive.default_drive_id,
      resource_drive_id: drive.resource_drive_id,
      backup_drive_id: drive.backup_drive_id,
    }
    await session.remember(profile)
    return {credentials: {...credentials, ...profile}, drive}
  } finally {
    options.client.tokens = previous
  }
}

/** `login --with-token`: prove a pasted refresh token works by spending it once (it rotates). */
export async function redeemPastedToken(
  context: {client: ApiClient; env: Environment; onlineUrl: string},
  route: RenewalRoute,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const token = refreshToken.trim()
  if (!token) throw new AuthError('No refresh token on standard input.', {hint: 'pipe it in: `alipan login --with-token < token.txt`'})
  if (/\s/.test(token)) throw new AuthError('The refresh token on standard input contains spaces or several lines.', {hint: 'pass exactly one token'})
  return redeemRefreshToken(context, route, token, signal)
}
