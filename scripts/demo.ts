/**
 * `npm run demo`: the main job, end to end, against the built-in emulator — no Alipan account
 * needed. Starts the emulator on a loopback port (it "scans" and confirms the QR code itself),
 * then runs the real CLI (bin/run.js) with a throwaway config folder.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {plantDuplicate} from '../test/duplicates.js'
import {startEmulator} from '../test/emulator/index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const emu = await startEmulator({qrAutoConfirm: {scanAfterMs: 1500, confirmAfterMs: 3000}})
const work = mkdtempSync(join(tmpdir(), 'alipan-demo-'))
const env = {...process.env, ...emu.env(), ALIPAN_CONFIG_DIR: join(work, 'config')}
for (const key of ['ALIPAN_CLIENT_ID', 'ALIPAN_CLIENT_SECRET', 'ALIPAN_REFRESH_TOKEN']) delete env[key]

const bold = (s: string) => (process.stdout.isTTY ? `\u001B[1m${s}\u001B[0m` : s)

function alipan(...args: string[]): Promise<number> {
  process.stdout.write(`\n${bold(`$ alipan ${args.map((a) => (/[\s"'*?[\]{}$]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(' ')}`)}\n`)
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {env, cwd: work, stdio: ['ignore', 'inherit', 'inherit']})
    child.on('error', fail)
    child.on('close', (code) => done(code ?? 1))
  })
}

async function step(expected: number, ...args: string[]): Promise<void> {
  const code = await alipan(...args)
  if (code !== expected) throw new Error(`alipan ${args.join(' ')} exited ${code}, expected ${expected}`)
}

/**
 * Serve the drive over WebDAV and talk to it as a device would: a PROPFIND, a GET answered with
 * a 302 to the signed URL (followed by curl), and a PUT. curl if it is installed, else Node's
 * fetch doing the same.
 */
