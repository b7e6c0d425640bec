#!/usr/bin/env node
// Start-up is part of the interface (issue 16): scripts call alipan in loops. What can be answered
// without oclif is answered here; everything else runs from one bundle (`npm run build`), loaded
// with a code cache.
import {readFileSync} from 'node:fs'
import {release} from 'node:os'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
if (argv[0] === '--version') {
  // oclif's own answer (`config.userAgent`), without loading oclif: name/version platform-arch node.
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const platform = process.platform === 'linux' && release().toLowerCase().includes('microsoft') ? 'wsl' : process.platform
  process.stdout.write(`${name}/${version} ${platform}-${process.arch} node-${process.version}\n`)
} else {
  // @oclif/core asks PowerShell for the parent shell on every call when SHELL is unset (0.5–2.6 s).
  // Only `autocomplete` uses the answer, and PowerShell is the one Windows shell it completes.
  if (process.platform === 'win32' && !process.env.SHELL) process.env.SHELL = 'powershell'
  const {requireCached} = await import('./compile-cache.js')
  const {execute} = requireCached(fileURLToPath(new URL('../dist/alipan.cjs', import.meta.url)))
  await execute({dir: import.meta.url})
}
