/**
 * Modification times of remote entries, as `sync`, `put --on-conflict skip` and downloads judge
 * and set them.
 */

/**
 * A remote file's modification time: the `local_modified_at` its uploader sent (§4.1; alipan
 * sends it, and the listing echoes it back, though the spec marks the echo unconfirmed), else
 * undefined. `updated_at` is the service's own clock, not the file's, so it is no evidence.
 */
export function uploadedMtimeMs(item: {local_modified_at?: string | null} | undefined): number | undefined {
  return parseTime(item?.local_modified_at)
}

/**
 * The time a downloaded file gets, and the one a later run compares it against: the uploader's
 * `local_modified_at` when there is one, else the service's `updated_at`.
 */
export function remoteMtimeMs(entry: {updated_at?: string; item?: {local_modified_at?: string | null}}): number | undefined {
  return uploadedMtimeMs(entry.item) ?? parseTime(entry.updated_at)
}

function parseTime(text: string | null | undefined): number | undefined {
  if (!text) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}
