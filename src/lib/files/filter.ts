import {readFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'
import {decodeUserText} from '../user-text.js'

/** `--exclude`, `--include` and `--exclude-from`, as given on the command line. */
export interface FilterRules {
  exclude?: readonly string[]
  include?: readonly string[]
  excludeFrom?: readonly string[]
}

/**
 * Which paths a walk leaves out: gitignore-style patterns matched against the path relative to
 * the folder being mirrored (POSIX separators). A pattern without a slash matches at any depth, a
 * trailing `/` matches folders only, `**` spans folders. Matching is the `ignore` package's
 * (git's own rules, as eslint and prettier use them), not a hand-rolled glob.
 *
 * With `--include`, only files matching an include pattern (or inside a folder matching one) are
 * taken; folders are still walked to find them. Excludes win over includes.
 */
export interface PathFilter {
  /** True when `rel` (a file, or a folder when `folder`) is left out, along with all it holds. */
  excludes(rel: string, folder: boolean): boolean
  /** True when any rule is set: callers skip work that only matters with filters. */
  readonly active: boolean
}

export const NO_FILTER: PathFilter = {excludes: () => false, active: false}

export async function buildFilter(rules: FilterRules): Promise<PathFilter> {
  const excludePatterns = [...(rules.exclude ?? [])]
  for (const file of rules.excludeFrom ?? []) excludePatterns.push(...(await readPatternFile(file)))
  const includePatterns = [...(rules.include ?? [])]
  if (excludePatterns.length === 0 && includePatterns.length === 0) return NO_FILTER
  // Loaded only when a filter is given: one dependency less on every other start.
  const {default: ignore} = await import('ignore')
  const excluded = ignore().add(excludePatterns.map((p) => checked(p, '--exclude')))
  const included = includePatterns.length > 0 ? ignore().add(includePatterns.map((p) => checked(p, '--include'))) : undefined
  return {
    active: true,
    excludes(rel, folder) {
      const path = folder ? `${rel}/` : rel
      if (excluded.ignores(path)) return true
      // Includes select files; a folder is walked unless excluded (it may hold included files).
      return !folder && included !== undefined && !included.ignores(path)
    },
  }
}

/** One pattern a line; blank lines and `#` comments are skipped (as in .gitignore). */
async function readPatternFile(file: string): Promise<string[]> {
  let text: string
  try {
    text = decodeUserText(await readFile(file))
  } catch (error) {
    throw new UsageError(`Cannot read --exclude-from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
}

function checked(pattern: string, flag: string): string {
  if (pattern.trim() === '') throw new UsageError(`${flag} needs a pattern, e.g. ${flag} '*.tmp'`)
  return pattern
}
