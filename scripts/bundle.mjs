#!/usr/bin/env node
/**
 * `npm run build`'s last step (issue 16): the CLI as one CommonJS bundle, `dist/alipan.cjs`, which
 * bin/run.js loads with a V8 code cache (compile-cache.js), plus one file per library that the
 * sources only ever `import()` lazily (got, conf, ora, prompts, QR, the lock, proxy agents…) in
 * `dist/vendor/`, so a command that never prompts never even reads the prompt library.
 *
 * oclif finds the commands through its `explicit` strategy: the bundle exports COMMANDS, a map of
 * command id → class, written here from whatever is in src/commands/ (plus the help and
 * autocomplete commands of the two plugins we ship), so a new command file needs no list edited by
 * hand. package.json's `oclif.commands` names that target; `oclif manifest` reads it.
 *
 * `--standalone` writes `dist/alipan-standalone.cjs` instead: everything in one file that requires
 * only Node's built-ins, the script a single executable application carries (build-standalone.mjs).
 */
import {readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const COMMANDS_DIR = join(ROOT, 'src', 'commands')
const OUT = join(ROOT, 'dist')

/**
 * Commands of the plugins folded into the bundle (a bundle-only install has no plugins to load).
 * By file: the packages export only their index.
 */
export const PLUGIN_COMMANDS = {
  help: 'node_modules/@oclif/plugin-help/lib/commands/help.js',
  autocomplete: 'node_modules/@oclif/plugin-autocomplete/lib/commands/autocomplete/index.js',
  'autocomplete:create': 'node_modules/@oclif/plugin-autocomplete/lib/commands/autocomplete/create.js',
  'autocomplete:script': 'node_modules/@oclif/plugin-autocomplete/lib/commands/autocomplete/script.js',
}

/** `src/commands/config/get.ts` → `config:get`; `index.ts` names its folder (oclif's rule). */
export function commandFiles(dir = COMMANDS_DIR) {
  const found = []
  const walk = (folder) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.tsx?$/.test(name) && !/\.d\.ts$|\.test\.tsx?$/.test(name)) {
        const parts = relative(dir, path).replace(/\.tsx?$/, '').split(/[\\/]/)
        if (parts.at(-1) === 'index') parts.pop()
        found.push({id: parts.join(':'), path})
      }
    }
  }
  walk(dir)
  return found
}

/** The bundle's entry: the command registry and the oclif functions bin/run.js calls. */
export function entrySource() {
  const commands = [
    ...commandFiles().map(({id, path}) => ({id, from: `./${relative(ROOT, path).split('\\').join('/')}`})),
    ...Object.entries(PLUGIN_COMMANDS).map(([id, path]) => ({id, from: `./${path}`})),
  ]
  return [
    `import {settings} from '@oclif/core'`,
    // The bundle is compiled JavaScript: never look for TypeScript sources beside it.
    'settings.enableAutoTranspile = false',
    `export {Config, execute, flush, handle, run, settings} from '@oclif/core'`,
    // id → command class, each command's module evaluated only when oclif asks for that command
    // (esbuild makes a required module lazy): a run loads one command, `oclif manifest` all.
    'export const COMMANDS = {}',
    'const command = (id, load) => Object.defineProperty(COMMANDS, id, {enumerable: true, get: () => load().default})',
    ...commands.map(({id, from}) => `command(${JSON.stringify(id)}, () => require(${JSON.stringify(from)}))`),
    '',
  ].join('\n')
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  // oclif and the help text use class and function names (flag types, error names).
  keepNames: true,
  legalComments: 'linked',
  // oclif requires `typescript` only to read a tsconfig in development (9 MB if bundled).
  external: ['typescript'],
  logLevel: 'warning',
  // secretbox.ts reads import.meta only where there is no `require` (the sources under tsx); the bundle has one.
  logOverride: {'empty-import-meta': 'silent'},
  metafile: true,
}

/**
 * Bare packages our sources load with `import()` (src/ only: that is our "lazy" list, kept by the
 * code itself): each becomes dist/vendor/<name>.cjs. The `import()` resolves to a small module that
 * `require`s that file when first evaluated and hands on the exports Node's own import would give
 * (their names read from the package here), so the sources see no difference.
 */
