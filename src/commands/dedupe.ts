import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {canPrompt, select} from '../cli/prompts.js'
import {exitWithFirstFailure, taskSpinner} from '../cli/task-feedback.js'
import type {RemoteEntry} from '../lib/drive/drive.js'
import {remoteMtimeMs} from '../lib/drive/entry-time.js'
import {UsageError} from '../lib/errors.js'
import type {RemovalMethod} from '../lib/manage/remove.js'
import {type DedupeActionJson, type DedupeGroupJson, type DedupeResult, dedupe} from '../lib/metadata/dedupe.js'
import {DEDUPE_MODES, type DedupeGroup, type DedupeMode, type GroupDecision} from '../lib/metadata/dedupe-plan.js'
import {humanSize, humanTime} from '../lib/output/format.js'

export default class Dedupe extends FileCommand {
  static override args = {
    path: Args.string({description: 'Remote folder to look in.', required: true}),
  }

  static override description = `Finds entries with the same name in one folder (Alipan allows them; auto_rename and other tools leave them behind), or with --by-hash files with the same SHA-1 and size. -r looks in every folder under PATH.

Modes, as rclone's: every mode but list first removes same-named copies with identical content, keeping one. Then skip leaves what differs; first, newest, oldest, largest and smallest keep one file and remove the others; rename gives all but the first a name of their own (photo-1.jpg); list prints the groups and changes nothing; interactive (the default on a terminal) asks for each group. Same-named folders are merged into the first (their contents moved into it; -r then dedupes what that brought together), renamed by rename, left by skip. Without a terminal, --mode is required.

Removals go to the recycle bin (the removal-method setting; --permanent deletes outright). --dry-run prints the plan and changes nothing. An entry that is in no group is never touched. --json gives the groups and the actions.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /photos',
    '<%= config.bin %> <%= command.id %> -r /photos --mode newest --dry-run',
    '<%= config.bin %> <%= command.id %> -r /backups --by-hash --mode list --json',
  ]

  static override flags = {
    'by-hash': Flags.boolean({description: 'Group files by SHA-1 and size (anywhere looked at) instead of by name in one folder.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'Print what would be done; change nothing.'}),
    mode: Flags.string({description: 'What to do with each group (default: interactive on a terminal; required otherwise).', options: [...DEDUPE_MODES]}),
    permanent: Flags.boolean({allowNo: true, description: 'Delete removed entries outright instead of moving them to the recycle bin (default: the removal-method setting).'}),
    recursive: Flags.boolean({char: 'r', description: 'Look in every folder under PATH too.'}),
  }

  static override summary = 'Find and remove or rename duplicate files.'

  async run(): Promise<DedupeResult> {
    const {args, flags} = await this.parse(Dedupe)
    let mode = flags.mode as DedupeMode | undefined
    if (!mode) {
      if (!canPrompt()) throw new UsageError('There is no terminal to ask on: say what to do with --mode.', {hint: 'e.g. --mode list to see the groups, --mode newest to keep the newest of each'})
      mode = 'interactive'
    }
    if (mode === 'interactive' && !canPrompt()) throw new UsageError('--mode interactive needs a terminal.', {hint: 'choose another --mode'})
    const {drive, path} = await this.openRemote(args.path, flags)
    const setting = (await this.context().settings())['removal-method'] as RemovalMethod
    const method: RemovalMethod = flags.permanent === undefined ? setting : flags.permanent ? 'delete' : 'trash'
    const dry = flags['dry-run'] || mode === 'list'
    // Same-named entries differ only by their number in the group's listing: `a.txt #2`.
    let numbers = new Map<string, string>()
    const label = (path: string, id: string) => `${path}${numbers.get(id) ?? ''}`
    const {result, failures} = await dedupe(drive, {
      path,
      recursive: flags.recursive,
      byHash: flags['by-hash'],
      mode,
      method,
      dryRun: flags['dry-run'],
      choose: mode === 'interactive' ? (group, remaining) => this.choose(group, remaining) : undefined,
      signal: this.signal,
      events: {
        ...taskSpinner((text) => this.spinner(text)),
        group: (group) => {
          numbers = new Map(group.kind === 'name' ? group.entries.map((e, i) => [e.file_id, ` #${i + 1}`]) : [])
          if (dry && !this.jsonEnabled()) this.log(groupLines(group).join('\n'))
        },
        acted: (action) => {
          if (action.error) process.stderr.write(`Error: ${action.action} ${label(action.path, action.file_id)}: ${action.error.message}\n`)
          else if (dry && !this.jsonEnabled()) this.log(`  ${actionLine(action, true, label)}`)
          else this.info(actionLine(action, false, label))
        },
      },
    })
    this.info(summaryLine(result))
    exitWithFirstFailure(failures, result.actions.length)
    return result
  }

  /** A group on stderr, then the question: which to keep, rename, merge, or skip. */
  private async choose(group: DedupeGroup, remaining: RemoteEntry[]): Promise<GroupDecision> {
    const header = group.kind === 'hash' ? `SHA-1 ${group.key}: ${remaining.length} files with this content` : `${remaining[0].path}: ${remaining.length} ${group.type}s with this name${remaining.length < group.entries.length ? ' and different contents' : ''}`
    process.stderr.write(`\n${header}\n${remaining.map((e, i) => `  ${i + 1}. ${entryLine(e, group.kind === 'hash')}`).join('\n')}\n`)
    type Choice = 'skip' | 'rename' | 'merge' | `keep-${number}`
    const choices: Array<{name: string; value: Choice}> = []
    if (group.type === 'folder') choices.push({name: 'Merge them into the first', value: 'merge'})
    else remaining.forEach((_, i) => choices.push({name: `Keep ${i + 1}, remove the others`, value: `keep-${i}`}))
    if (group.kind === 'name') choices.push({name: 'Rename all but the first', value: 'rename'})
    choices.push({name: 'Skip this group', value: 'skip'})
    const answer = await select<Choice>('What now?', choices)
    if (answer.startsWith('keep-')) return {kind: 'keep', index: Number(answer.slice(5))}
    return {kind: answer as 'skip' | 'rename' | 'merge'}
  }
}

