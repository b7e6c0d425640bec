import {UsageError} from '../errors.js'

/** Multipart limits (§5.5): part numbers 1..10000, parts 100 KiB to 5 GiB (the last may be smaller). */
export const MAX_PARTS = 10_000
export const MIN_PART_SIZE = 100 * 1024
export const MAX_PART_SIZE = 5 * 1024 ** 3
/** 16 MiB, as webdav and the Flutter SDK use: 64 PUTs per GiB, a cheap retry when one fails. */
export const DEFAULT_PART_SIZE = 16 * 1024 ** 2
const MiB = 1024 ** 2

/**
 * The part size for a file of `size` bytes: the default, grown in whole MiB so the file needs at
 * most 10,000 parts. An explicit size is validated against the limits instead.
 */
export function choosePartSize(size: number, requested?: number): number {
  if (requested !== undefined) {
    validatePartSize(requested)
    if (Math.ceil(size / requested) > MAX_PARTS) {
      throw new UsageError(`--part-size ${requested} would need ${Math.ceil(size / requested)} parts; the service allows ${MAX_PARTS}.`, {
        hint: `use at least ${Math.ceil(size / MAX_PARTS / MiB)} MiB`,
      })
    }
    return requested
  }
  if (size <= DEFAULT_PART_SIZE * MAX_PARTS) return DEFAULT_PART_SIZE
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB
  if (needed > MAX_PART_SIZE) throw new UsageError(`A file of ${size} bytes is beyond what multipart upload can carry (10,000 × 5 GiB).`)
  return needed
}

export function validatePartSize(partSize: number): void {
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new UsageError(`Part size must be between 100 KiB and 5 GiB (got ${partSize} bytes).`, {hint: 'e.g. --part-size 16MiB'})
  }
}

/** Number of parts for `size` bytes; an empty file still uploads as one (empty) part list entry. */
export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize))
}

/** Byte range [start, end) of part `n` (1-based). */
export function partRange(n: number, partSize: number, size: number): {start: number; end: number} {
  const start = (n - 1) * partSize
  return {start, end: Math.min(size, start + partSize)}
}

const UNITS: Record<string, number> = {'': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3}

/** `16MiB`, `512k`, `1G`, `1048576` → bytes (binary units). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined
  if (!match || unit === undefined) throw new UsageError(`Not a size: ${text}`, {hint: 'use bytes or a unit, e.g. 16MiB, 512KiB, 1GiB'})
  return Math.round(Number(match[1]) * unit)
}
