import {AlipanError, type AlipanErrorOptions, ExitCode} from '../errors.js'

/**
 * Encrypted data that cannot be turned back into plain bytes or names. All of them exit 10
 * (README, "Exit codes"); `code` tells them apart for scripts and `--json`. Messages name the file
 * (when the caller gave a label) and the block, never a password or a key.
 */
export class CryptError extends AlipanError {
  constructor(message: string, options?: AlipanErrorOptions) {
    super(message, ExitCode.crypt, options)
  }
}

const PASSWORD_HINT = 'use the password (and password2, if one was set) the files were encrypted with'

/**
 * The first block does not authenticate, and nothing after it does either: the keys are not the
 * ones the file was written with. The same line covers data that merely starts like rclone's.
 */
export class WrongPasswordError extends CryptError {
  constructor(label?: string) {
    super(`${subject(label)}: wrong password, or not an rclone-crypt file.`, {code: 'CryptWrongPassword', hint: PASSWORD_HINT})
  }
}

/**
 * Not one name in a folder that holds entries decrypts: the name key is not the one they were
 * written with (a wrong password), or the folder was never an encrypted location's.
 */
export class WrongNamesError extends CryptError {
  constructor(folder: string, count: number) {
    super(`Cannot decrypt ${count === 1 ? 'the one name' : `any of the ${count} names`} in ${folder}: wrong password, or not an encrypted folder.`, {code: 'CryptWrongPassword', hint: PASSWORD_HINT})
  }
}

/** The 8-byte `RCLONE\0\0` header is missing: these bytes were never encrypted by rclone's crypt. */
export class NotEncryptedError extends CryptError {
  constructor(label?: string, detail = 'it does not start with the RCLONE header') {
    super(`${subject(label)}: not an rclone-crypt file (${detail}).`, {code: 'CryptNotEncrypted', hint: 'this file was not written through an encrypted location; read it as a plain file'})
  }
}

/**
 * One 64 KiB block failed its Poly1305 check while the keys are right (another block of the same
 * file authenticated, or the first block did): the stored bytes were changed.
 */
export class CorruptBlockError extends CryptError {
  readonly block: number

  constructor(block: number, label?: string, detail?: string) {
    super(`${subject(label)}: block ${block} (plain bytes from ${block * 65_536}) failed authentication: the encrypted file is corrupted${detail ? ` (${detail})` : ''}.`, {
      code: 'CryptCorruptBlock',
      hint: 'nothing was written under its final name; upload it again from a good copy',
    })
    this.block = block
  }
}

/** The encrypted file ends early: inside its header, inside a block's tag, or before its listed size. */
export class TruncatedError extends CryptError {
  constructor(label: string | undefined, detail: string) {
    super(`${subject(label)}: the encrypted file is truncated (${detail}).`, {code: 'CryptTruncated', hint: 'nothing was written under its final name; upload it again from a good copy'})
  }
}

/** A remote name that is not an encrypted name under these keys (rclone skips such names with a notice). */
export class BadNameError extends CryptError {
  constructor(name: string, reason: string) {
    super(`Cannot decrypt the name ${JSON.stringify(name)}: ${reason}.`, {code: 'CryptBadName', hint: 'it was not written through this encrypted location (or with other passwords); it is left alone'})
  }
}

function subject(label?: string): string {
  return label ? `Cannot decrypt ${label}` : 'Cannot decrypt'
}
