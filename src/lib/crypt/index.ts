/**
 * rclone's `crypt` format as a library (issue 20): keys, file contents, names, rclone.conf.
 * Nothing here knows about the drive; a crypt drive wrapping a drive sits on top of it.
 */
export {Crypt, type CryptOptions, decryptedSize, encryptedSize, headerNonce} from './crypt.js'
export {type DecryptOptions, Decryptor, Encryptor} from './data.js'
export {type NameEncoding, NAME_ENCODINGS, decodeName, encodeName, loadNameEncoding} from './encodings.js'
export {BadNameError, CorruptBlockError, CryptError, NotEncryptedError, TruncatedError, WrongPasswordError} from './errors.js'
export {BLOCK_DATA_SIZE, BLOCK_SIZE, type CipherRange, HEADER_SIZE, NONCE_SIZE, TAG_SIZE, blockOffset, cipherRange, nonceForBlock} from './format.js'
export {type CryptKeys, DEFAULT_SALT, deriveKeys} from './keys.js'
export {NAME_MODES, NameCipher, type NameMode, type NameOptions} from './names.js'
export {obscure, reveal} from './obscure.js'
export {type CryptRemoteConfig, cryptRemoteFromConfig, formatCryptSection, parseRcloneConfig, saveCryptRemote, withSection} from './rclone-conf.js'
export {type Secretbox, type SecretboxBackend, loadSecretbox} from './secretbox.js'
