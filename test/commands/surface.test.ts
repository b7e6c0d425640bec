/**
 * The public surface — commands, their arguments, flags and flag options — is part of the
 * interface scripts depend on. This snapshot makes any change to it a visible diff in review.
 * After an intended change: UPDATE_SNAPSHOT=1 node --import tsx --test test/commands/surface.test.ts
 */
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {Config} from '@oclif/core'

import {ROOT} from '../support.js'
import '../helpers.js'

const SNAPSHOT = join(ROOT, 'test', 'commands', 'surface.snapshot.json')
/** The plugins' commands the bundle carries (scripts/bundle.mjs): theirs, not ours to snapshot. */
const PLUGIN_COMMANDS = new Set(['help', 'autocomplete', 'autocomplete:create', 'autocomplete:script'])
const ours = (command: {id: string; pluginName?: string}) => command.pluginName === 'alipan' && !PLUGIN_COMMANDS.has(command.id)

describe('public surface', () => {
  it('commands, arguments, flags and options match the snapshot', async () => {
    const config = await Config.load({root: ROOT})
    const surface: Record<string, unknown> = {}
    for (const command of [...config.commands].sort((a, b) => a.id.localeCompare(b.id))) {
      if (!ours(command)) continue
      const flags = Object.fromEntries(
        Object.entries(command.flags)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, flag]) => [name, [flag.char ? `-${flag.char}` : '', flag.type === 'boolean' ? (flag.allowNo ? 'boolean/no' : 'boolean') : 'value', ...((flag as {options?: string[]}).options ?? [])].filter(Boolean).join(' ')]),
      )
      surface[command.id] = {args: Object.keys(command.args), flags}
    }
    if (process.env.UPDATE_SNAPSHOT || !existsSync(SNAPSHOT)) writeFileSync(SNAPSHOT, `${JSON.stringify(surface, null, 2)}\n`)
    assert.deepEqual(surface, JSON.parse(readFileSync(SNAPSHOT, 'utf8')))
  })

  it('every command has a summary, examples, and --json', async () => {
    const config = await Config.load({root: ROOT})
    for (const command of config.commands.filter((c) => ours(c))) {
      assert.ok(command.summary, `${command.id} has a summary`)
      assert.ok((command.examples ?? []).length > 0, `${command.id} has examples`)
      assert.ok('json' in command.flags, `${command.id} takes --json`)
    }
  })
})
