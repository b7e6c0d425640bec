// Run by bench/crypt.ts as its own process (so its wall and CPU are measured like openssl's):
// one file through the crypt library (bundled from the sources by bench/crypt.ts first), to OUTPUT. Prints to stderr, as JSON,
// the library used and the wall and CPU of the transform phase alone (after start-up and scrypt).
//   node bench/crypt-child.mjs encrypt|decrypt INPUT OUTPUT [native|wasm] [engine|stream]
// `engine` (default) reads into reused buffers and recycles each output block once written, as
// the transfer engines do with their BufferPool; `stream` is createReadStream → Transform →
// createWriteStream, what a caller without pools gets (fresh memory per read).
import {closeSync, createReadStream, createWriteStream, openSync, writeSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {pipeline} from 'node:stream/promises'

const [direction, input, output, backend, style = 'engine'] = process.argv.slice(2)
const {BLOCK_SIZE, Crypt, Decryptor, Encryptor, deriveKeys, loadSecretbox} = await import('../src/lib/crypt/index.js')
const {BufferPool} = await import('../src/lib/transfer/file-chunks.js')
const READ = 1 << 20

let library
let started
let cpuBefore
if (style === 'stream') {
  const crypt = await Crypt.create({password: 'bench', backend: backend || undefined})
  library = crypt.backend
  started = performance.now()
  cpuBefore = process.cpuUsage()
  const transform = direction === 'encrypt' ? crypt.encryptStream() : crypt.decryptStream({label: input})
  await pipeline(createReadStream(input, {highWaterMark: READ}), transform, createWriteStream(output))
} else {
  const [{dataKey}, box] = await Promise.all([deriveKeys('bench'), loadSecretbox(backend || undefined)])
  library = box.name
  started = performance.now()
  cpuBefore = process.cpuUsage()
  const pool = new BufferPool(BLOCK_SIZE, 64)
  const core = direction === 'encrypt' ? new Encryptor(box, dataKey, undefined, pool) : new Decryptor(box, dataKey, {label: input, output: pool})
  const sink = openSync(output, 'w')
  const emit = (blocks) => {
    for (const block of blocks) {
      writeSync(sink, block)
      pool.give(block)
    }
  }
  // Double-buffered reads, as hashing.ts: the next read runs while this chunk is sealed.
  const handle = await open(input, 'r')
  const buffers = [Buffer.allocUnsafe(READ), Buffer.allocUnsafe(READ)]
  let position = 0
  let current = 0
  let pending = handle.read(buffers[0], 0, READ, 0)
  for (;;) {
    const {bytesRead} = await pending
    if (bytesRead === 0) break
    const filled = buffers[current]
    position += bytesRead
    current ^= 1
    pending = handle.read(buffers[current], 0, READ, position)
    emit(core.push(filled.subarray(0, bytesRead)))
  }
  emit(core.finish())
  await handle.close()
  closeSync(sink)
}
const cpu = process.cpuUsage(cpuBefore)
process.stderr.write(`${JSON.stringify({library, phaseMs: performance.now() - started, phaseCpuMs: (cpu.user + cpu.system) / 1000})}\n`)
