import {createRequire} from 'node:module'
import {setFlagsFromString} from 'node:v8'

import {debug} from '../debug.js'

/**
 * NaCl secretbox (XSalsa20-Poly1305), the cipher of every rclone-crypt block, laid out as NaCl
 * does it: the 16-byte Poly1305 tag, then the ciphertext. Two libraries give it (README, design
 * notes "Encryption"): `sodium-native` (libsodium as a native addon, ~1.4 GB/s a core here) when
 * it loads, else `libsodium-wrappers` (the same libsodium compiled to WebAssembly, ~350 MB/s),
 * which needs nothing beyond JavaScript and so also runs inside a one-file executable.
 */
export interface Secretbox {
  readonly name: 'sodium-native' | 'libsodium-wrappers'
  /** Seal `plain` into `out` (exactly 16 + plain.length bytes). */
  seal(out: Uint8Array, plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): void
  /** Open `box` into `out` (exactly box.length − 16 bytes); false when the tag does not match. */
  open(out: Uint8Array, box: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean
}

export type SecretboxBackend = 'native' | 'wasm'

interface SodiumNative {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean
}

const loaded = new Map<SecretboxBackend, Promise<Secretbox>>()
let preferred: Promise<Secretbox> | undefined

/**
 * The fastest backend that loads (native, else wasm), loaded once. `backend` asks for one
 * (tests hold the two against each other); asking for `native` where it cannot load throws.
 */
export function loadSecretbox(backend?: SecretboxBackend): Promise<Secretbox> {
  if (backend) {
    let promise = loaded.get(backend)
    if (!promise) {
      promise = backend === 'native' ? loadNative() : loadWasm()
      loaded.set(backend, promise)
      promise.catch(() => loaded.delete(backend))
    }
    return promise
  }
  preferred ??= loadSecretbox('native').catch((error: unknown) => {
    debug('crypt', `sodium-native unavailable (${(error as Error).message}); using libsodium-wrappers`)
    return loadSecretbox('wasm')
  })
  return preferred
}

/**
 * The addon's name is held in a variable so that the bundler leaves the require alone: the npm
 * install's bundle (CommonJS, with its own `require`) finds it in node_modules at run time; the
 * single executable, which can require only Node's built-ins, cannot, and the wasm backend takes over.
 */
const NATIVE_MODULE = 'sodium-native'

async function loadNative(): Promise<Secretbox> {
  // From the sources (ESM, under tsx) there is no `require`; in the bundle there is no import.meta.
  const load = typeof require === 'function' ? require : createRequire(import.meta.url)
  const sodium = load(NATIVE_MODULE) as SodiumNative
  // Loaded, the addon (its ~400 Node-API functions, as any addon exporting that many) makes V8
  // start and finish an incremental mark-compact dozens of times per GiB a download receives
  // (measured on this 2-core VM: a plain 1 GiB get went from ~16 to ~60 of them, and from 2.8 s
  // to 3.4 s wall, 2.6 to 3.5 s CPU, with the addon merely loaded). Without incremental marking
  // there is about one: a process that loads it (only one using an encrypted location) runs its
  // full collections in one go, which on heaps this small take a few milliseconds.
  setFlagsFromString('--no-incremental-marking')
  const box: Secretbox = {
    name: 'sodium-native',
    seal: (out, plain, nonce, key) => sodium.crypto_secretbox_easy(out, plain, nonce, key),
    open: (out, sealed, nonce, key) => sodium.crypto_secretbox_open_easy(out, sealed, nonce, key),
  }
  selfTest(box)
  return box
}

async function loadWasm(): Promise<Secretbox> {
  const sodium = (await import('libsodium-wrappers')).default
  await sodium.ready
  const box: Secretbox = {
    name: 'libsodium-wrappers',
    seal(out, plain, nonce, key) {
      out.set(sodium.crypto_secretbox_easy(plain, nonce, key))
    },
    open(out, sealed, nonce, key) {
      let plain: Uint8Array
      try {
        plain = sodium.crypto_secretbox_open_easy(sealed, nonce, key)
      } catch {
        return false // libsodium-wrappers throws on a tag mismatch
      }
      out.set(plain)
      return true
    },
  }
  selfTest(box)
  return box
}

/**
 * A box that loads but computes something else (a broken build) must never write a byte: one
 * known answer, checked at load. Key 0…, nonce 0…, one zero byte: NaCl's output, as rclone's.
 */
function selfTest(box: Secretbox): void {
  const out = new Uint8Array(17)
  box.seal(out, new Uint8Array(1), new Uint8Array(24), new Uint8Array(32))
  const back = new Uint8Array(1)
  if (Buffer.from(out).toString('hex') !== KNOWN_BOX || !box.open(back, out, new Uint8Array(24), new Uint8Array(32)) || back[0] !== 0) {
    throw new Error(`${box.name} failed its secretbox self-test`)
  }
}

const KNOWN_BOX = '42e45eb764a1b706d4776a849bc2526bc6'
