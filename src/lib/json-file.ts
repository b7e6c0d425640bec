import {readFileSync} from 'node:fs'

/**
 * Read one of our JSON stores (credentials, settings) the way conf reads it: `{}` when the file
 * does not exist yet, an error when it is not a JSON object. Reads skip conf itself, because
 * loading conf (with ajv and atomically) costs ~50 ms of start-up that a command which only
 * reads, the usual case, should not pay; writes still go through conf for its atomic rename.
 */
export function readJsonStore(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  const value: unknown = JSON.parse(text)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object')
  return value as Record<string, unknown>
}
