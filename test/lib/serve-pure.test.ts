/**
 * The WebDAV server's protocol logic without a socket: paths, XML, the If header, locks,
 * properties, statuses, caches, and the body reader the PUT path streams through.
 */
import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {Readable} from 'node:stream'
import {describe, it} from 'node:test'

import {ApiError} from '../../src/lib/api/api-error.js'
import type {RemoteEntry} from '../../src/lib/drive/drive.js'
import {AlipanError, ConflictError, ExitCode, InterruptedError, NetworkError, NotFoundError, QuotaError, UsageError} from '../../src/lib/errors.js'
import {authPolicy, checkBasicAuth, hostAllowed, isLoopback, parseAddr} from '../../src/lib/serve/auth.js'
import type {ServeBackend} from '../../src/lib/serve/backend.js'
import {Dav, DavRequest} from '../../src/lib/serve/dav.js'
import {DeadPropertyStore, MAX_VALUE_BYTES} from '../../src/lib/serve/dead-props.js'
import {DavError, statusFor} from '../../src/lib/serve/errors.js'
import {announcedLength, parseDepth, parseOcChecksum, parseOcMtime, parseOverwrite, parseRange, parseTimeout} from '../../src/lib/serve/headers.js'
import {evaluateIf, parseIfHeader, submittedTokens} from '../../src/lib/serve/if-header.js'
import {LinkCache} from '../../src/lib/transfer/link-cache.js'
import {ListingCache} from '../../src/lib/serve/listing-cache.js'
import {LockManager} from '../../src/lib/serve/locks.js'
import {hrefOf, servedPathOf} from '../../src/lib/serve/paths.js'
import {etagOf, parsePropfind, propstats} from '../../src/lib/serve/properties.js'
import {propfind} from '../../src/lib/serve/propfind.js'
import {timeProperty} from '../../src/lib/serve/proppatch-time.js'
import {parseDuration, planServe} from '../../src/lib/serve/start.js'
import {DAV_NS, parseXml, serializeChildren} from '../../src/lib/serve/xml.js'
import {StreamParts} from '../../src/lib/transfer/stream-parts.js'
import {redactText} from '../../src/lib/redact.js'
import '../helpers.js'

const file = (path: string, extra: Partial<RemoteEntry> = {}): RemoteEntry => ({
  path,
  name: path.slice(path.lastIndexOf('/') + 1),
  type: 'file',
  size: 5,
  file_id: `id-${path}`,
  parent_file_id: 'p',
  content_hash: 'AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D',
  updated_at: '2026-01-02T03:04:05.000Z',
  created_at: '2026-01-01T00:00:00.000Z',
  ...extra,
})
const folder = (path: string): RemoteEntry => ({...file(path), type: 'folder', size: 0, content_hash: undefined})
const status = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return (error as DavError).status
  }
  return 'no error'
}

describe('serve: request paths', () => {
  it('decodes each segment once and keeps every path inside the served folder', () => {
    assert.deepEqual(servedPathOf('/a%20b/%E2%82%AC/'), {path: '/a b/€', slash: true})
    assert.deepEqual(servedPathOf('http://host:8080/x/y?q=1'), {path: '/x/y', slash: false})
    assert.equal(servedPathOf('//a///b').path, '/a/b')
    for (const bad of ['/../etc', '/a/../../b', '/%2e%2e/x', '/%2E./x', '/a/%2e%2E', '/./a', 'http://h/a/../..', '/a%2Fb', '/a%00b', '/%zz', '/dir/#frag']) {
      assert.equal(status(() => servedPathOf(bad)), 400, bad)
    }
  })

  it('refuses a name longer than the drive allows (1024 bytes) with a 400', () => {
    assert.equal(status(() => servedPathOf(`/${'é'.repeat(513)}`)), 400)
    assert.equal(servedPathOf(`/${'a'.repeat(1024)}`).path.length, 1025)
  })

  it('hrefs are percent-encoded, folders end in /', () => {
    assert.equal(hrefOf('/a b/c#1', false), '/a%20b/c%231')
    assert.equal(hrefOf('/dir', true), '/dir/')
    assert.equal(hrefOf('/', true), '/')
  })
})

