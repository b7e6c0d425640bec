import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {errorFromResponse, isTokenRejected, parseRetryAfter} from '../../src/lib/api/api-error.js'
import {Pacer} from '../../src/lib/api/pacer.js'
import {decodeClaims} from '../../src/lib/auth/jwt.js'
import {lifetimeOf} from '../../src/lib/auth/session.js'
import {normalizeRemotePath, parentAndName} from '../../src/lib/drive/remote-path.js'
import {ExitCode, LocalFsError, asLocalFsError} from '../../src/lib/errors.js'
import {displayWidth, humanSize, renderTable} from '../../src/lib/output/format.js'
import {renameReplacing} from '../../src/lib/local-rename.js'
import {REDACTED, redactText, redactUrl, redactValue, registerSecret} from '../../src/lib/redact.js'
import {localPathUnder, safeLocalName} from '../../src/lib/transfer/local-names.js'
import {isConcurrencyError, isExpiredUrlError, toInternalUploadUrl, urlExpiresAt} from '../../src/lib/transfer/oss-url.js'
import {DEFAULT_PART_SIZE, MAX_PARTS, choosePartSize, parseSize, partCount, partRange} from '../../src/lib/transfer/part-size.js'
import {proofCodeFromBytes, proofRange, sha1Hex} from '../../src/lib/transfer/proof.js'
import '../helpers.js'

