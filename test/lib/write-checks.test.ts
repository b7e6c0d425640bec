import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {ApiClient, Endpoint} from '../../src/lib/api/client.js'
import type {FileItem} from '../../src/lib/api/wire.js'
import {copyLandedCheck, isRenamedFrom, uploadCreatedCheck} from '../../src/lib/api/write-checks.js'
import '../helpers.js'

/**
 * The checks run before resending a write whose answer was lost. The emulator never shows an
 * unfinished upload (§5.8), so the branch for a service that does is pinned here against a
 * scripted folder: what is taken for ours, and what is never touched.
 */
function scripted(items: Array<Partial<FileItem>>) {
  const deleted: string[] = []
  const client = {
    async call(endpoint: Endpoint, body: {file_id?: string}) {
      if (endpoint.path.endsWith('/openFile/list')) return {items, next_marker: ''}
      if (endpoint.path.endsWith('/openFile/delete')) {
        deleted.push(body.file_id!)
        return {}
      }
      throw new Error(`unexpected call ${endpoint.path}`)
    },
  } as unknown as ApiClient
  return {client, deleted}
}

const file = (over: Partial<FileItem>): Partial<FileItem> => ({type: 'file', status: 'available', size: 10, content_hash: 'AA', created_at: '2026-01-01T00:00:00Z', ...over})
const facts = {driveId: 'd', parentId: 'p', name: 'a.txt', checkNameMode: 'refuse' as const}

describe('write checks (after a lost answer)', () => {
  it('isRenamedFrom: numbered forms between the same stem and extension', () => {
    assert.equal(isRenamedFrom('a(1).txt', 'a.txt', 'file'), true)
    assert.equal(isRenamedFrom('a (2).txt', 'a.txt', 'file'), true)
    assert.equal(isRenamedFrom('dir(1)', 'dir', 'folder'), true)
    assert.equal(isRenamedFrom('a.txt', 'a.txt', 'file'), false)
    assert.equal(isRenamedFrom('ab.txt', 'a.txt', 'file'), false, 'no number')
    assert.equal(isRenamedFrom('a(1).md', 'a.txt', 'file'), false)
    assert.equal(isRenamedFrom('v1.2(1)', 'v1.2', 'folder'), true, 'a folder has no extension')
  })

  it('upload create: the offered content under that name is ours (a rapid hit); a known occupant never is', async () => {
    const {client} = scripted([file({file_id: 'old', name: 'a.txt', size: 5, content_hash: 'FF'}), file({file_id: 'new', name: 'a.txt', size: 10, content_hash: 'aa'})])
    const found = await uploadCreatedCheck({...facts, client, checkNameMode: 'ignore', size: 10, contentHash: 'AA', occupants: ['old']})()
    assert.deepEqual(found.done && [found.value.file_id, found.value.rapid_upload], ['new', true])
    const {client: c2} = scripted([file({file_id: 'old', name: 'a.txt', size: 10, content_hash: 'AA'})])
    assert.deepEqual(await uploadCreatedCheck({...facts, client: c2, size: 10, contentHash: 'AA', occupants: ['old']})(), {done: false})
  })

  it('upload create: an unfinished upload of ours shown as an entry is deleted before the resend; finished files are left alone', async () => {
    const {client, deleted} = scripted([
      file({file_id: 'open', name: 'a.txt', status: 'uploading', content_hash: null, size: 10}),
      file({file_id: 'livp', name: 'a.txt', status: 'available', content_hash: null, size: 10}),
      file({file_id: 'other-size', name: 'a.txt', status: 'uploading', content_hash: null, size: 99}),
      file({file_id: 'finished', name: 'a.txt', size: 10, content_hash: 'BB'}),
      file({file_id: 'known', name: 'a.txt', status: 'uploading', content_hash: null, size: 10}),
      file({file_id: 'elsewhere', name: 'b.txt', status: 'uploading', content_hash: null, size: 10}),
    ])
    const found = await uploadCreatedCheck({...facts, client, size: 10, occupants: ['known']})()
    assert.deepEqual(found, {done: false})
    assert.deepEqual(deleted, ['open'])
  })

  it('copy: a new entry of the source name and content is the copy; with auto-rename possible, only one not there before', async () => {
    const source = {file_id: 's', name: 'x.txt', type: 'file' as const, size: 10, content_hash: 'AA'}
    const free = scripted([file({file_id: 's2', name: 'x.txt', created_at: '2026-01-02T00:00:00Z'})])
    const exact = await copyLandedCheck({client: free.client, driveId: 'd', toParentId: 't', source})()
    assert.deepEqual(exact, {done: true, value: {drive_id: 'd', file_id: 's2'}})

    const taken = scripted([file({file_id: 's', name: 'x.txt'}), file({file_id: 'older', name: 'x(1).txt'}), file({file_id: 'ours', name: 'x(2).txt'}), file({file_id: 'other', name: 'x(3).txt', content_hash: 'CC'})])
    const renamed = await copyLandedCheck({client: taken.client, driveId: 'd', toParentId: 't', source, before: new Set(['s', 'older'])})()
    assert.deepEqual(renamed, {done: true, value: {drive_id: 'd', file_id: 'ours'}})
    const none = await copyLandedCheck({client: taken.client, driveId: 'd', toParentId: 't', source, before: new Set(['s', 'older', 'ours'])})()
    assert.deepEqual(none, {done: false})
  })
})
