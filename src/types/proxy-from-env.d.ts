// proxy-from-env 2.x ships ESM without type declarations (@types/proxy-from-env describes 1.x).
declare module 'proxy-from-env' {
  /** The proxy URL for `url` per *_PROXY / NO_PROXY (either case), or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string
}