describe('proof code and pre-hash (spec §5.3–5.4 test vector)', () => {
  const file = Buffer.from(Array.from({length: 3000}, (_, i) => (7 * i + 3) % 256))

  it('3000-byte vector: range, proof, pre_hash, content_hash', () => {
    const {start, end} = proofRange('test-access-token', file.length)
    assert.deepEqual({start, end}, {start: 2222, end: 2230})
    assert.equal(proofCodeFromBytes(file.subarray(start, end)), 'xczT2uHo7/Y=')
    assert.equal(sha1Hex(file.subarray(0, 1024)), 'D48DD3C1EECCAD4E67BA2FB337A050A6CB306F44')
    assert.equal(sha1Hex(file), 'FF0F60646FBAEA7C324C3F247B4F9871DAC279C2')
  })

  it('short file: offset near the end uses fewer than 8 bytes', () => {
    const hello = Buffer.from('hello')
    const {start, end} = proofRange('test-access-token', hello.length)
    assert.deepEqual({start, end}, {start: 2, end: 5})
    assert.equal(proofCodeFromBytes(hello.subarray(start, end)), 'bGxv')
  })

  it('empty file: empty proof and the well-known SHA-1', () => {
    assert.deepEqual(proofRange('test-access-token', 0), {start: 0, end: 0})
    assert.equal(proofCodeFromBytes(Buffer.alloc(0)), '')
    assert.equal(sha1Hex(Buffer.alloc(0)), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709')
  })

  it('uses unsigned arithmetic for prefixes above 2^63', () => {
    // MD5 prefix c47c598d9b3d8a76 > 2^63: a signed parse would go negative.
    const {start} = proofRange('test-access-token', 2 ** 40)
    assert.ok(start >= 0 && start < 2 ** 40)
    assert.equal(BigInt(start), 14158289793275759222n % 2n ** 40n)
  })
})

describe('part sizing (§5.5)', () => {
  it('16 MiB by default; grows in whole MiB to stay within 10,000 parts', () => {
    assert.equal(choosePartSize(1), DEFAULT_PART_SIZE)
    assert.equal(choosePartSize(DEFAULT_PART_SIZE * MAX_PARTS), DEFAULT_PART_SIZE)
    const huge = 1024 ** 4 * 2 // 2 TiB
    const size = choosePartSize(huge)
    assert.equal(size % (1024 * 1024), 0)
    assert.ok(partCount(huge, size) <= MAX_PARTS)
    assert.ok(size > DEFAULT_PART_SIZE)
  })

  it('validates an explicit size against 100 KiB–5 GiB and the part count', () => {
    assert.throws(() => choosePartSize(10, 100 * 1024 - 1), (e: {exitCode: number}) => e.exitCode === ExitCode.usage)
    assert.throws(() => choosePartSize(10, 5 * 1024 ** 3 + 1), /between 100 KiB and 5 GiB/)
    assert.throws(() => choosePartSize(100 * 1024 * 10_001, 100 * 1024), /10001 parts; the service allows 10000/)
    assert.equal(choosePartSize(10, 100 * 1024), 100 * 1024)
  })

  it('ranges cover the file exactly once', () => {
    const size = 10 * 1024 * 1024 + 7
    const part = 1024 * 1024
    const n = partCount(size, part)
    assert.equal(n, 11)
    let covered = 0
    for (let i = 1; i <= n; i++) {
      const {start, end} = partRange(i, part, size)
      assert.equal(start, covered)
      covered = end
    }
    assert.equal(covered, size)
    assert.equal(partCount(0, part), 1)
  })

  it('parses human sizes', () => {
    assert.equal(parseSize('16MiB'), 16 * 1024 * 1024)
    assert.equal(parseSize('512k'), 512 * 1024)
    assert.equal(parseSize('1G'), 1024 ** 3)
    assert.equal(parseSize('1048576'), 1048576)
    assert.throws(() => parseSize('lots'), /Not a size/)
  })
})

describe('signed OSS URLs (§5.7, §6, §5.9)', () => {
  it('reads OSS2 absolute, OSS4 relative and legacy expiry', () => {
    assert.equal(urlExpiresAt('https://h/p?x-oss-expires=1675331925&x-oss-signature-version=OSS2'), 1675331925000)
    assert.equal(urlExpiresAt('https://h/p?x-oss-date=20240101T000000Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256'), Date.UTC(2024, 0, 1, 1))
    assert.equal(urlExpiresAt('https://h/p?Expires=1700000000'), 1700000000000)
    assert.equal(urlExpiresAt('https://h/p'), undefined)
  })

  it('recognises expiry and concurrency errors from their XML', () => {
    assert.ok(isExpiredUrlError(403, '<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>'))
    assert.ok(!isExpiredUrlError(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>'))
    assert.ok(isConcurrencyError(403, '<Message>Callback deny this request reason: ExceedMaxConcurrency</Message>'))
  })

  it('rewrites only the public Beijing upload host for internal upload', () => {
    assert.equal(
      toInternalUploadUrl('https://cn-beijing-data.aliyundrive.net/a%2Fb?partNumber=1'),
      'http://ccp-bj29-bj-1592982087.oss-cn-beijing-internal.aliyuncs.com/a%2Fb?partNumber=1',
    )
    assert.equal(toInternalUploadUrl('http://127.0.0.1:9/oss/x?y=1'), 'http://127.0.0.1:9/oss/x?y=1')
  })
})

describe('local names from remote names', () => {
  it('refuses names that could escape the target folder', () => {
    for (const bad of ['..', '.', '', 'a/b', 'a\\b', 'x\0y']) assert.throws(() => safeLocalName(bad, 'linux'), /Refusing/)
    assert.throws(() => localPathUnder('/tmp/t', ['..', 'etc']), /Refusing/)
  })

  it('keeps ordinary names, spaces, quotes and unicode', () => {
    for (const ok of ['a b.txt', 'it\'s "quoted"', '文件.txt', 'émoji 🎉', '...dots']) assert.equal(safeLocalName(ok, 'linux'), ok)
  })

  it('makes names Windows forbids safe on Windows only', () => {
    assert.equal(safeLocalName('CON', 'win32'), '_CON')
    assert.equal(safeLocalName('nul.txt', 'win32'), '_nul.txt')
    assert.equal(safeLocalName('a:b?.txt', 'win32'), 'a_b_.txt')
    assert.equal(safeLocalName('trailing. ', 'win32'), 'trailing__')
    assert.equal(safeLocalName('a:b', 'linux'), 'a:b')
  })

  it('makes every name Windows 10 reads as a device safe: spaces before the extension, CONIN$ and CONOUT$', () => {
    // Windows 10 drops what follows the first dot, then trailing spaces, before it compares.
    for (const device of ['con .txt', 'NUL  .tar.gz', 'com1 .log', 'CONIN$', 'conout$.txt', 'LPT¹ .x']) assert.equal(safeLocalName(device, 'win32'), `_${device}`)
    for (const file of ['console.txt', 'con_.txt', 'a con.txt', 'CONIN', 'com0.txt', 'com10']) assert.equal(safeLocalName(file, 'win32'), file)
    assert.equal(safeLocalName('con .txt', 'linux'), 'con .txt')
  })
})

describe('local file-system errors', () => {
  const failure = (code: string) => Object.assign(new Error(`${code}: something, rename 'a' -> 'b'`), {code})
  const onPlatform = <T>(platform: NodeJS.Platform, work: () => T): T => {
    const real = Object.getOwnPropertyDescriptor(process, 'platform')!
    Object.defineProperty(process, 'platform', {value: platform})
    try {
      return work()
    } finally {
      Object.defineProperty(process, 'platform', real)
    }
  }

  it('a file another program holds (EBUSY, a sharing violation on Windows) is the user\'s to fix: exit 9, not a bug', () => {
    const error = asLocalFsError(failure('EBUSY'), 'C:\\data\\a.txt', 'deleting')
    assert.ok(error instanceof LocalFsError)
    assert.equal(error.exitCode, ExitCode.localFs)
    assert.equal(error.message, 'Deleting C:\\data\\a.txt failed: it is busy or locked by another program (EBUSY).')
    assert.match(error.hint ?? '', /close the program/)
  })

  it('on Windows a refusal (EPERM, EACCES) suggests the file is open or read-only; elsewhere, permissions', () => {
    for (const code of ['EPERM', 'EACCES']) {
      assert.match((onPlatform('win32', () => asLocalFsError(failure(code), 'a.txt')) as LocalFsError).hint ?? '', /open.*read-only/)
      assert.match((onPlatform('linux', () => asLocalFsError(failure(code), 'a.txt')) as LocalFsError).hint ?? '', /permissions/)
    }
  })
})

describe('rename into place (a .alipan-part, the credentials)', () => {
  /** A rename that fails with `codes` in turn, then succeeds. */
  const flaky = (...codes: string[]) => {
    const calls: string[] = []
    const rename = async (from: string, to: string) => {
      calls.push(`${from}>${to}`)
      const code = codes.shift()
      if (code) throw Object.assign(new Error(code), {code})
    }
    return {calls, rename}
  }

  it('on Windows, waits out a file another program holds for a moment (a virus scan): EPERM, EACCES, EBUSY', async () => {
    const fs = flaky('EBUSY', 'EPERM', 'EACCES')
    await renameReplacing('a.alipan-part', 'a', {platform: 'win32', rename: fs.rename})
    assert.equal(fs.calls.length, 4)
  })

  it('gives up after its wait, with the last refusal', async () => {
    const fs = flaky(...Array<string>(1000).fill('EPERM'))
    const started = Date.now()
    await assert.rejects(renameReplacing('a.alipan-part', 'a', {platform: 'win32', waitMs: 150, rename: fs.rename}), {code: 'EPERM'})
    assert.ok(Date.now() - started >= 150)
  })

  it('elsewhere, or for any other error, the first failure stands', async () => {
    const linux = flaky('EBUSY')
    await assert.rejects(renameReplacing('a.alipan-part', 'a', {platform: 'linux', rename: linux.rename}), {code: 'EBUSY'})
    assert.equal(linux.calls.length, 1)
    const missing = flaky('ENOENT')
    await assert.rejects(renameReplacing('a.alipan-part', 'a', {platform: 'win32', rename: missing.rename}), {code: 'ENOENT'})
    assert.equal(missing.calls.length, 1)
  })
})

describe('remote paths', () => {
  it('normalizes to absolute POSIX paths', () => {
    assert.equal(normalizeRemotePath('a//b/./c/'), '/a/b/c')
    assert.equal(normalizeRemotePath('/'), '/')
    assert.equal(normalizeRemotePath('/a/b/../c'), '/a/c')
    assert.throws(() => normalizeRemotePath('/..'), /above the root/)
    assert.deepEqual(parentAndName('/a/b c/d.txt'), ['/a/b c', 'd.txt'])
  })
})

describe('redaction', () => {
  it('hides JWTs, bearer tokens, signed query strings and registered secrets', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl'
    assert.ok(!redactText(`token ${jwt} end`).includes(jwt))
    assert.equal(redactText('Authorization: Bearer abc.def'), `Authorization: Bearer ${REDACTED}`)
    assert.equal(redactUrl('http://h/oss/x?x-oss-signature=abc'), `http://h/oss/x?${REDACTED}`)
    registerSecret('plain-secret-value')
    assert.ok(!redactText('the plain-secret-value leaked').includes('plain-secret-value'))
    const value = redactValue({refresh_token: 'r', nested: {client_secret: 's', url: 'https://h/a?sig=1'}, name: 'db_backup.20261127_full.tar'}) as Record<string, any>
    assert.equal(value.refresh_token, REDACTED)
    assert.equal(value.nested.client_secret, REDACTED)
    assert.equal(value.nested.url, `https://h/a?${REDACTED}`)
    assert.equal(value.name, 'db_backup.20261127_full.tar')
  })
})

describe('API errors (§7)', () => {
  it('maps codes to exit codes with plain messages', () => {
    const cases: Array<[number, string, number]> = [
      [404, '{"code":"NotFound.File","message":"file not exist"}', ExitCode.notFound],
      [401, '{"code":"AccessTokenInvalid","message":"x"}', ExitCode.auth],
      [400, '{"code":"AccessDenied","message":"invalid token"}', ExitCode.auth],
      [409, '{"code":"AlreadyExist.File","message":"x"}', ExitCode.conflict],
      [403, '{"code":"ExceedCapacityForbidden","message":"x"}', ExitCode.quota],
      [400, '{"code":"QuotaExhausted.Drive","message":"x"}', ExitCode.quota],
      [413, 'Payload Too Large', ExitCode.quota],
      [400, '{"code":"VideoPreviewWaitAndRetry","message":"x"}', ExitCode.notReady],
      [429, '{"code":"TooManyRequests","message":"x"}', ExitCode.network],
      [502, 'Bad Gateway', ExitCode.network],
      [400, '{"code":"InvalidParameter.Name","message":"bad"}', ExitCode.unexpected],
    ]
    for (const [status, body, exit] of cases) assert.equal(errorFromResponse(status, body).exitCode, exit, body)
    const capacity = errorFromResponse(403, '{"code":"ExceedCapacityForbidden","message":"x"}')
    assert.match(capacity.message, /over its capacity/)
    assert.ok(capacity.hint)
    assert.equal(errorFromResponse(413, 'Payload Too Large').apiCode, 'Payload Too Large')
    assert.equal(errorFromResponse(404, '{"timestamp":"t","status":404,"error":"Not Found","path":"/x"}').exitCode, ExitCode.notFound)
  })

  it('reads x-retry-after in milliseconds', () => {
    assert.equal(parseRetryAfter({'x-retry-after': '1500'}), 1500)
    assert.equal(parseRetryAfter({'retry-after': '2'}), 2000)
    assert.equal(parseRetryAfter({}), undefined)
  })

  it('knows which errors a token refresh may cure', () => {
    assert.ok(isTokenRejected(errorFromResponse(401, '{"code":"AccessTokenExpired"}')))
    assert.ok(isTokenRejected(errorFromResponse(400, '{"code":"I400JD"}')))
    assert.ok(!isTokenRejected(errorFromResponse(401, '{"code":"RefreshTokenExpired"}')))
    assert.ok(!isTokenRejected(errorFromResponse(403, '{"code":"PermissionDenied"}')))
  })
})

describe('tokens', () => {
  it('decodes base64url JWT claims and derives lifetimes', () => {
    const payload = Buffer.from(JSON.stringify({sub: 'u1', exp: 2_000_000_000})).toString('base64url')
    const token = `eyJhbGciOiJub25lIn0.${payload}.sig`
    assert.deepEqual(decodeClaims(token), {sub: 'u1', exp: 2_000_000_000, iat: undefined})
    assert.equal(decodeClaims('not-a-jwt'), undefined)
    assert.equal(lifetimeOf({access_token: 'x', expires_in: 60}, 0), 60)
    assert.equal(lifetimeOf({access_token: token}, 1_999_999_000 * 1000), 1000)
    assert.equal(lifetimeOf({access_token: 'opaque'}, 0), 7200)
  })
})

describe('pacing (§7.3)', () => {
  it('lets a short burst through at once, then holds the sustained rate under the limit', async () => {
    // 150/s "other": burst of 50, then one call per 1000/(150·0.95) ≈ 7.0 ms.
    const pacer = new Pacer({list: 4, link: 1, other: 150})
    const started = performance.now()
    for (let i = 0; i < 50; i++) await pacer.take('other')
    assert.ok(performance.now() - started < 40, 'the burst is not paced')
    const sustained = performance.now()
    for (let i = 0; i < 30; i++) await pacer.take('other')
    assert.ok(performance.now() - sustained >= 29 * 6.9, 'after the burst, calls are spaced by the interval')
  })

  it('classes are independent, and a 1/s class has no burst', async () => {
    const pacer = new Pacer()
    await pacer.take('link')
    const started = performance.now()
    await pacer.take('list')
    await pacer.take('other')
    assert.ok(performance.now() - started < 30, 'other classes are not held up by link')
    const link = performance.now()
    await pacer.take('link')
    assert.ok(performance.now() - link >= 1000, 'a second getDownloadUrl waits a full second')
  })
})

describe('output', () => {
  it('human sizes and tables: aligned on a terminal, tab-separated when piped', () => {
    assert.equal(humanSize(0), '0 B')
    assert.equal(humanSize(1536), '1.50 KiB')
    assert.equal(humanSize(5 * 1024 ** 3), '5.00 GiB')
    const rows = [{n: 'a', s: 1}, {n: '文件', s: 22}]
    const cols = [{header: 'name', human: (r: {n: string}) => r.n}, {header: 'size', human: (r: {s: number}) => String(r.s), align: 'right' as const}]
    assert.equal(renderTable(rows, cols, false), 'a\t1\n文件\t22')
    const tty = renderTable(rows, cols, true).split('\n')
    assert.equal(tty[0], 'NAME  SIZE')
    assert.equal(displayWidth('文件'), 4)
    assert.equal(tty[2], '文件    22')
  })
})

describe('environment', () => {
  it('expands a leading ~ in ALIPAN_CONFIG_DIR (CI files have no shell to do it)', async () => {
    const {readEnvironment} = await import('../../src/lib/env.js')
    const {homedir} = await import('node:os')
    assert.equal(readEnvironment({ALIPAN_CONFIG_DIR: '~/.alipan'}).configDir, `${homedir()}/.alipan`)
    assert.equal(readEnvironment({ALIPAN_CONFIG_DIR: '/abs/~x'}).configDir, '/abs/~x')
    assert.equal(readEnvironment({}).apiUrl, 'https://openapi.alipan.com')
    assert.equal(readEnvironment({ALIPAN_API_URL: 'http://127.0.0.1:9/'}).apiUrl, 'http://127.0.0.1:9')
    assert.throws(() => readEnvironment({ALIPAN_API_URL: 'not a url'}), /not a valid URL/)
  })
})