describe('serve: XML bodies', () => {
  it('resolves namespaces from the declarations in scope, whatever the prefixes', () => {
    const bodies = ['<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>', '<propfind xmlns="DAV:"><prop><x:getetag xmlns:x="DAV:"/></prop></propfind>']
    for (const body of bodies) {
      assert.equal(parseXml(body).ns, DAV_NS)
      assert.deepEqual(parsePropfind(body), {kind: 'prop', props: [{ns: DAV_NS, name: 'getetag'}]})
    }
    assert.deepEqual(parsePropfind(''), {kind: 'allprop', include: []})
    assert.equal(status(() => parsePropfind('<propfind xmlns="urn:other"><prop/></propfind>')), 400)
  })

  it('malformed XML, an undeclared prefix and an empty prefix binding are 400s', () => {
    for (const bad of ['<a><b></a>', '<propfind xmlns="DAV:"><bar:prop/></propfind>', '<foo:propfind xmlns:foo="DAV:" xmlns:bar=""><bar:prop/></foo:propfind>', 'not xml', '<a/><b/>']) {
      assert.equal(status(() => parseXml(bad)), 400, bad)
    }
  })

  it('entity expansion is bounded: a billion laughs is refused, not expanded', () => {
    const entities = Array.from({length: 10}, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "lol">${entities}]><x>&l10;</x>`
    assert.equal(status(() => parseXml(bomb)), 400)
  })

  it('a value is kept as XML that stands on its own: namespaces, characters beyond the BMP', () => {
    const root = parseXml('<x:v xmlns:x="urn:a" xmlns:y="urn:b">t &amp; <y:e y:at="1">&#65536;</y:e></x:v>')
    assert.equal(serializeChildren(root), 't &amp; <e xmlns="urn:b" xmlns:a0="urn:b" a0:at="1">\u{10000}</e>')
  })
})

describe('serve: the If header', () => {
  const state = {etag: '"abc"', lockTokens: ['opaquelocktoken:1']}
  const holds = (header: string) => evaluateIf(parseIfHeader(header), async () => state)

  it('a list holds when all its conditions do; the header when any list does (litmus cond_put cases)', async () => {
    assert.equal(await holds('(<opaquelocktoken:1> ["abc"])'), true)
    assert.equal(await holds('(<DAV:no-lock> ["abc"])'), false)
    assert.equal(await holds('(<opaquelocktoken:1x>) (Not <DAV:no-lock>)'), true, 'the second list holds: a lock problem (423), not a failed condition')
    assert.equal(await holds('(<opaquelocktoken:1> ["abd"]) (Not <DAV:no-lock> ["abd"])'), false)
    assert.equal(await holds('<http://h/x> (Not ["zzz"])'), true)
    assert.equal(await holds('([W/"abc"])'), true, 'a weak tag from the client is taken at its word')
  })

  it('names the tokens it submits; nonsense is a 400', () => {
    assert.deepEqual([...submittedTokens(parseIfHeader('<http://h/a> (<opaquelocktoken:1>) (Not <DAV:no-lock>)'))], ['opaquelocktoken:1'])
    for (const bad of ['', '<x>', '(', '(foo)', '()', '(<a>) <b> (<c>)']) assert.equal(status(() => parseIfHeader(bad)), 400, bad)
  })
})

describe('serve: headers', () => {
  it('Depth, Overwrite, Timeout, lengths and times', () => {
    assert.equal(parseDepth(undefined, 'infinity'), 'infinity')
    assert.equal(parseDepth(' 1 ', 'infinity'), '1')
    assert.equal(status(() => parseDepth('2', '0')), 400)
    assert.equal(parseOverwrite(undefined), true)
    assert.equal(parseOverwrite('F'), false)
    assert.equal(parseTimeout('Second-600'), 600)
    assert.equal(parseTimeout('Infinite, Second-4100000000'), 3600)
    assert.equal(announcedLength({'content-length': '12'}), 12)
    assert.equal(announcedLength({'transfer-encoding': 'chunked', 'x-expected-entity-length': '4096'}), 4096, "Finder's chunked PUT")
    assert.equal(announcedLength({'transfer-encoding': 'chunked'}), undefined)
    assert.equal(status(() => announcedLength({'content-length': '-1'})), 400)
    assert.equal(parseOcMtime('1700000000'), 1_700_000_000_000)
    assert.equal(parseOcMtime('1700000000.25'), 1_700_000_000_250)
    assert.equal(parseOcChecksum('MD5:abc SHA1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'), 'AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D')
  })

  it('Range: one range, a suffix, open-ended, unsatisfiable; anything else serves it all', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), {start: 0, end: 100})
    assert.deepEqual(parseRange('bytes=900-', 1000), {start: 900, end: 1000})
    assert.deepEqual(parseRange('bytes=-100', 1000), {start: 900, end: 1000})
    assert.deepEqual(parseRange('bytes=990-5000', 1000), {start: 990, end: 1000})
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable')
    assert.equal(parseRange('bytes=0-1,5-6', 1000), undefined)
    assert.equal(parseRange('items=0-1', 1000), undefined)
  })

  it('time properties: HTTP dates and Unix seconds', () => {
    assert.equal(timeProperty(DAV_NS, 'getlastmodified')!.parse('Tue, 14 Nov 2023 22:13:20 GMT'), 1_700_000_000_000)
    assert.equal(timeProperty(DAV_NS, 'lastmodified')!.parse('1700000000'), 1_700_000_000_000)
    assert.equal(timeProperty('urn:schemas-microsoft-com:', 'Win32LastModifiedTime')!.dead, true)
    assert.equal(timeProperty(DAV_NS, 'getlastmodified')!.parse('yesterday-ish 12'), undefined)
    assert.equal(timeProperty(DAV_NS, 'displayname'), undefined)
  })
})

describe('serve: locks', () => {
  it('an exclusive lock blocks writers without its token, through depth infinity and folder membership', () => {
    const locks = new LockManager()
    const folderLock = locks.lock('/dir', {depth: 'infinity', scope: 'exclusive', owner: '', timeoutSec: 60, lockNull: false})
    assert.ok('lock' in folderLock)
    const token = folderLock.lock.token
    assert.equal(locks.blocking(new Set(), {changed: ['/dir/a/b.txt']})?.token, token)
    assert.equal(locks.blocking(new Set([token]), {changed: ['/dir/a/b.txt']}), undefined)
    assert.equal(locks.blocking(new Set(), {changed: ['/other']}), undefined)
    assert.equal(locks.blocking(new Set(), {subtrees: ['/']})?.token, token, 'deleting an ancestor needs the token of a lock below')
    const depth0 = new LockManager()
    depth0.lock('/d', {depth: '0', scope: 'exclusive', owner: '', timeoutSec: 60, lockNull: false})
    assert.ok(depth0.blocking(new Set(), {membership: ['/d']}), 'a depth-0 folder lock protects its membership')
    assert.equal(depth0.blocking(new Set(), {changed: ['/d/x']}), undefined, 'but not the content of its members')
  })

  it('shared locks coexist, exclusive ones do not; they expire', () => {
    let now = 0
    const locks = new LockManager(() => now)
    const shared = {depth: '0' as const, scope: 'shared' as const, owner: '', timeoutSec: 10, lockNull: false}
    assert.ok('lock' in locks.lock('/f', shared))
    assert.ok('lock' in locks.lock('/f', shared))
    assert.ok('conflicts' in locks.lock('/f', {...shared, scope: 'exclusive'}))
    assert.ok('conflicts' in locks.lock('/', {...shared, scope: 'exclusive', depth: 'infinity'}), 'a lock below blocks a depth-infinity lock above')
    now = 11_000
    assert.ok('lock' in locks.lock('/f', {...shared, scope: 'exclusive'}), 'expired locks are gone')
  })

  it('a lock-null resource reserves a name until it is written or unlocked', () => {
    const locks = new LockManager()
    const result = locks.lock('/new.txt', {depth: '0', scope: 'exclusive', owner: '', timeoutSec: 60, lockNull: true})
    assert.ok('lock' in result)
    assert.equal(locks.isLockNull('/new.txt'), true)
    assert.deepEqual(locks.lockNullChildren('/'), ['/new.txt'])
    locks.materialized('/new.txt')
    assert.equal(locks.isLockNull('/new.txt'), false)
    assert.equal(locks.unlock('opaquelocktoken:other', '/new.txt'), false)
    assert.equal(locks.unlock(result.lock.token, '/new.txt'), true)
  })
})

describe('serve: properties', () => {
  it('etags come from the SHA-1; getlastmodified from the time sync stores', () => {
    const entry = file('/a.txt', {item: {local_modified_at: '2025-05-05T05:05:05.000Z'} as RemoteEntry['item']})
    assert.equal(etagOf(entry), '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"')
    const resource = {path: '/a.txt', href: '/a.txt', entry, locks: [], dead: []}
    const groups = propstats(resource, {kind: 'prop', props: [{ns: DAV_NS, name: 'getlastmodified'}, {ns: 'http://owncloud.org/ns', name: 'checksums'}, {ns: 'urn:x', name: 'nope'}]})
    assert.deepEqual(groups.get(200), [
      '<D:getlastmodified>Mon, 05 May 2025 05:05:05 GMT</D:getlastmodified>',
      '<P:checksums xmlns:P="http://owncloud.org/ns"><checksum xmlns="http://owncloud.org/ns">SHA1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</checksum></P:checksums>',
    ])
    assert.deepEqual(groups.get(404), ['<P:nope xmlns:P="urn:x"/>'])
  })

  it('allprop leaves quotas and checksums out; dead properties come back as they were set', () => {
    const resource = {path: '/d', href: '/d/', entry: folder('/d'), locks: [], dead: [{ns: '', name: 'nullns', value: 'v'}]}
    const xml = propstats(resource, {kind: 'allprop', include: []}).get(200)!.join('')
    assert.match(xml, /<D:resourcetype><D:collection\/><\/D:resourcetype>/)
    assert.match(xml, /<nullns xmlns="">v<\/nullns>/)
    assert.doesNotMatch(xml, /quota|checksums|getcontentlength/)
  })

  it('dead properties follow their entry to a new id, and stay within their bounds', () => {
    const store = new DeadPropertyStore()
    store.set('a', {ns: 'urn:x', name: 'p', value: '1'})
    store.rename('a', 'b')
    assert.equal(store.find('b', 'urn:x', 'p')?.value, '1')
    assert.deepEqual(store.get('a'), [])
    assert.equal(store.fits('b', [{ns: 'urn:x', name: 'big', value: 'x'.repeat(MAX_VALUE_BYTES + 1)}]), false)
  })
})

describe('serve: statuses', () => {
  it('service failures map to the nearest WebDAV status; a 429 past its retries is a 503 with Retry-After', () => {
    const throttled = new ApiError('slow down', ExitCode.network, {status: 429, apiCode: 'TooManyRequests', retryAfterMs: 2500})
    assert.deepEqual(statusFor(throttled), {status: 503, message: 'slow down', headers: {'retry-after': '3'}})
    assert.equal(statusFor(new NotFoundError('x')).status, 404)
    assert.equal(statusFor(new ConflictError('x')).status, 409)
    assert.equal(statusFor(new QuotaError('x')).status, 507)
    assert.equal(statusFor(new NetworkError('x')).status, 502)
    assert.equal(statusFor(new AlipanError('login gone', ExitCode.auth)).status, 502)
    assert.equal(statusFor(new UsageError('bad')).status, 400)
    assert.equal(statusFor(new InterruptedError()).status, 503)
    assert.equal(statusFor(new DavError(423, 'locked', 'lock-token-submitted')).condition, 'lock-token-submitted')
    assert.equal(statusFor(new Error('bug')).status, 500)
    assert.equal(statusFor(new ApiError('bad name', ExitCode.unexpected, {status: 400, apiCode: 'InvalidParameter.Name'})).status, 400)
  })
})

describe('serve: exposure and credentials', () => {
  it('a non-loopback address needs --user and a password, or an explicit --no-auth', () => {
    assert.equal(authPolicy(parseAddr('127.0.0.1:8080'), {}), undefined)
    assert.throws(() => authPolicy(parseAddr('0.0.0.0:8080'), {}), (e) => e instanceof UsageError && e.exitCode === 2)
    assert.throws(() => authPolicy(parseAddr(':8080'), {}), UsageError)
    assert.equal(authPolicy(parseAddr('0.0.0.0:8080'), {noAuth: true}), undefined)
    assert.deepEqual(authPolicy(parseAddr('[::]:80'), {user: 'u', pass: 'p'}), {user: 'u', pass: 'p'})
    assert.throws(() => authPolicy(parseAddr('127.0.0.1:1'), {user: 'u'}), UsageError)
    assert.throws(() => authPolicy(parseAddr('127.0.0.1:1'), {pass: 'p'}), UsageError)
    assert.equal(isLoopback('localhost') && isLoopback('127.1.2.3') && isLoopback('::1') && !isLoopback('192.168.1.2'), true)
    assert.throws(() => parseAddr('nope'), UsageError)
    assert.throws(() => parseAddr('h:99999'), UsageError)
  })

  it('without credentials only loopback names and the listen address are answered (DNS rebinding)', () => {
    for (const host of ['localhost', 'LOCALHOST:8080', '127.0.0.1', '127.0.0.1:8080', '127.9.8.7:1', '[::1]', '[::1]:8080']) assert.equal(hostAllowed(host, '127.0.0.1'), true, host)
    for (const host of [undefined, '', 'rebind.attacker.example', 'rebind.attacker.example:8080', 'localhost.attacker.example', '127.0.0.1.nip.io', '192.168.1.2:8080', 'localhost:http', '[::2]:80', 'a b']) {
      assert.equal(hostAllowed(host, '127.0.0.1'), false, String(host))
    }
    assert.equal(hostAllowed('[::1]:9', '::1'), true)
    assert.equal(hostAllowed('127.0.0.2:9', '127.0.0.2'), true)
    // --no-auth on purpose: devices name it by address; a name is still refused.
    assert.equal(hostAllowed('192.168.1.10:8080', '0.0.0.0'), true)
    assert.equal(hostAllowed('[fe80::1]:8080', '::'), true)
    assert.equal(hostAllowed('nas.attacker.example:8080', '0.0.0.0'), false)
    assert.equal(hostAllowed('mybox.lan:8080', '192.168.1.10'), false)
  })

  it('Basic credentials are checked whole', () => {
    const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`
    assert.equal(checkBasicAuth(header('u:p:w'), {user: 'u', pass: 'p:w'}), true)
    assert.equal(checkBasicAuth(header('u:p'), {user: 'u', pass: 'p:w'}), false)
    assert.equal(checkBasicAuth(undefined, {user: 'u', pass: 'p'}), false)
  })

  it('the serve password is registered as a secret: --debug and error messages never show it', () => {
    planServe({user: 'tv', pass: 'pw-7hX9qL2'})
    assert.equal(redactText('Authorization for tv:pw-7hX9qL2 failed'), 'Authorization for tv:[redacted] failed')
  })

  it('flags are checked before the drive is opened: durations, TLS pairs', () => {
    assert.equal(parseDuration('30s'), 30_000)
    assert.equal(parseDuration('5m'), 300_000)
    assert.equal(parseDuration('0'), 0)
    assert.throws(() => parseDuration('soon'), UsageError)
    assert.throws(() => planServe({tlsCert: 'c.pem'}), UsageError)
    assert.equal(planServe({remote: 'alipan:/Movies/'}).remote, '/Movies')
  })
})

