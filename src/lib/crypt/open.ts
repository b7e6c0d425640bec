import type {Drive} from '../drive/drive.js'
import {Crypt} from './crypt.js'
import {CryptDrive} from './crypt-drive.js'
import type {RevealedCryptLocation} from './locations-file.js'
import {NonceStore} from './nonces.js'

/**
 * An encrypted location opened over its drive: the keys derived (scrypt, ~0.1 s), the secretbox
 * library loaded. Imported only when a command names an encrypted location, so no other command
 * loads the crypt libraries.
 */
export async function openCryptDrive(inner: Drive, base: string, location: RevealedCryptLocation, options: {noncesDir: string; notice?: (message: string) => void}): Promise<CryptDrive> {
  const crypt = await Crypt.create({
    password: location.password,
    password2: location.password2,
    filenameEncryption: location.filename_encryption,
    directoryNameEncryption: location.directory_name_encryption,
    filenameEncoding: location.filename_encoding,
    suffix: location.suffix,
  })
  return new CryptDrive(inner, base, crypt, {name: location.name, nonces: new NonceStore(options.noncesDir), notice: options.notice})
}
