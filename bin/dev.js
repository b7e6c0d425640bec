#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources without a build (tsx is pinned: 4.23.15 breaks this, see toolchain.md):
// commands found by file in src/commands and the plugins loaded from node_modules, where the built
// CLI has them all in its bundle (scripts/bundle.mjs).
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif = {...pjson.oclif, commands: './dist/commands', plugins: ['@oclif/plugin-help', '@oclif/plugin-autocomplete']}
await execute({development: true, dir: import.meta.url, loadOptions: {root, pjson}})