describe('serve: link cache', () => {
  it('one fetch per file until shortly before the URL expires; concurrent requests share it', async () => {
    let fetches = 0
    const expiring = (seconds: number) => `https://cdn.example/f?x-oss-expires=${Math.floor(Date.now() / 1000) + seconds}&x-oss-signature-version=OSS2&n=${fetches}`
    const links = new LinkCache({marginMs: 120_000})
    const fetch = async () => (fetches++, expiring(900))
    const urls = await Promise.all(Array.from({length: 20}, () => links.get('file-1', fetch)))
    assert.equal(new Set(urls).size, 1)
    assert.equal(fetches, 1)
    assert.equal(links.calls, 1)
    const short = new LinkCache({marginMs: 120_000})
    const shortFetch = async () => (fetches++, expiring(60))
    await short.get('f', shortFetch)
    await short.get('f', shortFetch)
    assert.equal(short.calls, 2, 'a URL with less than the margin left is not handed out again')
  })
})

describe('serve: listing cache', () => {
  const backend = (counts: {list: number; stat: number}, children: RemoteEntry[]): ServeBackend =>
    ({
      async stat(path: string) {
        counts.stat++
        return path === '/' ? folder('/') : children.find((c) => c.path === path)
      },
      async list() {
        counts.list++
        await new Promise((r) => setTimeout(r, 5))
        return children
      },
    }) as unknown as ServeBackend

  it('one listing per folder per cache period; lookups inside it cost nothing', async () => {
    const counts = {list: 0, stat: 0}
    let now = 0
    const cache = new ListingCache(backend(counts, [file('/a'), file('/b')]), 30_000, () => now)
    const root = (await cache.stat('/'))!
    await Promise.all([cache.list(root), cache.list(root), cache.list(root)])
    assert.equal(counts.list, 1, 'concurrent listings share one call')
    assert.equal((await cache.stat('/a'))?.path, '/a')
    assert.equal(await cache.stat('/zzz'), undefined)
    assert.equal(counts.stat, 1, 'only the root was looked up')
    now = 31_000
    await cache.list(root)
    assert.equal(counts.list, 2, 'listed again once the period is over')
  })

  it("the server's own writes show at once; an answer that raced a write is not kept", async () => {
    const counts = {list: 0, stat: 0}
    const cache = new ListingCache(backend(counts, [file('/a')]), 30_000)
    const root = (await cache.stat('/'))!
    const racing = cache.list(root)
    cache.added(file('/new'))
    await racing
    const names = (await cache.list(root)).map((e) => e.name)
    assert.equal(counts.list, 2, 'the listing that raced the write was not kept')
    assert.deepEqual(names.sort(), ['a'], 'this fake backend does not know /new; a real one would list it')
    cache.added(file('/b'))
    assert.deepEqual((await cache.list(root)).map((e) => e.name).sort(), ['a', 'b'])
    cache.removed('/a')
    assert.equal(await cache.stat('/a'), undefined)
    assert.equal(counts.list, 2)
  })
})

