/**
 * Test helper (not a test): take the credential lock of FILE the way alipan does, print "held",
 * and keep it for --hold MS (default: until killed). With --log LOG, append "in PID" and
 * "out PID" around the hold, so a test can check that no two holders ever overlapped.
 */
import {appendFileSync} from 'node:fs'
import {parseArgs} from 'node:util'

import {withFileLock} from '../src/lib/auth/lock.js'

const {positionals, values} = parseArgs({allowPositionals: true, options: {hold: {type: 'string'}, log: {type: 'string'}}})
const log = (line: string) => values.log && appendFileSync(values.log, `${line} ${process.pid}\n`)
await withFileLock(positionals[0], async () => {
  log('in')
  process.stdout.write('held\n')
  await new Promise((resolve) => setTimeout(resolve, values.hold ? Number(values.hold) : 2 ** 31 - 1))
  log('out')
})
