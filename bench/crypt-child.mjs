// Run by bench/crypt.ts as its own process (so its wall and CPU can be measured like openssl's):
// one file through the crypt transforms of the built library, from disk to `output`.
//   node bench/crypt-child.mjs encrypt|decrypt INPUT OUTPUT [native|wasm]
import {createReadStream, createWriteStream} from 'node:fs'
import {pipeline} from 'node:stream/promises'

const [direction, input, output, backend] = process.argv.slice(2)
const {Crypt} = await import('../dist/lib/crypt/index.js')
const crypt = await Crypt.create({password: 'bench', backend: backend || undefined})
const transform = direction === 'encrypt' ? crypt.encryptStream() : crypt.decryptStream({label: input})
// 1 MiB reads, as the upload engine's and hashing's (toolchain.md §3).
await pipeline(createReadStream(input, {highWaterMark: 1 << 20}), transform, createWriteStream(output))
process.stderr.write(`${crypt.backend}\n`)
