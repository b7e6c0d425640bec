/**
 * Encrypted locations (issue 20) through the commands users run: set-up (crypt add, list,
 * remove, import, export), addressing (`vault:/x`, `vault@PROFILE:/x`) in ls, put, get, sync,
 * check, rm, mv, cp, mkdir, find, and what goes wrong (a wrong password, a corrupted or truncated
 * file, a name that does not decrypt, a bad rclone.conf). What lands on the drive is checked with
 * the crypt library itself (the interop tests hold it to rclone).
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Crypt, encryptedSize, formatCryptSection} from '../../src/lib/crypt/index.js'
import {type Fixture, pattern, setup, startCli} from '../support.js'
import {davRequest} from '../serve-support.js'
import '../helpers.js'

const MiB = 1024 * 1024
const PASSWORDS = {ALIPAN_CRYPT_PASSWORD: 'correct horse', ALIPAN_CRYPT_PASSWORD2: 'battery staple'}
/** The sizes around a block's edges (64 KiB of plain bytes per block) and one several MiB. */
const SIZES = [0, 1, 65_535, 65_536, 65_537, 6 * MiB + 5]

describe('encrypted locations (crypt)', () => {
  let f: Fixture
  let crypt: Crypt

  before(async () => {
    f = await setup({rateLimit: false})
    await f.login()
    crypt = await Crypt.create({password: PASSWORDS.ALIPAN_CRYPT_PASSWORD, password2: PASSWORDS.ALIPAN_CRYPT_PASSWORD2})
    const added = await f.cli(['crypt', 'add', 'vault', '--remote', 'alipan:/vault'], {env: PASSWORDS})
    assert.equal(added.exitCode, 0, added.stderr)
  })
  after(() => f.close())

  /** What the drive itself holds under /vault: every path, decrypted with the library. */
  const rawNames = () => {
    const out: string[] = []
    const walk = (dir: string) => {
      for (const item of f.emu.fs().list(dir)) {
        const path = `${dir}/${item.name as string}`
        out.push(path)
        if (item.type === 'folder') walk(path)
      }
    }
    if (f.emu.fs().get('/vault')) walk('/vault')
    return out
  }

  describe('set-up', () => {
    it('crypt add keeps the passwords obscured in crypt.json (0600), never in output; list shows no password', async () => {
      const file = join(f.configDir, 'crypt.json')
      const text = readFileSync(file, 'utf8')
      assert.doesNotMatch(text, /correct horse|battery staple/)
      const stored = JSON.parse(text).locations.vault
      assert.equal(stored.remote, 'alipan,drive=default:/vault', 'the drive is written out')
      assert.equal(stored.filename_encryption, 'standard')
      assert.equal(stored.directory_name_encryption, true)
      assert.equal(stored.filename_encoding, 'base32')
      if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600)
      const list = await f.cli(['crypt', 'list', '--json'])
      assert.equal(list.exitCode, 0, list.stderr)
      assert.deepEqual(JSON.parse(list.stdout), [{name: 'vault', remote: 'alipan,drive=default:/vault', filename_encryption: 'standard', directory_name_encryption: true, filename_encoding: 'base32', password2: true}])
      assert.doesNotMatch(list.stdout + list.stderr, /correct horse|battery staple/)
      // A new location lists empty; its folder on the drive is made by the first write.
      const ls = await f.cli(['ls', 'vault:/'])
      assert.equal(ls.exitCode, 0, ls.stderr)
      assert.equal(ls.stdout, '')
      assert.equal(f.emu.fs().get('/vault'), undefined)
    })

    it('without a terminal and without a password source, add exits 2 saying where a password can come from', async () => {
      const result = await f.spawn(['crypt', 'add', 'nopass', '--remote', 'alipan:/x'])
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, /ALIPAN_CRYPT_PASSWORD/)
      assert.match(result.stderr, /--password-command/)
    })

    it('--password-command and --password2-command: the first line of each (no shell); later lines, as pass prints notes, are ignored', async () => {
      const script = join(f.workDir, 'pw.mjs')
      writeFileSync(script, "process.stdout.write('correct horse\\nlogin: me\\nurl: example.org\\n')\n")
      const script2 = join(f.workDir, 'pw2.mjs')
      writeFileSync(script2, "process.stdout.write('battery staple\\nnotes\\n')\n")
      const alone = await f.cli(['crypt', 'add', 'onlyfirst', '--remote', 'alipan:/onlyfirst', '--password-command', `"${process.execPath}" ${script}`, '--json'], {env: {ALIPAN_CRYPT_PASSWORD2: ''}})
      assert.equal(alone.exitCode, 0, alone.stderr)
      assert.equal(JSON.parse(alone.stdout).password2, false, 'the notes after the password are not a salt')
      await f.cli(['crypt', 'remove', 'onlyfirst'])
      const result = await f.cli(['crypt', 'add', 'bycmd', '--remote', 'alipan:/vault', '--password-command', `"${process.execPath}" ${script}`, '--password2-command', `"${process.execPath}" ${script2}`, '--json'])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.equal(JSON.parse(result.stdout).password2, true)
      // Same passwords, same remote: the two locations read the same files.
      writeFileSync(join(f.workDir, 'via.txt'), 'same keys')
      assert.equal((await f.cli(['put', join(f.workDir, 'via.txt'), 'vault:/'])).exitCode, 0)
      const got = await f.spawn(['get', 'bycmd:/via.txt', '-'])
      assert.equal(got.status, 0, got.stderr)
      assert.equal(got.stdout, 'same keys')
      await f.cli(['crypt', 'remove', 'bycmd'])
    })

    it('bad names and places: one letter (a drive letter), "alipan", a taken name, a remote that is no place in the drive', async () => {
      const cases: Array<[string[], number, RegExp]> = [
        [['crypt', 'add', 'v', '--remote', 'alipan:/x'], 2, /drive/],
        [['crypt', 'add', 'alipan', '--remote', 'alipan:/x'], 2, /names the drive itself/],
        [['crypt', 'add', 'vault', '--remote', 'alipan:/x'], 6, /already an encrypted location named vault/],
        [['crypt', 'add', 'inner', '--remote', 'vault:/x'], 2, /not a place in the drive/],
        [['crypt', 'add', 'other', '--remote', 'alipan@nosuch:/x'], 4, /nosuch/],
      ]
      for (const [args, code, message] of cases) {
        const result = await f.cli(args, {env: PASSWORDS})
        assert.equal(result.exitCode, code, `${args.join(' ')}: ${result.stderr}`)
        assert.match(result.stderr, message)
      }
      const empty = await f.cli(['crypt', 'add', 'empty', '--remote', 'alipan:/x'], {env: {ALIPAN_CRYPT_PASSWORD: ''}})
      assert.equal(empty.exitCode, 2)
      assert.match(empty.stderr, /password is empty/)
    })

    it('import takes a crypt section (the options too); export writes one rclone takes back; the reasons when it cannot', async () => {
      const conf = join(f.workDir, 'rclone.conf')
      const section = formatCryptSection({name: 'secret', remote: 'gdrive:enc', password: 'pw one', password2: '', filenameEncryption: 'off', directoryNameEncryption: false, filenameEncoding: 'base64'})
      writeFileSync(conf, `[gdrive]\ntype = drive\n\n${section}\n[broken]\ntype = crypt\nremote = x:\npassword = not*obscured\n`)
      const imported = await f.cli(['crypt', 'import', 'secret', '--config', conf, '--remote', 'alipan:/imported', '--json'])
      assert.equal(imported.exitCode, 0, imported.stderr)
      assert.deepEqual(JSON.parse(imported.stdout), {name: 'secret', remote: 'alipan,drive=default:/imported', filename_encryption: 'off', directory_name_encryption: false, filename_encoding: 'base64', password2: false, section: 'secret', rclone_remote: 'gdrive:enc'})
      writeFileSync(join(f.workDir, 'note.txt'), 'off mode')
      assert.equal((await f.cli(['put', join(f.workDir, 'note.txt'), 'secret:/'])).exitCode, 0)
      assert.ok(f.emu.fs().get('/imported/note.txt.bin'), 'off mode: the plain name and .bin')

      const missing = await f.cli(['crypt', 'import', 'nothere', '--config', conf, '--remote', 'alipan:/x'])
      assert.equal(missing.exitCode, 2)
      assert.match(missing.stderr, /no section \[nothere\]/)
      assert.match(missing.stderr, /crypt sections: secret, broken/)
      const notCrypt = await f.cli(['crypt', 'import', 'gdrive', '--config', conf, '--remote', 'alipan:/x'])
      assert.equal(notCrypt.exitCode, 2)
      assert.match(notCrypt.stderr, /not a crypt remote/)
      const bad = await f.cli(['crypt', 'import', 'broken', '--config', conf, '--remote', 'alipan:/x'])
      assert.equal(bad.exitCode, 2)
      assert.match(bad.stderr, /not rclone-obscured/)
      writeFileSync(join(f.workDir, 'nocrypt.conf'), '[a]\ntype = local\n')
      const none = await f.cli(['crypt', 'import', 'a2', '--config', join(f.workDir, 'nocrypt.conf'), '--remote', 'alipan:/x'])
      assert.equal(none.exitCode, 2)
      assert.match(none.stderr, /no crypt section at all/)

      // Export: printed, or written into a file; --json never carries the section.
      const printed = await f.spawn(['crypt', 'export', 'secret', '--rclone-remote', '/mnt/raw'])
      assert.equal(printed.status, 0, printed.stderr)
      assert.match(printed.stdout, /^\[secret\]\ntype = crypt\nremote = \/mnt\/raw\npassword = [A-Za-z0-9_-]+\nfilename_encryption = off\ndirectory_name_encryption = false\nfilename_encoding = base64\n$/)
      assert.doesNotMatch(printed.stdout, /pw one/)
      const asJson = await f.cli(['crypt', 'export', 'secret', '--rclone-remote', '/mnt/raw', '--json'])
      assert.equal(asJson.exitCode, 2)
      const out = join(f.workDir, 'out.conf')
      const written = await f.cli(['crypt', 'export', 'vault', '--rclone-remote', 'openlist:/vault', '--config', out, '--json'])
      assert.equal(written.exitCode, 0, written.stderr)
      assert.deepEqual(JSON.parse(written.stdout), {name: 'vault', section: 'vault', rclone_remote: 'openlist:/vault', config: out})
      if (process.platform !== 'win32') assert.equal(statSync(out).mode & 0o777, 0o600)
      // Back in: the same keys.
      const again = await f.cli(['crypt', 'import', 'vault', '--config', out, '--remote', 'alipan:/vault', '--name', 'vault2', '--json'])
      assert.equal(again.exitCode, 0, again.stderr)
      writeFileSync(join(f.workDir, 'round.txt'), 'round trip')
      assert.equal((await f.cli(['put', join(f.workDir, 'round.txt'), 'vault:/'])).exitCode, 0)
      const back = await f.spawn(['get', 'vault2:/round.txt', '-'])
      assert.equal(back.stdout, 'round trip', back.stderr)
      assert.equal((await f.cli(['crypt', 'remove', 'vault2'])).exitCode, 0)

      // Another kind of remote under that name is left alone (exit 6); a symlinked rclone.conf stays a link.
      const theirs = join(f.workDir, 'theirs.conf')
      writeFileSync(theirs, '[vault]\ntype = drive\ntoken = {"access_token":"keep me"}\n')
      const clash = await f.cli(['crypt', 'export', 'vault', '--rclone-remote', '/mnt/raw', '--config', theirs])
      assert.equal(clash.exitCode, 6, clash.stderr)
      assert.match(clash.stderr, /already has a remote \[vault\] of type drive/)
      assert.match(readFileSync(theirs, 'utf8'), /keep me/)
      if (process.platform !== 'win32') {
        const link = join(f.workDir, 'linked.conf')
        symlinkSync(out, link)
        assert.equal((await f.cli(['crypt', 'export', 'vault', '--rclone-remote', '/mnt/other', '--config', link])).exitCode, 0)
        assert.ok(lstatSync(link).isSymbolicLink(), 'still a link')
        assert.match(readFileSync(out, 'utf8'), /remote = \/mnt\/other/)
      }
    })

    it('remove forgets the settings, not the files; an unknown name exits 3', async () => {
      await f.cli(['crypt', 'add', 'gone', '--remote', 'alipan:/gone'], {env: PASSWORDS})
      writeFileSync(join(f.workDir, 'kept.txt'), 'kept')
      assert.equal((await f.cli(['put', join(f.workDir, 'kept.txt'), 'gone:/'])).exitCode, 0)
      const removed = await f.cli(['crypt', 'remove', 'gone'])
      assert.equal(removed.exitCode, 0, removed.stderr)
      assert.equal(f.emu.fs().list('/gone').length, 1, 'the encrypted file stays')
      const unknown = await f.cli(['crypt', 'remove', 'gone'])
      assert.equal(unknown.exitCode, 3)
      // Not a location any more: gone:/x is a local path again for sync, and no remote for ls.
      const ls = await f.cli(['ls', 'gone:/'])
      assert.notEqual(ls.exitCode, 0)
    })
  })

  describe('files', () => {
    it('put and get round-trip every size around a block edge, names and sizes encrypted on the drive', async () => {
      const dir = join(f.workDir, 'sizes')
      mkdirSync(join(dir, 'sub folder'), {recursive: true})
      for (const size of SIZES) writeFileSync(join(dir, size > MiB ? `sub folder/big ${size}.bin` : `s-${size}.bin`), pattern(size, size + 3))
      const put = await f.cli(['put', '-r', `${dir}/`, 'vault:/sizes', '--json'])
      assert.equal(put.exitCode, 0, put.stderr)
      const rows = JSON.parse(put.stdout) as Array<{size: number; rapid: boolean; bytes_sent: number; remote_path: string}>
      for (const row of rows) {
        assert.equal(row.rapid, false)
        assert.equal(row.bytes_sent, encryptedSize(row.size), `${row.remote_path}: ciphertext sent`)
      }
      // On the drive: no plain name, sizes by formula, and the library decrypts each.
      const raw = rawNames()
      assert.ok(raw.every((p) => !/sizes|s-\d|big|sub folder/.test(p)), raw.join('\n'))
      const ls = await f.cli(['ls', '-R', 'vault:/sizes', '--json'])
      const listed = JSON.parse(ls.stdout) as Array<{path: string; size: number | null; type: string}>
      assert.deepEqual(listed.filter((e) => e.type === 'file').map((e) => e.size).sort((a, b) => a! - b!), [...SIZES].sort((a, b) => a - b))
      assert.ok(listed.some((e) => e.path === '/sizes/sub folder' && e.type === 'folder'))

      const out = join(f.workDir, 'sizes-out')
      const got = await f.cli(['get', '-r', 'vault:/sizes', out, '--json'])
      assert.equal(got.exitCode, 0, got.stderr)
      for (const row of JSON.parse(got.stdout) as Array<{verified: boolean; path: string}>) assert.equal(row.verified, true, row.path)
      for (const size of SIZES) {
        const rel = size > MiB ? `sub folder/big ${size}.bin` : `s-${size}.bin`
        assert.ok(readFileSync(join(out, rel)).equals(pattern(size, size + 3)), rel)
      }
      assert.deepEqual(readdirSync(out).filter((n) => n.includes('alipan-part')), [], 'no temporary file left')
      // Standard output, decrypted as it streams.
      const one = await f.spawn(['get', 'vault:/sizes/s-65537.bin', '-'], {})
      assert.equal(one.status, 0, one.stderr)
      assert.equal(Buffer.from(one.stdout, 'latin1').length > 0, true)
    })

    it('Ctrl-C during put: nothing visible; the re-run resumes with the same nonce, so the parts already sent fit', async () => {
      const data = pattern(6 * MiB, 55)
      const path = join(f.workDir, 'resume-up.bin')
      writeFileSync(path, data)
      f.emu.resetCounters()
      f.emu.setThrottle(2 * MiB)
      const run = startCli(['put', path, 'vault:/resume/', '--part-size', '1MiB', '--progress'], f.env)
      const deadline = Date.now() + 20_000
      while (f.emu.counters.bytesIn < 2.5 * MiB) {
        if (Date.now() > deadline) throw new Error('the upload did not start')
        await new Promise((r) => setTimeout(r, 20))
      }
      run.child.kill('SIGINT')
      const stopped = await run.done
      f.emu.setThrottle(false)
      assert.equal(stopped.status, 130, stopped.stderr)
      const states = readdirSync(join(f.configDir, 'transfers')).filter((n) => n.startsWith('upload-'))
      assert.equal(states.length, 1)
      const state = JSON.parse(readFileSync(join(f.configDir, 'transfers', states[0]), 'utf8'))
      assert.match(state.source_token, /^crypt-nonce:[0-9a-f]{48}$/, 'the nonce is kept with the session')
      assert.equal(f.emu.fs().get(`/vault/${crypt.names.encryptDirPath('resume')}/${crypt.names.encryptFilePath('resume-up.bin')}`), undefined)
      f.emu.resetCounters()
      const again = await f.spawn(['put', path, 'vault:/resume/', '--part-size', '1MiB', '--json'])
      assert.equal(again.status, 0, again.stderr)
      assert.ok(f.emu.counters.bytesIn <= encryptedSize(data.length) - 2 * MiB, `resumed: sent ${f.emu.counters.bytesIn}`)
      const back = await f.cli(['get', 'vault:/resume/resume-up.bin', join(f.workDir, 'resume-back.bin')])
      assert.equal(back.exitCode, 0, back.stderr)
      assert.ok(readFileSync(join(f.workDir, 'resume-back.bin')).equals(data))
    })

    it('standard input goes in streamed (no temp file, rapid upload or not) and encrypted', async () => {
      const data = pattern(300_000, 9)
      const put = await f.spawn(['put', '-', 'vault:/stdin.bin', '--json'], {input: data})
      assert.equal(put.status, 0, put.stderr)
      assert.equal(JSON.parse(put.stdout)[0].size, data.length)
      const back = await f.cli(['get', 'vault:/stdin.bin', join(f.workDir, 'stdin.bin')])
      assert.equal(back.exitCode, 0, back.stderr)
      assert.ok(readFileSync(join(f.workDir, 'stdin.bin')).equals(data))
    })

    it('a name that does not decrypt is reported once with a notice and skipped; a size no encrypted file has is said too', async () => {
      f.emu.fs().put('/vault/notes/plain-name.txt', 'not encrypted')
      const stored = `${crypt.names.encryptDirPath('notes')}`
      f.emu.fs().put(`/vault/${stored}/x`, 'x')
      writeFileSync(join(f.workDir, 'kept.txt'), 'kept')
      assert.equal((await f.cli(['put', join(f.workDir, 'kept.txt'), 'vault:/notes/'])).exitCode, 0)
      const ls = await f.cli(['ls', 'vault:/'])
      assert.equal(ls.exitCode, 0, ls.stderr)
      assert.match(ls.stderr, /Notice: vault: skipped \/vault\/notes: its name does not decrypt/)
      assert.doesNotMatch(ls.stdout, /plain-name|^notes\//m)
      const lsAgain = await f.cli(['ls', '-R', 'vault:/notes'])
      assert.match(lsAgain.stderr, /skipped \/vault\/[a-z0-9]+\/x: its name does not decrypt/)
      assert.equal(lsAgain.stderr.split('\n').filter((l) => l.includes('/x:')).length, 1, 'once')
      assert.equal(lsAgain.stdout, 'kept.txt\n')
    })

    it('a password that is also a word of a path is not given away by redacting that path', async () => {
      const env = {ALIPAN_CRYPT_PASSWORD: 'archive2024', ALIPAN_CRYPT_PASSWORD2: ''}
      assert.equal((await f.cli(['crypt', 'add', 'wordy', '--remote', 'alipan:/wordy'], {env})).exitCode, 0)
      const r = await f.cli(['ls', 'wordy:/archive2024'])
      assert.equal(r.exitCode, 3, r.stderr)
      assert.match(r.stderr, /wordy:\/archive2024/)
      assert.doesNotMatch(r.stderr, /redacted/)
      assert.equal((await f.cli(['crypt', 'remove', 'wordy'])).exitCode, 0)
    })

    it('a wrong password where names are encrypted: not an empty folder but one line and exit 10 (ls, get -r, sync)', async () => {
      writeFileSync(join(f.workDir, 'named.txt'), 'names need the right key')
      assert.equal((await f.cli(['put', join(f.workDir, 'named.txt'), 'vault:/named/'])).exitCode, 0)
      const env = {ALIPAN_CRYPT_PASSWORD: 'not the password', ALIPAN_CRYPT_PASSWORD2: PASSWORDS.ALIPAN_CRYPT_PASSWORD2}
      assert.equal((await f.cli(['crypt', 'add', 'wrongnames', '--remote', 'alipan:/vault'], {env})).exitCode, 0)
      for (const args of [['ls', 'wrongnames:/'], ['get', '-r', 'wrongnames:/', join(f.workDir, 'wrongnames-out')], ['sync', 'wrongnames:/', join(f.workDir, 'wrongnames-mirror')]]) {
        const r = await f.cli(args)
        assert.equal(r.exitCode, 10, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, /Cannot decrypt any of the \d+ names in wrongnames:\/: wrong password, or not an encrypted folder/, args.join(' '))
        assert.doesNotMatch(r.stderr, /not the password/)
      }
      assert.equal(existsSync(join(f.workDir, 'wrongnames-out', 'named')), false)
      assert.equal((await f.cli(['crypt', 'remove', 'wrongnames'])).exitCode, 0)
    })

    it('get of a file uploaded with other passwords: one line, exit 10, nothing under the final name', async () => {
      writeFileSync(join(f.workDir, 'secret.txt'), 'for the right password only')
      assert.equal((await f.cli(['put', join(f.workDir, 'secret.txt'), 'vault:/pw/'])).exitCode, 0)
      // Another location with other passwords, holding the same ciphertext under a name of its own.
      const other = await Crypt.create({password: 'wrong password', password2: PASSWORDS.ALIPAN_CRYPT_PASSWORD2})
      await f.cli(['crypt', 'add', 'wrongpw', '--remote', 'alipan:/wrongpw'], {env: {ALIPAN_CRYPT_PASSWORD: 'wrong password', ALIPAN_CRYPT_PASSWORD2: PASSWORDS.ALIPAN_CRYPT_PASSWORD2}})
      const raw = f.emu.fs().read(`/vault/${crypt.names.encryptDirPath('pw')}/${crypt.names.encryptFilePath('secret.txt')}`)
      f.emu.fs().put(`/wrongpw/${other.names.encryptFilePath('secret.txt')}`, raw)
      const dest = join(f.workDir, 'wrong-out')
      const result = await f.spawn(['get', 'wrongpw:/secret.txt', dest])
      assert.equal(result.status, 10, result.stderr)
      // One line for the file (and the usual summary), no stack trace, no password.
      assert.equal(result.stderr.split('\n').filter((l) => /wrong password, or not an rclone-crypt file/.test(l)).length, 1, result.stderr)
      assert.doesNotMatch(result.stderr, /\n\s+at /)
      assert.doesNotMatch(result.stderr, /correct horse|wrong password,? password|at .*\.js/)
      assert.equal(existsSync(dest), false)
      assert.deepEqual(readdirSync(f.workDir).filter((n) => n.startsWith('wrong-out')), [])
    })

    it('a corrupted block or a truncated file fails alone, named, with nothing under its name; the rest of get -r lands', async () => {
      const dir = join(f.workDir, 'bad')
      mkdirSync(dir)
      const good = pattern(200_000, 1)
      writeFileSync(join(dir, 'good.bin'), good)
      writeFileSync(join(dir, 'corrupt.bin'), pattern(200_000, 2))
      writeFileSync(join(dir, 'short.bin'), pattern(200_000, 3))
      writeFileSync(join(dir, 'corrupt-big.bin'), pattern(6 * MiB, 4))
      assert.equal((await f.cli(['put', '-r', `${dir}/`, 'vault:/bad'])).exitCode, 0)
      const folder = `/vault/${crypt.names.encryptDirPath('bad')}`
      const stored = (name: string) => `${folder}/${crypt.names.encryptFilePath(name)}`
      for (const name of ['corrupt.bin', 'corrupt-big.bin']) {
        const bytes = Buffer.from(f.emu.fs().read(stored(name)))
        bytes[32 + 65_552 + 100] ^= 0x40 // a byte of block 1
        f.emu.fs().put(stored(name), bytes)
      }
      // Cut inside the tag of its last block: a size no encrypted file has (a cut through a block's
      // data shows as that block failing its check, and one on a block edge cannot be seen at all).
      const short = f.emu.fs().read(stored('short.bin'))
      f.emu.fs().put(stored('short.bin'), short.subarray(0, 32 + 3 * 65_552 + 10))

      const out = join(f.workDir, 'bad-out')
      const result = await f.cli(['get', '-r', 'vault:/bad', out, '--json'])
      assert.equal(result.exitCode, 10, result.stderr)
      const rows = JSON.parse(result.stdout) as Array<{remote_path: string; error?: {code: string; message: string}}>
      const failed = Object.fromEntries(rows.filter((r) => r.error).map((r) => [r.remote_path, r.error!]))
      assert.equal(failed['/bad/corrupt.bin']?.code, 'CryptCorruptBlock')
      assert.match(failed['/bad/corrupt.bin'].message, /\/bad\/corrupt\.bin: block 1 .* failed authentication/)
      assert.equal(failed['/bad/corrupt-big.bin']?.code, 'CryptCorruptBlock')
      assert.equal(failed['/bad/short.bin']?.code, 'CryptTruncated')
      assert.match(failed['/bad/short.bin'].message, /\/bad\/short\.bin: the encrypted file is truncated/)
      assert.match(result.stderr, /Notice: vault: \/bad\/short\.bin has 196698 bytes, which no encrypted file has/)
      assert.ok(readFileSync(join(out, 'good.bin')).equals(good))
      assert.deepEqual(readdirSync(out).sort(), ['good.bin'], 'nothing else, not even a .part')
    })
  })

  describe('sync and check', () => {
    it('a re-run of sync reads nothing and sends nothing; check compares without downloading (nonces recorded at upload)', async () => {
      const dir = join(f.workDir, 'tree')
      mkdirSync(join(dir, 'a/b'), {recursive: true})
      for (let i = 0; i < 12; i++) writeFileSync(join(dir, i % 2 ? 'a/b' : 'a', `f${i}.txt`), `file ${i}\n`.repeat(i * 100 + 1))
      writeFileSync(join(dir, 'big.bin'), pattern(6 * MiB, 77))
      const first = await f.cli(['sync', dir, 'vault:/tree', '--json'])
      assert.equal(first.exitCode, 0, first.stderr)
      assert.equal(JSON.parse(first.stdout).summary.new, 15)
      f.emu.resetCounters()
      const again = await f.cli(['sync', dir, 'vault:/tree', '--json'])
      assert.equal(again.exitCode, 0, again.stderr)
      const summary = JSON.parse(again.stdout).summary
      assert.deepEqual({new: summary.new, replaced: summary.replaced, deleted: summary.deleted, unchanged: summary.unchanged, bytes: summary.bytes}, {new: 0, replaced: 0, deleted: 0, unchanged: 13, bytes: 0})
      assert.equal(f.emu.counters.bytesIn, 0)
      assert.equal(f.emu.counters.bytesOut, 0)

      f.emu.resetCounters()
      const check = await f.cli(['check', dir, 'vault:/tree', '--json'])
      assert.equal(check.exitCode, 0, check.stderr)
      assert.equal(JSON.parse(check.stdout).summary.match, 13)
      assert.equal(f.emu.counters.bytesOut, 0, 'nothing downloaded: the nonces were recorded at upload')
      assert.equal(f.emu.counters.requests['/adrive/v1.0/openFile/getDownloadUrl'] ?? 0, 0)

      // Without the records (uploaded elsewhere, say): one 32-byte header per file compared.
      const records = join(f.configDir, 'transfers', 'crypt-nonces.jsonl')
      assert.ok(existsSync(records))
      writeFileSync(records, '')
      writeFileSync(join(dir, 'a/f0.txt'), 'changed!')
      f.emu.resetCounters()
      const headers = await f.cli(['check', dir, 'vault:/tree', '--json'])
      assert.equal(headers.exitCode, 1, headers.stderr)
      const report = JSON.parse(headers.stdout)
      assert.deepEqual(report.differ, ['a/f0.txt'])
      assert.equal(report.summary.match, 12)
      assert.equal(f.emu.counters.bytesOut, 32 * 12, 'one header per same-sized file')

      // A changed file is one upload; a mirror back down decrypts and lands it.
      const resync = await f.cli(['sync', dir, 'vault:/tree', '--json'])
      assert.equal(JSON.parse(resync.stdout).summary.replaced, 1, resync.stderr)
      const down = join(f.workDir, 'tree-down')
      const pull = await f.cli(['sync', 'vault:/tree', down, '--json'])
      assert.equal(pull.exitCode, 0, pull.stderr)
      assert.equal(readFileSync(join(down, 'a/f0.txt'), 'utf8'), 'changed!')
      assert.ok(readFileSync(join(down, 'big.bin')).equals(pattern(6 * MiB, 77)))
      f.emu.resetCounters()
      const pullAgain = await f.cli(['sync', 'vault:/tree', down, '--json'])
      assert.equal(JSON.parse(pullAgain.stdout).summary.unchanged, 13)
      assert.equal(f.emu.counters.bytesOut, 0)
    })

    it('check between an encrypted location and another remote compares sizes, saying why', async () => {
      f.emu.fs().put('/plain-tree/x.txt', 'abc')
      writeFileSync(join(f.workDir, 'x.txt'), 'abc')
      await f.cli(['put', join(f.workDir, 'x.txt'), 'vault:/cmp/'])
      const result = await f.cli(['check', 'alipan:/plain-tree', 'vault:/cmp'])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stderr, /no hash in common.*by size only/)
    })
  })

  describe('serve webdav', () => {
    it('over an encrypted location: plain listing, GET always proxied, an OC-Checksum of the plain body checked, PUT encrypted, no time to set', async () => {
      const server = startCli(['serve', 'webdav', 'vault:/', '--addr', '127.0.0.1:0', '--json'], f.env)
      try {
        let url: string | undefined
        const deadline = Date.now() + 30_000
        while (!url) {
          if (Date.now() > deadline) throw new Error(`no URL: ${JSON.stringify(server.output())}`)
          const out = server.output().stdout
          if (out.trimEnd().endsWith('}')) url = (JSON.parse(out) as {url: string}).url.replace(/\/$/, '')
          await new Promise((r) => setTimeout(r, 50))
        }
        assert.deepEqual(JSON.parse(server.output().stdout), {url: `${url}/`, remote: 'vault:/', proxy: true, read_only: false})
        const body = pattern(150_000, 21)
        const sha1 = createHash('sha1').update(body).digest('hex')
        assert.equal((await davRequest(`${url}/dav/`, 'MKCOL')).status, 201)
        const bad = await davRequest(`${url}/dav/checked.bin`, 'PUT', {body, headers: {'oc-checksum': `SHA1:${'0'.repeat(40)}`}})
        assert.equal(bad.status, 400, `a wrong OC-Checksum is refused: ${bad.text}`)
        assert.match(bad.text, /OC-Checksum/)
        const good = await davRequest(`${url}/dav/checked.bin`, 'PUT', {body, headers: {'oc-checksum': `SHA1:${sha1}`}})
        assert.equal(good.status, 201, good.text)
        const list = await davRequest(`${url}/dav/`, 'PROPFIND', {headers: {depth: '1'}})
        assert.match(list.text, /checked\.bin/)
        assert.match(list.text, /<D:getcontentlength>150000</)
        const get = await davRequest(`${url}/dav/checked.bin`, 'GET')
        assert.equal(get.status, 200, 'proxied, never a 302 to ciphertext')
        assert.ok(get.body.equals(body))
        const range = await davRequest(`${url}/dav/checked.bin`, 'GET', {headers: {range: 'bytes=65530-65545'}})
        assert.equal(range.status, 206)
        assert.ok(range.body.equals(body.subarray(65_530, 65_546)))
        const time = await davRequest(`${url}/dav/checked.bin`, 'PROPPATCH', {body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getlastmodified>Mon, 01 Jan 2024 00:00:00 GMT</D:getlastmodified></D:prop></D:set></D:propertyupdate>'})
        assert.equal(time.status, 207)
        assert.match(time.text, /403/, 'a time cannot be set without rapid upload')
        // Stored encrypted (the refused body is gone): the library reads the raw file.
        assert.equal(f.emu.fs().list(`/vault/${crypt.names.encryptDirPath('dav')}`).length, 1)
        const raw = f.emu.fs().read(`/vault/${crypt.names.encryptDirPath('dav')}/${crypt.names.encryptFilePath('checked.bin')}`)
        assert.equal(raw.length, encryptedSize(body.length))
        const plain: Buffer[] = []
        for await (const chunk of crypt.decrypt([raw])) plain.push(chunk)
        assert.ok(Buffer.concat(plain).equals(body))
      } finally {
        server.child.kill('SIGTERM')
        await server.done
      }
    })
  })

  describe('manage', () => {
    it('mkdir, mv (a rename encrypts the new name), cp (server-side), rm, find by plain name', async () => {
      assert.equal((await f.cli(['mkdir', '-p', 'vault:/m/one/two'])).exitCode, 0)
      writeFileSync(join(f.workDir, 'doc.txt'), 'document')
      assert.equal((await f.cli(['put', join(f.workDir, 'doc.txt'), 'vault:/m/one/'])).exitCode, 0)
      const mv = await f.cli(['mv', 'vault:/m/one/doc.txt', 'vault:/m/one/two/renamed.txt'])
      assert.equal(mv.exitCode, 0, mv.stderr)
      const cp = await f.cli(['cp', 'vault:/m/one/two/renamed.txt', 'vault:/m/'])
      assert.equal(cp.exitCode, 0, cp.stderr)
      const dup = await f.cli(['cp', 'vault:/m/renamed.txt', 'vault:/m/', '--on-conflict', 'rename', '--json'])
      assert.equal(dup.exitCode, 0, dup.stderr)
      assert.equal(JSON.parse(dup.stdout)[0].destination, '/m/renamed(1).txt', 'numbered in plain words, not the service\'s numbering of the stored name')
      const ls = await f.cli(['ls', '-R', 'vault:/m'])
      assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['one', 'one/two', 'one/two/renamed.txt', 'renamed(1).txt', 'renamed.txt'])
      const found = await f.cli(['find', 'vault:/m', '--name', 'renamed*', '--json'])
      assert.equal(found.exitCode, 0, found.stderr)
      assert.deepEqual((JSON.parse(found.stdout) as Array<{path: string}>).map((e) => e.path), ['/m/one/two/renamed.txt', '/m/renamed.txt', '/m/renamed(1).txt'])
      const query = await f.cli(['find', 'vault:/m', '--query', "name match 'x'"])
      assert.equal(query.exitCode, 2)
      const got = await f.spawn(['get', 'vault:/m/renamed(1).txt', '-'])
      assert.equal(got.stdout, 'document')
      const rm = await f.cli(['rm', '-rf', 'vault:/m/one'])
      assert.equal(rm.exitCode, 0, rm.stderr)
      assert.deepEqual((await f.cli(['ls', 'vault:/m'])).stdout.trim().split('\n').sort(), ['renamed(1).txt', 'renamed.txt'])
    })

    it('what an encrypted location cannot do is said plainly: links, copies to and from another location, sha1sum', async () => {
      writeFileSync(join(f.workDir, 'l.txt'), 'l')
      await f.cli(['put', join(f.workDir, 'l.txt'), 'vault:/'])
      const link = await f.cli(['link', 'vault:/l.txt'])
      assert.equal(link.exitCode, 2)
      assert.match(link.stderr, /no direct link/)
      const cp = await f.cli(['cp', 'vault:/l.txt', 'alipan:/'])
      assert.equal(cp.exitCode, 2)
      assert.match(cp.stderr, /not supported/)
      const sum = await f.cli(['sha1sum', 'vault:/l.txt'])
      assert.equal(sum.exitCode, 2)
      assert.match(sum.stderr, /SHA-1/)
    })

    it('NAME@PROFILE:/x is that profile\'s location; options on an encrypted location, or an unknown name with @, exit 2', async () => {
      mkdirSync(join(f.configDir, 'profiles', 'work'), {recursive: true})
      await f.login({profile: 'work'})
      assert.equal((await f.cli(['crypt', 'add', 'wvault', '--remote', 'alipan:/wvault', '--profile', 'work'], {env: PASSWORDS})).exitCode, 0)
      writeFileSync(join(f.workDir, 'w.txt'), 'work file')
      const put = await f.cli(['put', join(f.workDir, 'w.txt'), 'wvault@work:/'])
      assert.equal(put.exitCode, 0, put.stderr)
      const ls = await f.cli(['ls', 'wvault@work:/'])
      assert.equal(ls.stdout.trim(), 'w.txt')
      const own = await f.cli(['ls', 'wvault:/'])
      assert.equal(own.exitCode, 3, 'not a location of the default profile: wvault:/ is a plain path, and there is none such')
      const options = await f.cli(['ls', 'vault,drive=resource:/'])
      assert.equal(options.exitCode, 2)
      assert.match(options.stderr, /takes no options/)
      const unknown = await f.cli(['ls', 'nothere@work:/'])
      assert.equal(unknown.exitCode, 2)
      assert.match(unknown.stderr, /no location named nothere in profile work/)
    })
  })
})
