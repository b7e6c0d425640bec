import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Location, locationPrefix, parseLocation, remoteLocation} from '../../src/lib/drive/location.js'
import {AlipanError, ExitCode} from '../../src/lib/errors.js'
import {plan} from '../../src/lib/sync/plan.js'
import {emptyTree, type Tree, type TreeNode} from '../../src/lib/files/tree.js'
import '../helpers.js'

describe('locations: the one parser of remote paths (issue 19)', () => {
  const parsed = (raw: string) => parseLocation(raw)

  it('plain alipan:/x and bare /x are unchanged: the command\'s own profile and drive', () => {
    assert.deepEqual(parsed('alipan:/backups/x'), {name: 'alipan', path: '/backups/x', prefixed: true})
    assert.equal(parsed('/backups/x'), undefined)
    assert.deepEqual(remoteLocation('/backups/x'), {name: 'alipan', path: '/backups/x', prefixed: false})
    assert.deepEqual(parsed('alipan:'), {name: 'alipan', path: '', prefixed: true}, 'an empty path stays empty (the commands refuse it, sync takes the root)')
    assert.deepEqual(parsed('alipan:/a:b/c d.txt'), {name: 'alipan', path: '/a:b/c d.txt', prefixed: true}, 'the first colon ends the prefix')
  })

  it('alipan@PROFILE, ,drive=TYPE, and both', () => {
    assert.deepEqual(parsed('alipan@work:/x'), {name: 'alipan', profile: 'work', path: '/x', prefixed: true})
    assert.deepEqual(parsed('alipan,drive=resource:/x/'), {name: 'alipan', drive: 'resource', path: '/x/', prefixed: true})
    assert.deepEqual(parsed('alipan@work,drive=backup:/x'), {name: 'alipan', profile: 'work', drive: 'backup', path: '/x', prefixed: true})
    assert.deepEqual(parsed('alipan, drive = default :/x'), {name: 'alipan', drive: 'default', path: '/x', prefixed: true}, 'spaces around keys and values are forgiven')
    assert.equal(locationPrefix(parsed('alipan@work,drive=backup:/x') as Location), 'alipan@work,drive=backup:')
  })

  it('local paths stay local: drive letters, relative and absolute paths, unknown names without qualifiers', () => {
    for (const raw of ['C:\\data', 'C:/data', 'd:', './alipan:/x', '../x', '/srv/alipan:/x', 'notes:2026', 'backup:/x', 'ALIPAN:/x', 'alipan', 'alipan@work']) {
      assert.equal(parsed(raw), undefined, raw)
    }
    // A name configured later (an encrypted location, say) is known by passing it in: callers need not change.
    assert.deepEqual(parseLocation('vault@home:/x', ['alipan', 'vault']), {name: 'vault', profile: 'home', path: '/x', prefixed: true})
  })

  it('bad input is a usage error (exit 2) that says why', () => {
    const cases: Array<[string, RegExp]> = [
      ['alipan,color=red:/x', /unknown option color \(known: drive\)/],
      ['alipan,drive=attic:/x', /drive=attic is not a drive; use default, resource, backup/],
      ['alipan,drive:/x', /the option drive needs a value/],
      ['alipan,drive=:/x', /the option drive needs a value/],
      ['alipan,:/x', /an empty option between commas/],
      ['alipan,drive=backup,drive=resource:/x', /given twice/],
      ['alipan@:/x', /the profile name after @ is empty/],
      ['alipan@-x:/x', /"-x" is not a valid profile name/],
      ['alipan@a/b:/x', /"a\/b" is not a valid profile name/],
      ['alipna@work:/x', /there is no location named alipna/],
      ['vault,drive=resource:/x', /there is no location named vault/],
    ]
    for (const [raw, message] of cases) {
      assert.throws(
        () => parseLocation(raw),
        (error: unknown) => error instanceof AlipanError && error.exitCode === ExitCode.usage && message.test(error.message),
        raw,
      )
    }
  })
})

describe('plan between two remote sides (sync remote ↔ remote)', () => {
  const tree = (nodes: TreeNode[]): Tree => {
    const t = emptyTree()
    for (const node of nodes) t.nodes.set(node.rel, node)
    return t
  }
  const file = (rel: string, size: number, hash: string, mtimeMs?: number): TreeNode => ({rel, type: 'file', size, hash, mtimeMs})

  it('the listings\' SHA-1s decide what the times cannot: same bytes under another time → a rapid re-create (time), other bytes → changed', () => {
    const source = tree([file('same.txt', 3, 'AA', 1000), file('retimed.txt', 3, 'BB', 2000), file('changed.txt', 3, 'CC', 3000), file('nohash.txt', 3, '', 4000)])
    const dest = tree([file('same.txt', 3, 'AA', 1000), file('retimed.txt', 3, 'bb', 9000), file('changed.txt', 3, 'DD', 9000), file('nohash.txt', 3, '', 9000)])
    const result = plan(source, dest, {compare: 'default', fixRemoteTimes: true})
    assert.deepEqual(result.actions.map((a) => [a.rel, a.reason]), [['retimed.txt', 'time'], ['changed.txt', 'changed'], ['nohash.txt', 'changed']])
    assert.equal(result.unchanged, 1)
    const checksum = plan(source, dest, {compare: 'checksum', fixRemoteTimes: true})
    assert.deepEqual(checksum.actions.map((a) => [a.rel, a.reason]), [['changed.txt', 'changed'], ['nohash.txt', 'changed']], '--checksum: same SHA-1 is unchanged whatever the time')
  })
})
