import {writeFile} from 'node:fs/promises'

import {AlipanError, LocalFsError, asLocalFsError} from '../errors.js'
import {CHECK_SIGNS, type CheckKind, type CheckLine} from './check-compare.js'

/**
 * Where `check` writes its lists, as rclone's flags name them: `combined` gets every line with its
 * sign (`= path`), the others the bare paths of one kind. `-` is standard output.
 */
export type ReportTargets = Partial<Record<'combined' | CheckKind, string>>

export function combinedLine(line: CheckLine): string {
  return `${CHECK_SIGNS[line.kind]} ${line.path}`
}

/** The text each target gets (one line each, newline-terminated), in the order of `targets`. */
export function reportTexts(lines: readonly CheckLine[], targets: ReportTargets): Array<{target: string; text: string}> {
  const out: Array<{target: string; text: string}> = []
  for (const [key, target] of Object.entries(targets) as Array<[keyof ReportTargets, string | undefined]>) {
    if (target === undefined) continue
    const chosen = key === 'combined' ? lines.map(combinedLine) : lines.filter((l) => l.kind === key).map((l) => l.path)
    out.push({target, text: chosen.map((l) => `${l}\n`).join('')})
  }
  return out
}

/** Write each list to its file (a refusal exits 9, naming the file), or to `stdout` for `-`. */
export async function writeReports(lines: readonly CheckLine[], targets: ReportTargets, stdout: (text: string) => void): Promise<void> {
  for (const {target, text} of reportTexts(lines, targets)) {
    if (target === '-') {
      stdout(text)
      continue
    }
    try {
      await writeFile(target, text)
    } catch (error) {
      const local = asLocalFsError(error, target, 'writing')
      if (local instanceof AlipanError) throw local
      // A missing folder, or a folder in the file's place: the user's path to fix, like a full disk.
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
      throw new LocalFsError(`Writing ${target} failed (${code}).`, {code, path: target, hint: 'write the list to an existing folder', cause: error})
    }
  }
}
