import {Flags} from '@oclif/core'

import type {ReadMethod} from '../lib/metadata/enumerate.js'

/** du and tree: how the tree is read (README, "du and tree read through the search"). */
export const readFlags = {
  'max-depth': Flags.integer({char: 'd', description: 'Go at most this many folders deep below PATH (0 = PATH alone).', min: 0}),
  search: Flags.boolean({
    allowNo: true,
    default: true,
    description: "Read the tree through the drive's search, five folders a call at 15 calls/s. --no-search reads each folder with its own listing (4 calls/s): slower, but never behind the latest change.",
  }),
}

export function readMethod(flags: {search: boolean}): ReadMethod {
  return flags.search ? 'search' : 'list'
}
