import {execFile} from 'node:child_process'

import {UsageError} from '../lib/errors.js'
import {canPrompt} from './prompts.js'

export interface CryptPasswords {
  password: string
  /** '' for none: rclone's built-in salt. */
  password2: string
}

/**
 * The passwords of a new encrypted location, never from an argument (arguments show in the
 * process list): `--password-command` (the first line of its output; password2 from
 * `--password2-command` the same way, else ALIPAN_CRYPT_PASSWORD2), else ALIPAN_CRYPT_PASSWORD
 * and ALIPAN_CRYPT_PASSWORD2, else asked on a terminal (twice). Without any of these, a usage
 * error. Only a first line counts: `pass show` prints notes (`login: …`) after the password, and
 * one of those taken for the salt would make a backup rclone cannot read with the password alone.
 */
export async function cryptPasswords(command: string | undefined, env: NodeJS.ProcessEnv = process.env, command2?: string): Promise<CryptPasswords> {
  let passwords: CryptPasswords
  if (command !== undefined) {
    const password = await firstLine(command, '--password-command')
    const password2 = command2 !== undefined ? await firstLine(command2, '--password2-command') : (env.ALIPAN_CRYPT_PASSWORD2 ?? '')
    passwords = {password, password2}
  } else if (command2 !== undefined) {
    throw new UsageError('--password2-command goes with --password-command.', {hint: 'give the password by --password-command too (or both by ALIPAN_CRYPT_PASSWORD and ALIPAN_CRYPT_PASSWORD2)'})
  } else if (env.ALIPAN_CRYPT_PASSWORD !== undefined) passwords = {password: env.ALIPAN_CRYPT_PASSWORD, password2: env.ALIPAN_CRYPT_PASSWORD2 ?? ''}
  else if (canPrompt()) passwords = await ask()
  else {
    throw new UsageError('No password for the encrypted location, and no terminal to ask on.', {
      hint: 'set ALIPAN_CRYPT_PASSWORD (and ALIPAN_CRYPT_PASSWORD2 for a salt), or pass --password-command CMD',
    })
  }
  if (passwords.password === '') throw new UsageError('The password is empty.', {hint: 'rclone refuses an empty crypt password too'})
  // Not registered for redaction (redact.ts hides registered values wherever they appear): no
  // message is ever made from a password, and a password that is also a word of a path would be
  // given away by the [redacted] put in that path's place.
  return passwords
}

async function ask(): Promise<CryptPasswords> {
  const {password: prompt} = await import('@inquirer/prompts')
  const twice = async (what: string, optional: boolean): Promise<string> => {
    for (;;) {
      const first = await prompt({message: `${what}:`, mask: '*'}, {output: process.stderr})
      if (first === '' && optional) return ''
      const again = await prompt({message: 'The same again:', mask: '*'}, {output: process.stderr})
      if (again === first) return first
      process.stderr.write('They differ; once more.\n')
    }
  }
  const password = await twice('Password', false)
  const password2 = await twice('Second password, for the salt (recommended; Enter for none)', true)
  return {password, password2}
}

/** The first line of a command's output (no shell is run). */
function firstLine(command: string, flag: string): Promise<string> {
  const argv = splitCommand(command)
  if (argv.length === 0) throw new UsageError(`${flag} is empty.`)
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), {timeout: 120_000, maxBuffer: 64 * 1024, windowsHide: true}, (error, stdout, stderr) => {
      if (error) {
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it was not found' : `it failed${String(stderr).trim() ? `: ${String(stderr).trim().split('\n')[0]}` : ''}`
        return reject(new UsageError(`${flag} ${argv[0]}: ${why}.`, {hint: 'the command prints the password on its first line'}))
      }
      resolve(String(stdout).split('\n')[0].replace(/\r$/, ''))
    })
  })
}

/** A command line split into words as a shell would, quotes and backslashes included (no shell is run). */
export function splitCommand(command: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i]
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new UsageError('--password-command has an unclosed quote.')
  if (inWord) words.push(word)
  return words
}
