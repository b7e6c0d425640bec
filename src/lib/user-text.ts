/**
 * Text a user wrote for us (an `--exclude-from` file, a token on standard input), in whatever
 * encoding Windows tools write by default: Windows PowerShell 5.1's `>` and `Out-File` write
 * UTF-16LE with a byte-order mark, and Notepad long wrote UTF-8 with one. Read as UTF-8, the first
 * is garbage (an exclude file that excludes nothing, so `sync` would delete what it was meant to
 * protect). A BOM says which it is; without one, UTF-8.
 */
export function decodeUserText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le')
  // swap16 needs whole code units: an odd last byte is dropped, as the LE decoder drops it.
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString('utf16le')
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8')
  return bytes.toString('utf8')
}