function vendorPlugin(vendored) {
  return {
    name: 'vendor-lazy-imports',
    setup(b) {
      b.onResolve({filter: /^[^./]/}, (args) => {
        if (args.kind !== 'dynamic-import' || !args.importer.startsWith(join(ROOT, 'src'))) return undefined
        // A built-in is simply required (an import() left in the bundle would need Node's ESM
        // loader, which a single executable does not have). Without `vendored` (the standalone
        // script) the libraries stay inside the one file, still evaluated only when first used.
        if (!args.path.startsWith('node:')) {
          if (!vendored) return undefined
          vendored.add(args.path)
        }
        return {path: args.path, namespace: 'vendor'}
      })
      b.onResolve({filter: /^\.\/vendor\//}, (args) => ({path: args.path, external: true}))
      b.onLoad({filter: /.*/, namespace: 'vendor'}, async ({path}) => {
        const names = Object.keys(await import(path)).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name))
        const target = path.startsWith('node:') ? path : `./vendor/${vendorName(path)}.cjs`
        return {
          contents: [
            `const m = require(${JSON.stringify(target)})`,
            path.startsWith('node:') ? 'export default m' : 'export default m.default',
            names.length > 0 ? `export const {${names.join(', ')}} = m` : '',
          ].join('\n'),
          loader: 'js',
          resolveDir: ROOT,
        }
      })
    },
  }
}

const vendorName = (pkg) => pkg.replace(/^@/, '').replace(/\//g, '-')

export async function bundle() {
  // dist/ holds the bundle and nothing else (no stale files of an earlier layout get packed).
  rmSync(OUT, {recursive: true, force: true})
  const vendored = new Set()
  const main = await build({
    ...common,
    stdin: {contents: entrySource(), resolveDir: ROOT, sourcefile: 'alipan-entry.ts', loader: 'ts'},
    outfile: join(OUT, 'alipan.cjs'),
    plugins: [vendorPlugin(vendored)],
  })
  const outputs = [main]
  for (const pkg of vendored) {
    const hasDefault = 'default' in (await import(pkg))
    outputs.push(
      await build({
        ...common,
        // As Node's import() sees the package: `default` is module.exports for a CommonJS one.
        stdin: {contents: `export * from ${JSON.stringify(pkg)}\n${hasDefault ? `export {default} from ${JSON.stringify(pkg)}` : ''}`, resolveDir: ROOT, sourcefile: `${vendorName(pkg)}.mjs`},
        outfile: join(OUT, 'vendor', `${vendorName(pkg)}.cjs`),
      }),
    )
  }
  // Which packages each file carries: the start-up test checks that a library lives only in its
  // vendor file (and then that a command never loaded that file).
  const contents = {}
  for (const result of outputs) {
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      if (!file.endsWith('.cjs')) continue
      const packages = new Set(Object.keys(output.inputs).map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'alipan'))
      contents[relative(OUT, join(ROOT, file)).split('\\').join('/')] = [...packages].sort()
    }
  }
  writeFileSync(join(OUT, 'bundle-contents.json'), `${JSON.stringify(contents, null, 2)}\n`)
  return {outputs, vendored: [...vendored]}
}

/** The CLI in one CommonJS text that requires only built-ins: what a single executable carries. */
export async function bundleStandalone() {
  const result = await build({
    ...common,
    stdin: {contents: entrySource(), resolveDir: ROOT, sourcefile: 'alipan-entry.ts', loader: 'ts'},
    write: false,
    outfile: join(OUT, 'alipan-standalone-body.cjs'),
    legalComments: 'none',
    plugins: [vendorPlugin(undefined)],
  })
  return result.outputFiles.find((file) => file.path.endsWith('.cjs')).text
}

const sizeOf = (result) => Object.entries(result.metafile.outputs).reduce((sum, [name, o]) => sum + (name.endsWith('.cjs') ? o.bytes : 0), 0)

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const {outputs, vendored} = await bundle()
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`
  process.stdout.write(`bundled dist/alipan.cjs (${kib(sizeOf(outputs[0]))}) and ${vendored.length} lazy libraries in dist/vendor/ (${kib(outputs.slice(1).reduce((s, r) => s + sizeOf(r), 0))}): ${vendored.join(', ')}\n`)
}
