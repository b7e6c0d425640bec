// Loads the bundle (dist/alipan.cjs) and the libraries it requires from dist/vendor/ with a V8
// code cache, so that a run compiles only what changed since the last one (issue 16).
//
// Node 22.1+ has this built in (`module.enableCompileCache`): there the files are simply required.
// Node 20 has not: each file is compiled here through vm.Script with the cached data V8 produced on
// an earlier run, and registered in require's cache as if `require` had loaded it. The cache lives
// in the user's own cache folder (never a shared temporary one: cached code is code), one file per
// source file, named by the source's path and by its size, time and the Node version; V8 rejects
// anything that no longer matches and it is then written afresh, replacing the older ones. Nothing here may fail a command: without a
// writable cache folder the files load as if there were no cache.
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'
import vm from 'node:vm'

/** Where oclif keeps its cache for a CLI named `alipan` (XDG on Linux, Caches on macOS, LOCALAPPDATA on Windows). */
function cacheDir() {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'alipan')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'alipan')
  if (process.platform === 'win32' && process.env.LOCALAPPDATA) return join(process.env.LOCALAPPDATA, 'alipan')
  return join(homedir(), '.cache', 'alipan')
}

const pending = []

/** require(file), through the code cache where Node has no compile cache of its own. */
export function requireCached(file) {
  file = resolve(file)
  if (Module.enableCompileCache) {
    Module.enableCompileCache()
    return createRequire(file)(file)
  }
  if (process.env.ALIPAN_NO_COMPILE_CACHE) return createRequire(file)(file)
  return load(file)
}

function load(file) {
  const cached = Module._cache[file]
  if (cached) return cached.exports
  const source = readFileSync(file, 'utf8')
  const info = statSync(file)
  const hash = (text) => createHash('sha1').update(text).digest('hex').slice(0, 16)
  const cachePath = join(cacheDir(), 'v8', `${hash(file)}-${hash(`${info.size}\0${info.mtimeMs}\0${process.version}\0${process.arch}`)}.bin`)
  let cachedData
  try {
    cachedData = readFileSync(cachePath)
  } catch {}
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    // import() inside the bundle (oclif loading a plugin, never ours) goes to Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  const mod = new Module(file, undefined)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(dirname(file))
  const nativeRequire = createRequire(file)
  // The bundle's own files (./vendor/*.cjs) go through the cache too; the rest is Node's require.
  const require = Object.assign((id) => (id.startsWith('./') && id.endsWith('.cjs') ? load(resolve(dirname(file), id)) : nativeRequire(id)), {
    cache: nativeRequire.cache,
    main: process.mainModule,
    resolve: nativeRequire.resolve,
  })
  mod.require = require
  Module._cache[file] = mod
  try {
    script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, dirname(file))
  } catch (error) {
    delete Module._cache[file]
    throw error
  }
  mod.loaded = true
  // Written once the command is done, so it holds the functions this run compiled (most of next run's).
  if (!cachedData || script.cachedDataRejected) pending.push({script, cachePath})
  return mod.exports
}

/** Save the caches this run produced (first run, or a changed file): at exit, never failing. */
process.once('exit', () => {
  for (const {script, cachePath} of pending) {
    try {
      mkdirSync(dirname(cachePath), {recursive: true, mode: 0o700})
      const tmp = `${cachePath}.${process.pid}.tmp`
      writeFileSync(tmp, script.createCachedData(), {mode: 0o600})
      renameSync(tmp, cachePath)
      // The same file's caches of earlier builds or Node versions.
      const [prefix] = basename(cachePath).split('-')
      for (const name of readdirSync(dirname(cachePath))) {
        if (name.startsWith(`${prefix}-`) && name !== basename(cachePath) && name.endsWith('.bin')) rmSync(join(dirname(cachePath), name), {force: true})
      }
    } catch {}
  }
})