describe('serve: a PUT body read part by part', () => {
  it('parts of exact lengths from chunks of any size; a retried part replays its bytes', async () => {
    const body = new StreamParts(Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]), 10)
    const first = body.part(4)
    const attempt1: string[] = []
    for await (const chunk of first.chunks()) {
      attempt1.push(chunk.toString())
      break // the part PUT failed after its first chunk
    }
    const attempt2: string[] = []
    for await (const chunk of first.chunks()) attempt2.push(chunk.toString())
    assert.deepEqual(attempt1, ['abc'])
    assert.equal(attempt2.join(''), 'abcd')
    let rest = ''
    for await (const chunk of body.part(6).chunks()) rest += chunk.toString()
    assert.equal(rest, 'efghij')
    await body.expectEnd()
  })

  it('a body shorter or longer than announced is an error of the source, not a network failure to retry', async () => {
    const short = new StreamParts(Readable.from([Buffer.from('abc')]), 5)
    await assert.rejects(short.readAll(), (e) => (e as AlipanError).code === 'SourceChanged')
    const long = new StreamParts(Readable.from([Buffer.from('abcdef')]), 5)
    await assert.rejects(long.readAll(), (e) => (e as AlipanError).code === 'SourceChanged')
  })
})

describe('serve: a PROPFIND answer streamed to a client that goes away', () => {
  it('stops waiting for the socket to drain once the response is closed', async () => {
    const folder = file('/big', {type: 'folder', size: 0, file_id: 'big'})
    const children = Array.from({length: 1000}, (_, i) => file(`/big/f${i}.txt`, {parent_file_id: 'big'}))
    const backend = {stat: async (path: string) => (path === '/big' ? folder : undefined), list: async () => children} as unknown as ServeBackend
    const dav = new Dav(backend, {readOnly: false, proxy: false, dirCacheMs: 30_000, refuseFinderFiles: false})
    const req = Object.assign(Readable.from([]), {url: '/big/', headers: {depth: '1'}}) as unknown as IncomingMessage
    // A socket whose buffer is full: every write asks to wait for 'drain', which a departed client never sends.
    let writes = 0
    const res = Object.assign(new EventEmitter(), {
      headersSent: false,
      destroyed: false,
      writeHead() {
        this.headersSent = true
      },
      write() {
        writes++
        return false
      },
      end() {},
    }) as unknown as ServerResponse & {destroyed: boolean}
    const gone = new AbortController()
    const running = propfind(new DavRequest(dav, req, res, gone.signal))
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(writes, 1, 'waiting for the first batch to drain')
    res.destroyed = true
    res.emit('close')
    gone.abort()
    const settled = await Promise.race([running.then(() => 'finished', () => 'stopped'), new Promise((r) => setTimeout(r, 2000, 'still waiting'))])
    assert.equal(settled, 'stopped')
    assert.equal(writes, 1, 'nothing more was written')
  })
})
