// Identifier shapes observed on the real service (§1.3), so clients that validate or log ids see
// realistic values.
import {randomBytes, randomUUID} from 'node:crypto'

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex')

/** 40 lowercase hex; the first 8 are the creation time in unix seconds, as observed. */
export function newFileId(nowMs: number): string {
  return Math.floor(nowMs / 1000).toString(16).padStart(8, '0').slice(-8) + hex(16)
}

/** 32 lowercase hex */
export const newUserId = (): string => hex(16)

/** 32 uppercase hex */
export const newUploadId = (): string => hex(16).toUpperCase()

export const newRequestId = (): string => randomUUID()

/** OSS request ids are 24 uppercase hex (§5.6 example) */
export const newOssRequestId = (): string => hex(12).toUpperCase()

export const newSid = (): string => randomUUID()

export const newAuthCode = (): string => hex(16)

export const newTaskId = (): string => randomUUID()
