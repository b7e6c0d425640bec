import type {Agent as HttpAgent} from 'node:http'
import type {Agent as HttpsAgent} from 'node:https'

import {debug} from './debug.js'
import {redactUrl, registerSecret} from './redact.js'

/**
 * HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case), for API calls and the data plane
 * alike (both node:http). The agents are hpagent's, the library got's documentation points to:
 * a CONNECT tunnel through the proxy for every request (TLS inside it for https), with keep-alive.
 * Which URLs skip the proxy is proxy-from-env's NO_PROXY matching (host suffixes, ports, `*`).
 *
 * Both libraries are loaded only when a proxy variable is set, so commands without a proxy pay
 * nothing for it at start-up.
 */
const VARIABLES = ['https_proxy', 'http_proxy', 'all_proxy']

export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return VARIABLES.some((name) => Boolean(env[name] || env[name.toUpperCase()]))
}

export interface ProxyAgents {
  http: HttpAgent
  https: HttpsAgent
}

interface ProxySupport {
  /** The agents for `url`'s proxy, or undefined for a direct connection (NO_PROXY, no variable). */
  agentsFor(url: string | URL): ProxyAgents | undefined
}

let loaded: ProxySupport | undefined
let loading: Promise<ProxySupport | undefined> | undefined

/** Load the proxy libraries if a proxy is configured (once per process); ApiClient.create awaits it. */
export function loadProxySupport(): Promise<ProxySupport | undefined> {
  if (!proxyConfigured()) return Promise.resolve(undefined)
  loading ??= (async () => {
    const [{HttpProxyAgent, HttpsProxyAgent}, {getProxyForUrl}] = await Promise.all([import('hpagent'), import('proxy-from-env')])
    const byProxy = new Map<string, ProxyAgents>()
    loaded = {
      agentsFor(url) {
        const proxy = getProxyForUrl(url)
        if (!proxy) return undefined
        let agents = byProxy.get(proxy)
        if (!agents) {
          hideCredentials(proxy)
          const options = {proxy, keepAlive: true, maxSockets: 16}
          agents = {http: new HttpProxyAgent(options), https: new HttpsProxyAgent(options)}
          byProxy.set(proxy, agents)
          debug('proxy', `${new URL(String(url)).host} through ${proxyLabel(proxy)}`)
        }
        return agents
      },
    }
    return loaded
  })()
  return loading
}

/** The agent for a data-plane URL: its proxy's, or undefined (direct). Needs loadProxySupport() first. */
export function proxyAgentFor(url: string): HttpAgent | HttpsAgent | undefined {
  const agents = loaded?.agentsFor(url)
  if (!agents) return undefined
  return url.startsWith('https:') ? agents.https : agents.http
}

/** `http://proxy:3128` without its user and password, for messages. */
export function proxyLabel(proxy: string): string {
  try {
    const url = new URL(proxy)
    return `${url.protocol}//${url.host}`
  } catch {
    return redactUrl(proxy.replace(/\/\/[^@/]*@/, '//'))
  }
}

/** The proxy's password (and user:password as written) never reach a log, whatever prints them. */
function hideCredentials(proxy: string): void {
  try {
    const url = new URL(proxy)
    registerSecret(decodeURIComponent(url.password))
    registerSecret(url.password)
    if (url.username && url.password) registerSecret(`${url.username}:${url.password}`)
  } catch {
    // not a URL: hpagent will refuse it and say so without echoing it
  }
}
