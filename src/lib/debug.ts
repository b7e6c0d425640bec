import {redactText} from './redact.js'

/**
 * Request/response tracing for `--debug` or `DEBUG=alipan*`. Everything goes to stderr and
 * through redaction, so a debug log can be pasted into an issue.
 */
let enabled = false
let sink: (line: string) => void = (line) => process.stderr.write(line)

export function debugEnabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.DEBUG ?? ''
  return value.split(/[\s,]+/).some((pattern) => pattern === '*' || pattern === 'alipan' || pattern.startsWith('alipan*') || pattern.startsWith('alipan:'))
}

export function setDebug(on: boolean, write?: (line: string) => void): void {
  enabled = on
  if (write) sink = write
}

export function isDebug(): boolean {
  return enabled
}

export function debug(scope: string, message: string, detail?: unknown): void {
  if (!enabled) return
  const suffix = detail === undefined ? '' : ` ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`
  sink(`alipan:${scope} ${redactText(message + suffix)}\n`)
}
