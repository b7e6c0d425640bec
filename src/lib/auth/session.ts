import {ApiError, apiErrorBehind} from '../api/api-error.js'
import type {ApiClient, TokenSource} from '../api/client.js'
import {onlineRenew, refreshWithApp} from '../api/oauth.js'
import type {TokenResponse} from '../api/wire.js'
import {debug} from '../debug.js'
import type {Environment} from '../env.js'
import {AlipanError, AuthError, ExitCode, LocalFsError} from '../errors.js'
import {isoTime} from '../time.js'
import type {CredentialStore, RenewalRoute, StoredCredentials} from './credentials.js'
import {decodeClaims, fingerprint} from './jwt.js'
import {withFileLock} from './lock.js'

/** Access-token lifetime to assume when neither `expires_in` nor a JWT `exp` tells (§2.6). */
const ASSUMED_LIFETIME_SEC = 7200

export interface SessionOptions {
  store: CredentialStore
  client: ApiClient
  env: Environment
  /** Base of the online token service, for logins on the `online` route. */
  onlineUrl: string
  now?: () => number
}

export const NOT_LOGGED_IN_HINT = 'run `alipan login`, or set ALIPAN_REFRESH_TOKEN for headless use'

/**
 * The credential layer behind every API call. The rules, because refresh tokens are single-use
 * and rotate (§2.6) and the online service allows 10 refreshes an hour per IP (§2.8):
 * - renew only when the access token is expired or about to be, never on every run;
 * - renew under a cross-process lock, re-reading the store inside it, so N processes that all
 *   find the token stale make exactly one refresh call;
 * - persist the new refresh token before using the new access token.
 */
