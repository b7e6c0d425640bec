/**
 * rclone's version suffixes (`lib/version`): a file name whose stem ends in
 * `-vYYYY-MM-DD-hhmmss-mmm` (a valid time) keeps that suffix in clear; only the rest of the name
 * is encrypted, and the suffix goes back after it. rclone 1.60 already does this, so names of that
 * shape must too, or rclone would read them as other files.
 */
const SUFFIX_LENGTH = '-v2006-01-02-150405-000'.length
const ANYWHERE = /-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3}/
const AT_END = /-v(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})$/

/** Does the name carry a version string anywhere (rclone's `version.Match`)? */
export function hasVersion(name: string): boolean {
  return ANYWHERE.test(name)
}

/** `stem` + `ext` as rclone's `path.Ext` splits a name, a dot-file (`.conf`) being all stem. */
function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return [name, '']
  return [name.slice(0, dot), name.slice(dot)]
}

/** The name without its version suffix and the suffix, or undefined when it has no valid one. */
export function removeVersion(name: string): {name: string; version: string} | undefined {
  const [stem, ext] = splitExt(name)
  if (stem.length < SUFFIX_LENGTH) return undefined
  const match = AT_END.exec(stem)
  if (!match || !validTime(match.slice(1).map(Number))) return undefined
  return {name: stem.slice(0, stem.length - SUFFIX_LENGTH) + ext, version: match[0]}
}

/** Put a version suffix back: before the last extension (rclone's `version.Add`). */
export function addVersion(name: string, version: string): string {
  const [stem, ext] = splitExt(name)
  return stem + version + ext
}

/** Would Go's time.Parse accept these fields (a real date, hours < 24, minutes and seconds < 60)? */
function validTime([year, month, day, hour, minute, second]: number[]): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return day <= days
}
