import {Command, Flags, Interfaces} from '@oclif/core'

import {DEFAULT_RETRY, MAX_ATTEMPTS, MIN_ATTEMPTS} from '../lib/api/retry-policy.js'
import {debug, debugEnabledByEnv, setDebug} from '../lib/debug.js'
import {readEnvironment} from '../lib/env.js'
import {AlipanError, ExitCode, InterruptedError, asLocalFsError, isAbortError} from '../lib/errors.js'
import {Context, type ContextOptions} from '../lib/context.js'
import {hintForProfile, selectProfile} from '../lib/profiles.js'
import {redactText} from '../lib/redact.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof AlipanCommand)['baseFlags'] & T['flags']>

/**
 * The one base command (kept out of src/commands, which oclif loads as commands, and out of
 * src/lib, which never imports oclif). It owns `--json`, `--debug`, the lazily built context,
 * spinners, SIGINT → 130 and the mapping of errors to exit codes and one-line messages.
 */
export abstract class AlipanCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({
      description: 'Log HTTP requests and responses to stderr, with tokens and signed URLs redacted.',
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({
      description: 'Profile to use: its own login, settings and resume state (default: ALIPAN_PROFILE, else the one set with `alipan profile use`, else default).',
      helpGroup: 'GLOBAL',
    }),
    retries: Flags.integer({
      description: `Attempts per API call meeting a server error or a dropped connection (default: the \`retries\` setting, else ${DEFAULT_RETRY.maxAttempts}).`,
      helpGroup: 'GLOBAL',
      max: MAX_ATTEMPTS,
      min: MIN_ATTEMPTS,
    }),
  }

  static override enableJsonFlag = true

  /** `login` may name a profile that does not exist yet: logging in creates it. */
  static createsProfile = false

  protected readonly abortController = new AbortController()
  private contextInstance?: Context
  /** `--profile` and `--retries`, seen when the command parses its flags. */
  private profileFlag?: string
  private retriesFlag?: number
  private readonly onSigint = () => this.interrupt()

  override async init(): Promise<void> {
    await super.init()
    const debugOn = this.argv.includes('--debug') || debugEnabledByEnv()
    setDebug(debugOn)
    process.on('SIGINT', this.onSigint)
    process.on('SIGTERM', this.onSigint)
  }

  override async finally(error: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSigint)
    process.off('SIGTERM', this.onSigint)
    await super.finally(error)
  }

  /** First Ctrl-C: stop cleanly (partial files kept for resume). Second: leave now. */
  private interrupt(): void {
    if (this.abortController.signal.aborted) process.exit(ExitCode.interrupted)
    process.stderr.write('\nInterrupted, stopping… (Ctrl-C again to quit at once)\n')
    this.abortController.abort()
  }

  protected get signal(): AbortSignal {
    return this.abortController.signal
  }

  /** Is a human watching stderr? Spinners, prompts and progress bars depend on it. */
  protected get interactive(): boolean {
    return Boolean(process.stderr.isTTY) && !this.jsonEnabled()
  }

  protected get stdoutIsTTY(): boolean {
    return Boolean(process.stdout.isTTY)
  }

  /**
   * Every command parses once: the global `--profile` and `--retries` are picked up here for
   * `context()`. The type parameters repeat oclif's own constraints (FlagOutput, ArgOutput), which
   * its public types do not export by name.
   */
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    const flags = parsed.flags as {profile?: string; retries?: number}
    this.profileFlag = flags.profile
    this.retriesFlag = flags.retries
    return parsed
  }

  /** ALIPAN_CONFIG_DIR, else the platform's config folder; profiles live inside it. */
  protected get configDir(): string {
    return readEnvironment().configDir ?? this.config.configDir
  }

  protected context(overrides?: ContextOptions['overrides']): Context {
    if (this.contextInstance) return this.contextInstance
    const env = readEnvironment()
    const configDir = this.configDir
    const creates = (this.constructor as typeof AlipanCommand).createsProfile
    // ALIPAN_REFRESH_TOKEN seeds the profile in use, so it may create it too (a CI job's first run).
    const profile = selectProfile({configDir, flag: this.profileFlag, environment: env.profile, mayCreate: creates || Boolean(env.refreshToken)})
    this.contextInstance = new Context({
      env,
      configDir,
      profile,
      userAgent: `alipan/${this.config.version} (${process.platform}; node ${process.version})`,
      signal: this.signal,
      overrides: {...overrides, retries: this.retriesFlag?.toString()},
    })
    return this.contextInstance
  }

  /** A message for humans: stderr, never in --json mode. */
  protected info(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /** An ora spinner on stderr, or a no-op when nobody watches (cron logs stay clean). */
  protected async spinner(text: string): Promise<Spinner> {
    if (!this.interactive) return silentSpinner
    const {default: ora} = await import('ora')
    const spinner = ora({text, stream: process.stderr}).start()
    return {
      set text(value: string) {
        spinner.text = value
      },
      succeed: (t?: string) => void spinner.succeed(t),
      fail: (t?: string) => void spinner.fail(t),
      stop: () => void spinner.stop(),
    }
  }

  override async catch(error: Error & {oclif?: {exit?: number}; skipOclifErrorHandling?: boolean}): Promise<never> {
    if (error.skipOclifErrorHandling) throw error
    const {exitCode, message, code, hint: generic} = describe(error, this.signal.aborted)
    const hint = this.forProfile(generic)
    process.stderr.write(`Error: ${message}\n${hint ? `Hint: ${hint}\n` : ''}`)
    if (exitCode === ExitCode.unexpected && error.stack) debug('error', redactText(error.stack))
    if (this.jsonEnabled()) this.logJson({error: {code, message, hint, exitCode}})
    throw Object.assign(new Error(message), {
      code,
      exitCode,
      hint,
      oclif: {exit: exitCode},
      skipOclifErrorHandling: true,
    })
  }

  /** "run `alipan login`" means this profile's login: say so when it is not the default one. */
  private forProfile(hint: string | undefined): string | undefined {
    const name = this.contextInstance?.profile.name
    return hint && name ? hintForProfile(hint, name) : hint
  }
}

export interface Spinner {
  text: string
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

const silentSpinner: Spinner = {text: '', succeed() {}, fail() {}, stop() {}}

function describe(error: Error & {oclif?: {exit?: number}; code?: unknown}, aborted: boolean) {
  // A local file-system error nobody wrapped is still the user's to fix, not a bug (exit 9).
  const local = asLocalFsError(error, undefined, 'accessing')
  if (local !== error) error = local as AlipanError
  if (error instanceof AlipanError) {
    return {exitCode: error.exitCode, message: redactText(error.message), hint: error.hint, code: error.code}
  }
  if (aborted || isAbortError(error) || error.name === 'ExitPromptError') {
    const interrupted = new InterruptedError()
    return {exitCode: interrupted.exitCode, message: interrupted.message, hint: undefined, code: interrupted.code}
  }
  if (error.oclif?.exit !== undefined) {
    // oclif's own usage errors: bad flags, missing arguments.
    const [first, ...rest] = error.message.split('\n')
    const more = rest.find((line) => line.trim() && !/^See more help/.test(line.trim()))
    return {
      exitCode: error.oclif.exit,
      message: redactText(more ? `${first} ${more.trim()}` : first),
      hint: 'see --help',
      code: 'Usage',
    }
  }
  return {
    exitCode: ExitCode.unexpected,
    message: redactText(error.message || String(error)),
    hint: 'this looks like a bug in alipan: rerun with --debug and report it',
    code: 'Unexpected',
  }
}