export class Session implements TokenSource {
  private memo?: StoredCredentials
  private readonly now: () => number

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now
  }

  /** The credentials in use, seeding the store from ALIPAN_REFRESH_TOKEN when that applies. */
  async credentials(): Promise<StoredCredentials> {
    if (this.memo) return this.memo
    const {store, env} = this.options
    const stored = await store.read()
    if (!env.refreshToken) {
      if (!stored) throw notLoggedIn()
      return (this.memo = stored)
    }
    if (stored && (await this.envTokenIsKnown(stored))) return (this.memo = stored)
    return withFileLock(store.path, async () => {
      const current = await store.read()
      if (current && (await this.envTokenIsKnown(current))) return (this.memo = current)
      return (this.memo = await this.seedFromEnv())
    })
  }

  /** A valid access token, renewing it first when it is expired or about to be. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    const credentials = await this.credentials()
    if (this.isFresh(credentials)) return credentials.access_token!
    return this.refresh(undefined, signal)
  }

  /** The service rejected `rejected`: use a newer one another process stored, or renew. */
  async renew(rejected: string, signal?: AbortSignal): Promise<string> {
    return this.refresh(rejected, signal)
  }

  /** Merge facts learned about the user (name, drive ids) into the store without losing a rotation. */
  async remember(profile: Partial<StoredCredentials>): Promise<void> {
    // Usually nothing is new (whoami on every run): then there is nothing to lock and write.
    const known = this.memo
    if (known && Object.entries(profile).every(([key, value]) => known[key as keyof StoredCredentials] === value)) return
    const {store} = this.options
    try {
      await withFileLock(store.path, async () => {
        const current = await store.read()
        if (!current) return
        const next = {...current, ...profile, updated_at: isoTime(this.now())}
        await store.write(next)
        this.memo = next
      })
    } catch (error) {
      // Only a cache (it saves a getDriveInfo next time): a read-only config folder must not fail the command.
      if (!(error instanceof LocalFsError)) throw error
      debug('auth', `could not remember the user's drives: ${error.message}`)
    }
  }

  private async refresh(rejected: string | undefined, signal?: AbortSignal): Promise<string> {
    await this.credentials()
    const {store} = this.options
    return withFileLock(store.path, async () => {
      const current = await store.read()
      if (!current) throw notLoggedIn()
      // Another process may have renewed while we waited for the lock.
      if (this.isFresh(current) && current.access_token !== rejected) {
        this.memo = current
        return current.access_token!
      }
      try {
        return await this.renewAndStore(current, signal)
      } catch (error) {
        if (isSpentByLostAnswer(error)) return this.afterLostRenewal(current, error, signal)
        // The stored chain is dead, but the environment offers a token we never tried: use it.
        if (isRefusal(error) && this.options.env.refreshToken && !(await this.envTokenIsTried(current))) {
          debug('auth', 'stored login refused; trying ALIPAN_REFRESH_TOKEN')
          return this.renewAndStore(await this.seedFromEnv(), signal)
        }
        throw error
      }
    })
  }

  /**
   * Must be called with the lock held. A refresh was carried out but its answer lost (a dropped
   * connection, a 5xx), and the resend with the same single-use token was refused: the service
   * renewed the login and the new token never arrived. Before calling the login spent, look again:
   * another process may have stored a newer token meanwhile, or the environment offers one.
   */
  private async afterLostRenewal(spent: StoredCredentials, error: unknown, signal?: AbortSignal): Promise<string> {
    const latest = await this.options.store.read()
    if (latest && latest.refresh_token !== spent.refresh_token) {
      debug('auth', 'the answer to a renewal was lost, but the store holds a newer login: using it')
      this.memo = latest
      return this.isFresh(latest) ? latest.access_token! : this.renewAndStore(latest, signal)
    }
    if (this.options.env.refreshToken && !(await this.envTokenIsTried(spent))) {
      debug('auth', 'the answer to a renewal was lost; trying ALIPAN_REFRESH_TOKEN')
      return this.renewAndStore(await this.seedFromEnv(), signal)
    }
    throw new AuthError(
      'The answer to the login renewal was lost on the way (a dropped connection or a server error), and the service now refuses the old refresh token: this login is spent.',
      {code: 'RenewalAnswerLost', hint: 'run `alipan login` again (headless: set a new ALIPAN_REFRESH_TOKEN)', cause: error},
    )
  }

  /** Must be called with the lock held. */
  private async renewAndStore(current: StoredCredentials, signal?: AbortSignal): Promise<string> {
    // The refresh token is single-use: claim the space for its successor before spending it, so
    // a full or read-only disk fails here with the stored login intact, not after it is spent.
    const reservation = await this.options.store.reserve().catch((error: unknown) => {
      throw cannotRenew(error)
    })
    try {
      debug('auth', `renewing the access token via the ${current.route.type} route`)
      const tokens = await this.redeem(current.route, current.refresh_token, signal)
      const lifetime = lifetimeOf(tokens, this.now())
      const next: StoredCredentials = {
        ...current,
        refresh_token: tokens.refresh_token!,
        access_token: tokens.access_token,
        expires_at: this.now() + lifetime * 1000,
        lifetime_sec: lifetime,
        updated_at: isoTime(this.now()),
      }
      // The old refresh token is spent: the new one must be on disk before anything else happens.
      await reservation.commit(next)
      this.memo = next
      return next.access_token!
    } finally {
      await reservation.cancel()
    }
  }

  private redeem(route: RenewalRoute, refreshToken: string, signal?: AbortSignal): Promise<TokenResponse> {
    const {client, env, onlineUrl} = this.options
    return redeemRefreshToken({client, env, onlineUrl}, route, refreshToken, signal)
  }

  private isFresh(credentials: StoredCredentials): boolean {
    if (!credentials.access_token || !credentials.expires_at) return false
    // Renew a little early: 5 minutes for a 2-hour token, a quarter of the lifetime for short ones.
    const lifetimeMs = (credentials.lifetime_sec ?? ASSUMED_LIFETIME_SEC) * 1000
    const margin = Math.min(300_000, lifetimeMs / 4)
    return credentials.expires_at - this.now() > margin
  }

  /**
   * ALIPAN_REFRESH_TOKEN rotates away the moment it is used, so the store usually holds a newer
   * token of the same chain. Prefer the store when it was seeded from this very token, or when
   * it holds a login of the same user (by the token's `sub`).
   */
  private async envTokenIsKnown(stored: StoredCredentials): Promise<boolean> {
    const envToken = this.options.env.refreshToken!
    if (stored.env_fingerprint === (await fingerprint(envToken))) return true
    const sub = decodeClaims(envToken)?.sub
    return sub !== undefined && sub === stored.user_id
  }

  private async envTokenIsTried(stored: StoredCredentials): Promise<boolean> {
    const envToken = this.options.env.refreshToken!
    return stored.refresh_token === envToken || stored.env_fingerprint === (await fingerprint(envToken))
  }

  /** Must be called with the lock held. */
  private async seedFromEnv(): Promise<StoredCredentials> {
    const {env, store} = this.options
    const token = env.refreshToken!
    const route: RenewalRoute =
      env.clientId && env.clientSecret ? {type: 'app', client_id: env.clientId, client_secret: env.clientSecret} : {type: 'online'}
    const seeded: StoredCredentials = {
      refresh_token: token,
      route,
      source: 'env',
      env_fingerprint: await fingerprint(token),
      user_id: decodeClaims(token)?.sub,
      updated_at: isoTime(this.now()),
    }
    await store.write(seeded)
    debug('auth', `seeded the credential store from ALIPAN_REFRESH_TOKEN (${route.type} route)`)
    return seeded
  }
}

