import {execFile} from 'node:child_process'

import {UsageError} from '../lib/errors.js'
import {registerSecret} from '../lib/redact.js'
import {canPrompt} from './prompts.js'

export interface CryptPasswords {
  password: string
  /** '' for none: rclone's built-in salt. */
  password2: string
}

/**
 * The passwords of a new encrypted location, never from an argument (arguments show in the
 * process list): `--password-command` (its first line of output, and a second line for
 * password2), else ALIPAN_CRYPT_PASSWORD and ALIPAN_CRYPT_PASSWORD2, else asked on a terminal
 * (twice). Without any of these, a usage error.
 */
export async function cryptPasswords(command: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<CryptPasswords> {
  let passwords: CryptPasswords
  if (command !== undefined) passwords = await fromCommand(command)
  else if (env.ALIPAN_CRYPT_PASSWORD !== undefined) passwords = {password: env.ALIPAN_CRYPT_PASSWORD, password2: env.ALIPAN_CRYPT_PASSWORD2 ?? ''}
  else if (canPrompt()) passwords = await ask()
  else {
    throw new UsageError('No password for the encrypted location, and no terminal to ask on.', {
      hint: 'set ALIPAN_CRYPT_PASSWORD (and ALIPAN_CRYPT_PASSWORD2 for a salt), or pass --password-command CMD',
    })
  }
  if (passwords.password === '') throw new UsageError('The password is empty.', {hint: 'rclone refuses an empty crypt password too'})
  registerSecret(passwords.password)
  registerSecret(passwords.password2)
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

function fromCommand(command: string): Promise<CryptPasswords> {
  const argv = splitCommand(command)
  if (argv.length === 0) throw new UsageError('--password-command is empty.')
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), {timeout: 120_000, maxBuffer: 64 * 1024, windowsHide: true}, (error, stdout, stderr) => {
      if (error) {
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it was not found' : `it failed${String(stderr).trim() ? `: ${String(stderr).trim().split('\n')[0]}` : ''}`
        return reject(new UsageError(`--password-command ${argv[0]}: ${why}.`, {hint: 'the command prints the password on its first line (and password2 on its second)'}))
      }
      const [password = '', password2 = ''] = String(stdout).split('\n').map((line) => line.replace(/\r$/, ''))
      resolve({password, password2})
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
