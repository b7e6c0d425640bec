import {UsageError} from '../lib/errors.js'

/** Prompts only where a human can answer; everywhere else the caller must pass a flag. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

export async function confirm(message: string, defaultValue = false): Promise<boolean> {
  const {confirm: ask} = await import('@inquirer/prompts')
  return ask({message, default: defaultValue}, {output: process.stderr})
}

export async function select<T extends string>(message: string, choices: Array<{name: string; value: T; description?: string}>): Promise<T> {
  const {select: ask} = await import('@inquirer/prompts')
  return ask<T>({message, choices}, {output: process.stderr})
}

export async function input(message: string, secret = false): Promise<string> {
  const prompts = await import('@inquirer/prompts')
  const answer = secret
    ? await prompts.password({message, mask: '*'}, {output: process.stderr})
    : await prompts.input({message}, {output: process.stderr})
  if (!answer.trim()) throw new UsageError(`${message.replace(/:$/, '')} is required.`)
  return answer.trim()
}
