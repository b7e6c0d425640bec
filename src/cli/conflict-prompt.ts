import {InterruptedError} from '../lib/errors.js'
import type {ConflictChoice, ConflictResolver} from '../lib/files/events.js'
import {select} from './prompts.js'

/**
 * The terminal's answer to a name clash, asked one at a time even when several transfers hit
 * one at once, with "… all" answers remembered for the rest of the command.
 */
export function conflictPrompt(choices: readonly Exclude<ConflictChoice, 'fail'>[]): ConflictResolver {
  let remembered: ConflictChoice | undefined
  let queue: Promise<unknown> = Promise.resolve()
  return (path) => {
    const answer = queue.then(async () => {
      if (remembered) return remembered
      const picked = await select<string>(`${path} already exists. What now?`, [
        ...choices.map((c) => ({name: capitalize(c), value: c})),
        ...choices.map((c) => ({name: `${capitalize(c)} all`, value: `${c}:all`})),
        {name: 'Abort', value: 'abort'},
      ])
      if (picked === 'abort') throw new InterruptedError('Aborted')
      const [choice, all] = picked.split(':') as [ConflictChoice, string | undefined]
      if (all) remembered = choice
      return choice
    })
    queue = answer.catch(() => undefined)
    return answer
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
