import assert from 'node:assert/strict'

import type {Emulator} from './emulator/index.js'

/** A second entry named like an existing one (the service allows it: create and update with `ignore`). */
export async function plantDuplicate(emu: Emulator, folder: string, name: string, content: string | Buffer | null, options: {localModifiedAt?: string} = {}): Promise<string> {
  const temporary = `${folder}/.plant-${Math.random().toString(36).slice(2)}`
  emu.advanceTime(10) // created after what is already there: "first" is the original
  const made = (content === null ? emu.fs().mkdir(temporary) : emu.fs().put(temporary, content, options)) as {file_id: string}
  const token = emu.issueTokens().access_token
  const response = await fetch(`${emu.url}/adrive/v1.0/openFile/update`, {
    method: 'POST',
    headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
    body: JSON.stringify({drive_id: emu.user.default_drive_id, file_id: made.file_id, name, check_name_mode: 'ignore'}),
  })
  assert.equal(response.status, 200, await response.text())
  return made.file_id
}