async function serveDemo(): Promise<void> {
  process.stdout.write(`\n${bold('$ alipan serve webdav /backups --addr 127.0.0.1:0 &')}\n`)
  const server = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'serve', 'webdav', '/backups', '--addr', '127.0.0.1:0'], {env, cwd: work, stdio: ['ignore', 'pipe', 'inherit']})
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d)
      out += d
      const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
      if (match) resolve(match[1])
    })
    server.on('close', (code) => reject(new Error(`serve webdav exited ${code}`)))
  })
  try {
    const hasCurl = await new Promise<boolean>((resolve) => spawn('curl', ['--version'], {stdio: 'ignore'}).on('error', () => resolve(false)).on('close', (code) => resolve(code === 0)))
    const curl = async (args: string[], show = (text: string) => text): Promise<string> => {
      process.stdout.write(`\n${bold(`$ curl ${args.map((a) => (/[\s'"&<>|]/.test(a) ? `'${a.replaceAll('\n', '\\n')}'` : a)).join(' ')}`)}\n`)
      const text = hasCurl ? await captured('curl', args) : await fetchLike(args)
      process.stdout.write(`${show(text).trimEnd()}\n`)
      return text
    }
    await curl(['-s', '-X', 'PROPFIND', '-H', 'Depth: 1', '-H', 'Content-Type: application/xml', '--data', '<propfind xmlns="DAV:"><prop><displayname/><getcontentlength/><getlastmodified/><resourcetype/></prop></propfind>', `${url}/photos/`], (xml) =>
      xml.replace('<D:multistatus xmlns:D="DAV:"><D:response>', '<D:multistatus xmlns:D="DAV:">\n<D:response>').replace(/<D:response>/g, '  <D:response>'),
    )
    await curl(['-s', '-o', '/dev/null', '-w', '%{http_code} → %{redirect_url}\n', `${url}/photos/README.txt`], (line) => line.replace(/\?\S*/, '?… (signed; cached per file until shortly before it expires)'))
    await curl(['-sL', `${url}/photos/README.txt`])
    writeFileSync(join(work, 'notes.txt'), 'Uploaded through WebDAV\n')
    await curl(['-s', '-T', join(work, 'notes.txt'), '-w', '%{http_code}\n', `${url}/notes.txt`])
  } finally {
    server.kill('SIGTERM')
    await new Promise((done) => server.once('close', done))
  }
  await step(0, 'get', '/backups/notes.txt', '-')
}

function captured(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {cwd: work, stdio: ['ignore', 'pipe', 'inherit']})
    let text = ''
    child.stdout.on('data', (d: Buffer) => (text += d))
    child.on('error', reject)
    child.on('close', () => resolve(text))
  })
}

/** The four curl invocations above, for a machine without curl. */
async function fetchLike(args: string[]): Promise<string> {
  const url = args.at(-1)!
  if (args.includes('PROPFIND')) return (await fetch(url, {method: 'PROPFIND', headers: {depth: '1'}, body: args[args.indexOf('--data') + 1]})).text()
  if (args.includes('-T')) return `${(await fetch(url, {method: 'PUT', body: readFileSync(args[args.indexOf('-T') + 1])})).status}\n`
  if (args.includes('-sL')) return (await fetch(url)).text()
  const r = await fetch(url, {redirect: 'manual'})
  return `${r.status} → ${r.headers.get('location')}\n`
}

try {
  process.stdout.write(`Emulator: ${emu.url} (the online token service is emulated too)\nConfig:   ${env.ALIPAN_CONFIG_DIR}\n`)
  await step(0, 'login')
  await step(0, 'whoami')
  await step(0, 'quota')

  const photos = join(work, 'photos')
  mkdirSync(join(photos, '2026', 'summer'), {recursive: true})
  writeFileSync(join(photos, 'README.txt'), 'Holiday photos\n')
  writeFileSync(join(photos, '2026', 'summer', 'beach 🏖.jpg'), Buffer.alloc(300_000, 1))
  writeFileSync(join(photos, '2026', 'summer', '海边.jpg'), Buffer.alloc(200_000, 2))
  writeFileSync(join(photos, '2026', 'video.mp4'), Buffer.alloc(48 * 1024 * 1024, 3)) // three 16 MiB parts

  await step(0, 'put', '-r', photos, '/backups/')
  await step(0, 'ls', '-l', '-R', '/backups/photos')
  await step(0, 'put', '-r', photos, '/backups/', '--on-conflict', 'skip') // a re-run uploads nothing
  await step(0, 'put', join(photos, '2026', 'video.mp4'), '/elsewhere/copy.mp4') // same content: rapid upload
  await step(6, 'put', join(photos, 'README.txt'), '/backups/photos/') // exists, no terminal → fail (exit 6)
  await step(0, 'get', '-r', '/backups/photos', join(work, 'restore'))
  const same = readFileSync(join(work, 'restore', '2026', 'video.mp4')).equals(readFileSync(join(photos, '2026', 'video.mp4')))
  process.stdout.write(`\nrestored video.mp4 identical to the original: ${same}\n`)
  await step(0, 'get', '/backups/photos/README.txt', '-')

  // Backups: a mirror that re-runs for free, a dry run, and a dated backup dir for what changes
  await step(0, 'sync', photos, 'alipan:/mirror/photos')
  await step(0, 'sync', photos, 'alipan:/mirror/photos') // nothing changed: nothing read, nothing sent
  writeFileSync(join(photos, 'README.txt'), 'Holiday photos, sorted\n')
  rmSync(join(photos, '2026', 'summer', '海边.jpg'))
  await step(0, 'sync', '--dry-run', photos, 'alipan:/mirror/photos')
  await step(0, 'sync', photos, 'alipan:/mirror/photos', '--backup-dir', 'alipan:/mirror/old/2026-12-01')
  await step(0, 'ls', '-R', '/mirror/old')
  await step(0, 'sync', 'alipan:/mirror/photos', join(work, 'mirror-restore'))

  // Answers from metadata: verify the backup without downloading a byte, then see what is where
  await step(0, 'check', photos, 'alipan:/mirror/photos')
  writeFileSync(join(photos, '2026', 'notes.txt'), 'to be backed up tonight\n')
  await step(1, 'check', photos, 'alipan:/mirror/photos', '--combined', '-') // a difference: exit 1
  await step(0, 'du', '/mirror')
  await step(0, 'tree', '/backups/photos', '--size')
  await step(0, 'sha1sum', '-r', '/backups/photos/2026')

  // Manage and share
  await step(0, 'mkdir', '-p', '/albums/2026')
  await step(0, 'cp', '/backups/photos/2026/summer', '/albums/2026/') // a folder copy: an async task on the service
  await step(0, 'mv', '/albums/2026/summer/海边.jpg', '/albums/2026/summer/seaside.jpg')
  // Another drive of the same account: each file by rapid upload (8 bytes read, nothing uploaded)
  await step(0, 'cp', '/backups/photos', 'alipan,drive=resource:/photos')
  await step(0, 'sync', 'alipan:/backups/photos', 'alipan,drive=resource:/photos') // a mirror between the drives: nothing left to copy
  await step(0, 'ls', '-l', '-R', 'alipan,drive=resource:/photos')
  await step(0, 'find', '/albums', '--name', '*.jpg')
  // Another tool left a second README.txt beside ours (the service allows duplicate names)
  await plantDuplicate(emu, '/backups/photos', 'README.txt', 'Holiday photos (old copy)\n', {localModifiedAt: '2025-06-01T00:00:00.000Z'})
  await step(0, 'dedupe', '/backups/photos', '--mode', 'list')
  await step(0, 'dedupe', '/backups/photos', '--mode', 'newest')
  await step(0, 'link', '/backups/photos/README.txt', '--expire', '600')
  await step(2, 'rm', '/elsewhere/copy.mp4') // no terminal to confirm on → refused without --force
  await step(0, 'rm', '-f', '/elsewhere/copy.mp4') // to the recycle bin
  await step(0, 'ls', '-l', '/')
  // An encrypted backup: files encrypted here, in rclone's crypt format, before they leave.
  process.stdout.write(`\n${bold('$ export ALIPAN_CRYPT_PASSWORD=… ALIPAN_CRYPT_PASSWORD2=…')}\n`)
  Object.assign(env, {ALIPAN_CRYPT_PASSWORD: 'demo password', ALIPAN_CRYPT_PASSWORD2: 'demo salt'})
  await step(0, 'crypt', 'add', 'vault', '--remote', 'alipan:/vault')
  await step(0, 'sync', photos, 'vault:/photos')
  await step(0, 'ls', '-l', '-R', 'vault:/photos') // plain names and sizes
  await step(0, 'ls', '-R', '/vault') // what the drive holds: encrypted names
  await step(0, 'check', photos, 'vault:/photos') // compared without downloading anything
  await step(0, 'get', '-r', 'vault:/photos', join(work, 'vault-restore')) // decrypted, verified, landed
  await step(0, 'crypt', 'export', 'vault', '--rclone-remote', './vault-raw') // the section rclone reads the same files with
  await serveDemo()
  await step(0, 'quota', '--json')
  process.stdout.write('\nDemo finished: every step behaved as expected.\n')
} catch (error) {
  process.stderr.write(`\nDemo failed: ${(error as Error).message}\n`)
  process.exitCode = 1
} finally {
  await emu.close()
  rmSync(work, {recursive: true, force: true})
}
