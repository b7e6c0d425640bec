// Imported by every test file. Two node:test pitfalls on Node 20 (see ../shared/toolchain.md §4):
import {afterEach, beforeEach} from 'node:test'

// @oclif/test's runCommand patches process.stdout.write while a command runs, and node:test's child
// reports to its parent over that same stdout asynchronously: let pending reports flush first.
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)))

// oclif sets process.exitCode when a command fails on purpose; without this reset the whole file
// would exit 1 with every test green.
afterEach(() => {
  process.exitCode = undefined
})
