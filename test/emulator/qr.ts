// QR-code login sessions (§2.3): WaitLogin → ScanSuccess → LoginSuccess (+authCode), or
// QRCodeExpired after `qrTtlSec`. States are evaluated lazily from the emulator clock on every
// status read, so auto-confirm and expiry need no timers and follow `advanceTime`.
import type {Clock} from './clock.js'
import {newSid} from './ids.js'
import type {AuthCode, TokenStore} from './tokens.js'
import type {QrAutoConfirm} from './types.js'

export type QrStatus = 'WaitLogin' | 'ScanSuccess' | 'LoginSuccess' | 'QRCodeExpired'

export interface QrSession {
  sid: string
  clientId: string
  scopes: string[]
  createdAt: number
  status: QrStatus
  firstPolledAt?: number
  userId?: string
  authCode?: string
  challenge?: AuthCode['challenge']
}

export class QrStore {
  private readonly sessions = new Map<string, QrSession>()
  autoConfirm: QrAutoConfirm | false

  constructor(
    private readonly clock: Clock,
    private readonly tokens: TokenStore,
    private readonly ttlSec: number,
    private readonly defaultUserId: () => string,
    autoConfirm: QrAutoConfirm | false,
  ) {
    this.autoConfirm = autoConfirm
  }

  create(clientId: string, scopes: string[], challenge?: AuthCode['challenge']): QrSession {
    const s: QrSession = {sid: newSid(), clientId, scopes, createdAt: this.clock.now(), status: 'WaitLogin', challenge}
    this.sessions.set(s.sid, s)
    return s
  }

  get(sid: string): QrSession | undefined {
    const s = this.sessions.get(sid)
    if (s) this.evaluate(s, false)
    return s
  }

  /** What `GET /oauth/qrcode/{sid}/status` sees; counts as a poll for auto-confirm. */
  poll(sid: string): {status: QrStatus; authCode?: string} {
    const s = this.sessions.get(sid)
    // [U] an unknown sid reads as expired: webdav treats unknown states that way too
    if (!s) return {status: 'QRCodeExpired'}
    this.evaluate(s, true)
    return s.status === 'LoginSuccess' ? {status: s.status, authCode: s.authCode} : {status: s.status}
  }

  scan(sid: string): QrSession {
    const s = this.require(sid)
    if (s.status === 'WaitLogin') s.status = 'ScanSuccess'
    return s
  }

  confirm(sid: string, userId?: string): QrSession {
    return this.login(this.require(sid), userId)
  }

  private login(s: QrSession, userId?: string): QrSession {
    if (s.status === 'LoginSuccess') return s
    s.userId = userId ?? this.defaultUserId()
    s.authCode = this.tokens.newCode(s.clientId, s.userId, s.scopes, s.challenge).code
    s.status = 'LoginSuccess'
    return s
  }

  expire(sid: string): QrSession {
    const s = this.require(sid)
    s.status = 'QRCodeExpired'
    return s
  }

  list(): QrSession[] {
    for (const s of this.sessions.values()) this.evaluate(s, false)
    return [...this.sessions.values()]
  }

  private require(sid: string): QrSession {
    const s = this.get(sid)
    if (!s) throw new Error(`unknown QR session ${sid}`)
    if (s.status === 'QRCodeExpired') throw new Error(`QR session ${sid} has expired`)
    return s
  }

  private evaluate(s: QrSession, isPoll: boolean): void {
    if (s.status === 'LoginSuccess' || s.status === 'QRCodeExpired') return
    const now = this.clock.now()
    const expiresAt = s.createdAt + this.ttlSec * 1000
    const auto = this.autoConfirm
    if (auto && isPoll && s.firstPolledAt === undefined) s.firstPolledAt = now
    if (auto && s.firstPolledAt !== undefined) {
      const scanAt = s.firstPolledAt + auto.scanAfterMs
      const loginAt = scanAt + auto.confirmAfterMs
      if (now >= loginAt && loginAt < expiresAt) {
        this.login(s)
        return
      }
      if (now < expiresAt && now >= scanAt) s.status = 'ScanSuccess'
    }
    if (now >= expiresAt) s.status = 'QRCodeExpired'
  }
}
