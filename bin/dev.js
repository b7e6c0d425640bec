#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources without a build (tsx is pinned: 4.23.15 breaks this, see toolchain.md).
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
