import {Args, Flags} from '@oclif/core'

import {FileCommand} from '../cli/file-command.js'
import {ProgressReporter} from '../cli/progress.js'
import {bandwidthLimit, clashFlag, filterFlags, filterRules, progressMode, transferFlags} from '../cli/transfer-flags.js'
import type {ClashMode} from '../lib/files/get.js'
import type {CompareMode} from '../lib/files/compare.js'
import type {RemovalMethod} from '../lib/manage/remove.js'
import {humanDuration, humanSize} from '../lib/output/format.js'
import {type SyncActionResult, type SyncEnd, type SyncResult, sync} from '../lib/sync/sync.js'
import type {LivpFormat} from '../lib/transfer/download.js'
import {parseSize} from '../lib/transfer/part-size.js'
import {ResumeStore} from '../lib/transfer/resume-state.js'

export default class Sync extends FileCommand {
  static override args = {
    source: Args.string({description: 'The folder to mirror: a local path, or a remote one (alipan:/PATH, alipan,drive=TYPE:/PATH, alipan@PROFILE:/PATH).', required: true}),
    dest: Args.string({description: 'The mirror, created if missing: remote (alipan:/PATH…) or local.', required: true}),
  }

  static override description = `A remote side is written as a location: alipan:/PATH, or another drive or login's (alipan,drive=resource:/PATH, alipan@PROFILE:/PATH); anything else is local. Both local is a usage error. Both remote mirrors between drives or logins: each file by rapid upload (8 bytes read from the source, nothing uploaded), streamed from the source when the service will not take it. New files are transferred, changed files replaced, and files and folders only on DEST deleted; empty folders are mirrored too.

A file is unchanged when its size is the same and its modification time agrees within 1 ms (nothing is read to decide that); --checksum compares SHA-1 instead, --size-only sizes alone. Downloads land through .alipan-part files verified by SHA-1 and take the remote file's time; those files are alipan's own and never mirrored, deleted or uploaded. Remote entries that would land on one local name are mirrored under numbered names, the same on every run (--on-clash).

All transfers come first. Deletions happen only if every transfer succeeded; remote deletions and replaced old versions go to the recycle bin (a folder as one entry), or with --permanent (or removal-method delete) are deleted outright, or with --backup-dir are moved there keeping their relative path. Local deletions are real. An empty SOURCE while DEST has files is refused (exit 6) unless --allow-empty-source; --max-delete N holds back every deletion when a run would delete more than N entries (exit 6). --dry-run prints the plan and changes nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> ./data alipan:/backups/data',
    '<%= config.bin %> <%= command.id %> --dry-run ./data alipan:/backups/data',
    '<%= config.bin %> <%= command.id %> /srv/data alipan:/backups/data --backup-dir alipan:/backups/old/$(date +%F) --max-delete 500 --quiet',
    '<%= config.bin %> <%= command.id %> alipan:/backups/data ./restore --exclude "*.tmp" --exclude cache/',
    '<%= config.bin %> <%= command.id %> alipan:/photos alipan,drive=resource:/photos',
  ]

  static override flags = {
    'allow-empty-source': Flags.boolean({description: 'Let an empty SOURCE empty a DEST that has files.'}),
    bwlimit: transferFlags.bwlimit,
    'backup-dir': Flags.string({description: 'Move replaced and deleted entries here (on DEST\'s side: a remote path in DEST\'s location, or a local path for downloads), keeping their relative paths.'}),
    checksum: Flags.boolean({char: 'c', description: 'Compare files by SHA-1, whatever their times say.', exclusive: ['size-only']}),
    'dry-run': Flags.boolean({char: 'n', description: 'Print what would be done; change nothing.'}),
    ...filterFlags,
    'follow-links': Flags.boolean({char: 'L', description: 'Follow local symlinks to files and folders (they are skipped otherwise).'}),
    'internal-upload': Flags.boolean({allowNo: true, description: 'Upload through the Beijing ECS internal endpoint (default: the internal-upload setting).'}),
    livp: Flags.string({description: 'Which stream of a live photo to download.', options: ['jpeg', 'mov']}),
    'on-clash': clashFlag,
    'max-delete': Flags.integer({description: 'Delete nothing if the run would delete more than this many entries (the transfers still happen; exit 6).', min: 0}),
    'part-size': Flags.string({description: 'Multipart part size, 100KiB–5GiB (default 16MiB).'}),
    permanent: Flags.boolean({allowNo: true, description: 'Delete remote entries outright instead of moving them to the recycle bin (default: the removal-method setting).'}),
    progress: transferFlags.progress,
    quiet: transferFlags.quiet,
    rapid: Flags.boolean({allowNo: true, description: 'Try rapid upload by SHA-1 + proof code (default: the rapid-upload setting, on).'}),
    'size-only': Flags.boolean({description: 'Compare files by size alone.'}),
    streams: Flags.integer({description: 'Downloads: most HTTP Range streams per file of 5 MiB or more (the service allows 3 connections per user in all).', min: 1, max: 3, default: 3}),
    transfers: transferFlags.transfers,
  }

  static override summary = 'Make DEST an exact mirror of the folder SOURCE (local ↔ remote, or between drives and logins).'

  async run(): Promise<SyncResult> {
    const {args, flags} = await this.parse(Sync)
    const resolver = this.locations(flags)
    // A side written as a location (alipan:/…, alipan@PROFILE:/…, alipan,drive=TYPE:/…) is remote; anything else is local.
    const end = async (raw: string): Promise<SyncEnd> => {
      const location = resolver.parse(raw)
      if (!location) return {kind: 'local', path: raw, shown: raw}
      const {drive, path} = await resolver.open(location)
      return {kind: 'remote', drive, path, shown: raw}
    }
    const ends = {source: await end(args.source), dest: await end(args.dest), backupDir: flags['backup-dir'] === undefined ? undefined : await end(flags['backup-dir'])}
    const settings = await this.context().settings()
    const mode = progressMode(flags, this.jsonEnabled())
    const reporter = new ProgressReporter(mode, '', process.stderr, false)
    const started = Date.now()
    const removal: RemovalMethod = flags.permanent === undefined ? (settings['removal-method'] as RemovalMethod) : flags.permanent ? 'delete' : 'trash'
    const compare: CompareMode = flags.checksum ? 'checksum' : flags['size-only'] ? 'size-only' : 'default'
    let run
    try {
      run = await sync({
        ...ends,
        dryRun: flags['dry-run'],
        compare,
        filter: filterRules(flags),
        maxDelete: flags['max-delete'],
        allowEmptySource: flags['allow-empty-source'],
        removal,
        transfers: flags.transfers,
        rapid: flags.rapid ?? settings['rapid-upload'] === 'on',
        partSize: flags['part-size'] ? parseSize(flags['part-size']) : undefined,
        internalUpload: flags['internal-upload'] ?? settings['internal-upload'] === 'on',
        resume: new ResumeStore(this.context().transfersDir),
        livp: (flags.livp ?? settings['livp-format']) as LivpFormat,
        onClash: flags['on-clash'] as ClashMode,
        streams: flags.streams,
        bandwidth: bandwidthLimit(flags.bwlimit, settings.bwlimit),
        followLinks: flags['follow-links'],
        signal: this.signal,
        events: {
          ...bind(reporter),
          skipped: (path, reason) => reporter.note(`skipped ${path}: ${reason}`),
          acted: (action) => {
            // Transfers print through `done`; folders and deletions have no bar, so a line here.
            if (action.type === 'folder' || action.action === 'delete') reporter.note(actionLine(action))
          },
          failed: (path, error) => reporter.fail(path, error),
        },
      })
    } finally {
      reporter.finish()
    }
    const {result, failures, guard} = run
    if (result.dry_run && !this.jsonEnabled()) {
      for (const action of result.actions) this.log(actionLine(action))
      this.log(summaryLine(result, 'dry run: '))
    } else if (mode !== 'quiet') {
      process.stderr.write(`${summaryLine(result, '')} in ${humanDuration(Date.now() - started)}\n`)
    }
    if (result.held_back_reason && !this.jsonEnabled()) process.stderr.write(`${result.dry_run ? 'The real run would hold back deletions: ' : ''}${result.held_back_reason}\n`)
    const clashError = failures.find((f) => f.code === 'NameClash')
    if (clashError) process.stderr.write(`Error: ${clashError.message}\n`)
    if (failures.length > 0) process.exitCode = failures[0].exitCode
    else if (guard && !result.dry_run) {
      process.stderr.write(`Error: ${guard.message}\n${guard.hint ? `Hint: ${guard.hint}\n` : ''}`)
      process.exitCode = guard.exitCode
    }
    return result
  }
}

/** The reporter's transfer events, bound so they can be spread into the sync events. */
function bind(reporter: ProgressReporter) {
  return {
    start: reporter.start.bind(reporter),
    progress: reporter.progress.bind(reporter),
    done: reporter.done.bind(reporter),
    fail: reporter.fail.bind(reporter),
    dismiss: reporter.dismiss.bind(reporter),
    clash: reporter.clash.bind(reporter),
  }
}

function actionLine(action: SyncActionResult): string {
  return `${action.action} ${action.path}${action.type === 'folder' ? '/' : ''}`
}

function summaryLine(result: SyncResult, prefix: string): string {
  const s = result.summary
  const parts = [`${s.new} new`, `${s.replaced} replaced`, `${s.deleted} deleted`, `${s.unchanged} unchanged`]
  if (s.failed) parts.push(`${s.failed} failed`)
  if (s.held_back) parts.push(`${s.held_back} held back`)
  if (result.skipped.length > 0) parts.push(`${result.skipped.length} skipped`)
  return `${prefix}${parts.join(', ')}; ${humanSize(s.bytes)}${result.dry_run ? ' to transfer' : ' transferred'}`
}