function entryLine(e: RemoteEntry, withPath: boolean): string {
  const size = e.type === 'file' ? humanSize(e.size) : 'folder'
  const ms = remoteMtimeMs(e)
  const parts = [size, ms === undefined ? '-' : humanTime(new Date(ms).toISOString()), e.content_hash ? `sha1 ${e.content_hash.slice(0, 8).toLowerCase()}` : '', withPath ? e.path : `id ${e.file_id}`]
  return parts.filter(Boolean).join('  ')
}

function groupLines(group: DedupeGroupJson): string[] {
  const header = group.kind === 'hash' ? `SHA-1 ${group.key}: ${group.entries.length} files` : `${group.key}: ${group.entries.length} ${group.type}s with this name`
  return [
    header,
    ...group.entries.map((e, i) => {
      const parts = [e.size === null ? 'folder' : humanSize(e.size), e.modified ? humanTime(e.modified) : '-', e.content_hash ? `sha1 ${e.content_hash.slice(0, 8).toLowerCase()}` : '', group.kind === 'hash' ? e.path : `id ${e.file_id}`]
      return `  ${i + 1}. ${parts.filter(Boolean).join('  ')}`
    }),
  ]
}

function actionLine(a: DedupeActionJson, planned: boolean, label: (path: string, id: string) => string): string {
  const self = label(a.path, a.file_id)
  if (a.action === 'remove') {
    const verb = planned ? 'remove' : a.method === 'delete' ? 'Deleted' : 'Trashed'
    return `${verb} ${self} (${a.reason === 'identical' ? 'identical to' : 'keeping'} ${label(a.kept!, a.kept_id!)})`
  }
  if (a.action === 'rename') return `${planned ? 'rename' : 'Renamed'} ${self} → ${a.to}`
  return `${planned ? 'merge' : 'Merged'} ${self} into ${label(a.into!, a.into_id!)}`
}

function summaryLine(result: DedupeResult): string {
  const s = result.summary
  if (s.groups === 0) return 'No duplicates found.'
  const groups = `${s.groups} group${s.groups === 1 ? '' : 's'} of duplicates`
  if (result.mode === 'list') return `${groups}; nothing changed (--mode list).`
  const planned = result.actions.filter((a) => !a.error)
  const count = (kind: DedupeActionJson['action']) => planned.filter((a) => a.action === kind).length
  const done = `${count('remove')} ${result.dry_run ? 'to remove' : 'removed'}, ${count('rename')} ${result.dry_run ? 'to rename' : 'renamed'}, ${count('merge')} ${result.dry_run ? 'to merge' : 'merged'}`
  return `${groups}: ${done}${s.failed ? `, ${s.failed} failed` : ''}${result.dry_run ? ' (dry run: nothing changed)' : ''}.`
}