/** Spend a refresh token on its route (§2.4 own app, §2.8 online service) for a new pair. */
export function redeemRefreshToken(
  context: {client: ApiClient; env: Environment; onlineUrl: string},
  route: RenewalRoute,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const {client, env, onlineUrl} = context
  if (route.type === 'online') return onlineRenew(client, onlineUrl, refreshToken, signal)
  const secret = env.clientId === route.client_id && env.clientSecret ? env.clientSecret : route.client_secret
  if (!secret) {
    throw new AuthError(`This login belongs to app ${route.client_id}, and its client secret is not available.`, {
      hint: 'set ALIPAN_CLIENT_SECRET (with ALIPAN_CLIENT_ID) or run `alipan login` again',
    })
  }
  return refreshWithApp(client, {client_id: route.client_id, client_secret: secret}, refreshToken)
}

/** Seconds the new access token lives: `expires_in`, else the JWT's `exp`, else the documented 2 h. */
export function lifetimeOf(tokens: TokenResponse, now: number): number {
  if (typeof tokens.expires_in === 'number' && tokens.expires_in > 0) return tokens.expires_in
  const exp = decodeClaims(tokens.access_token)?.exp
  if (exp && exp * 1000 > now) return Math.round((exp * 1000 - now) / 1000)
  return ASSUMED_LIFETIME_SEC
}

function notLoggedIn(): AuthError {
  return new AuthError('Not logged in.', {code: 'NotLoggedIn', hint: NOT_LOGGED_IN_HINT})
}

/** Refusals that name a cause of their own (expiry, a bad app): reported as they are. */
const OTHER_CAUSES = new Set(['RefreshTokenExpired', 'RefreshTokenInvalid', 'InvalidClientId', 'InvalidClientSecret', 'AppNotExists'])

/** A refusal of a resend whose first attempt may have been carried out: that attempt spent the token. */
function isSpentByLostAnswer(error: unknown): boolean {
  const answer = apiErrorBehind(error)
  return isRefusal(error) && answer !== undefined && answer.afterLostAnswer && !OTHER_CAUSES.has(answer.apiCode)
}

/** The store cannot take a renewed login: nothing was spent, and the message says so. */
function cannotRenew(error: unknown): unknown {
  if (!(error instanceof LocalFsError)) return error
  return new LocalFsError(`Cannot renew the login: ${error.message[0].toLowerCase()}${error.message.slice(1)}`, {
    code: error.code,
    path: error.path,
    hint: `${error.hint}; the stored refresh token was not spent, so the login works again once that is fixed`,
    cause: error,
  })
}

/** The service said no to the token itself (as opposed to a network or rate problem). */
function isRefusal(error: unknown): boolean {
  return error instanceof AlipanError && error.exitCode === ExitCode.auth && !(error instanceof ApiError && error.status >= 500)
}
