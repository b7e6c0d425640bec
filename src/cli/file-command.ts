import {Flags} from '@oclif/core'

import {type Context, openDrive} from '../lib/context.js'
import type {Drive} from '../lib/drive/drive.js'
import {LocationResolver, type OpenedLocation} from '../lib/locations.js'
import type {SettingValues} from '../lib/settings.js'
import {AlipanCommand} from './base-command.js'
import {canPrompt} from './prompts.js'

/** Base of every command that reads the drive (files, and whoami): the global `--drive` and `--root-folder-id`. */
export abstract class FileCommand extends AlipanCommand {
  static override baseFlags = {
    ...AlipanCommand.baseFlags,
    drive: Flags.string({
      description: 'Drive to use (default: the `drive` setting, else default). A remote path may also name another drive or login itself: alipan,drive=resource:/PATH, alipan@PROFILE:/PATH.',
      helpGroup: 'GLOBAL',
      options: ['default', 'resource', 'backup'],
    }),
    'root-folder-id': Flags.string({
      description: 'Resolve remote paths under this folder id (default: the `root-folder-id` setting, else root).',
      helpGroup: 'GLOBAL',
    }),
  }

  /** The context, with `--drive` / `--root-folder-id` overriding the settings. */
  protected driveContext(flags: {drive?: string; 'root-folder-id'?: string}): Context {
    const overrides: Partial<SettingValues> = {drive: flags.drive, 'root-folder-id': flags['root-folder-id']}
    return this.context(overrides)
  }

  /** The drive, honouring `--drive` / `--root-folder-id` over the settings. */
  protected async openDrive(flags: {drive?: string; 'root-folder-id'?: string}): Promise<Drive> {
    return openDrive(this.driveContext(flags))
  }

  private resolver?: LocationResolver

  /** Remote paths as locations (`alipan@PROFILE,drive=TYPE:/x`, `vault:/x`): one resolver per command, so each place opens once. */
  protected locations(flags: {drive?: string; 'root-folder-id'?: string}): LocationResolver {
    // Notices (a name in an encrypted location that does not decrypt) go to stderr, once each.
    this.resolver ??= new LocationResolver(this.driveContext(flags), {notice: (message) => process.stderr.write(`Notice: ${message}\n`)})
    return this.resolver
  }

  /** The drive a remote path argument names, and the path in it. */
  protected openRemote(raw: string, flags: {drive?: string; 'root-folder-id'?: string}): Promise<OpenedLocation> {
    return this.locations(flags).openPath(raw)
  }
}

export type ConflictMode = 'fail' | 'skip' | 'overwrite' | 'rename'

/** `--on-conflict`; with no flag, ask on a terminal and fail otherwise (never silent `name(1)` copies). */
export function conflictFlag(modes: readonly ConflictMode[], what: string) {
  return Flags.string({
    description: `What to do when ${what} already exists. Without a terminal the default is fail; on a terminal you are asked.`,
    options: [...modes],
  })
}

export function conflictModeOrAsk<M extends ConflictMode>(flag: string | undefined): M | 'ask' {
  if (flag) return flag as M
  return canPrompt() ? 'ask' : ('fail' as M)
}
