/**
 * Human formats for terminals; scripts get raw values (bytes, ISO times) when output is piped,
 * as the GitHub CLI does.
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-'
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`
}

/** `2026-11-27 17:08` in local time: short and sortable. */
export function humanTime(iso: string | undefined | null): string {
  if (!iso) return '-'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** `1h 05m`, `3m 12s`, `42s`: durations for ETAs and token lifetimes. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0
}

export interface Column<T> {
  header: string
  /** Value on a terminal. */
  human: (row: T) => string
  /** Value when piped; defaults to `human`. */
  raw?: (row: T) => string
  align?: 'left' | 'right'
}

/**
 * A table: aligned with a header on a terminal; tab-separated raw values with no header when
 * piped, so `cut -f2` works.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], tty: boolean): string {
  if (!tty) return rows.map((row) => columns.map((c) => (c.raw ?? c.human)(row)).join('\t')).join('\n')
  const cells = rows.map((row) => columns.map((c) => c.human(row)))
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]))))
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i] - displayWidth(v))
        return columns[i].align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad
      })
      .join('  ')
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n')
}

/** Columns a string takes in a terminal: CJK and other wide characters take two. */
export function displayWidth(text: string): number {
  let width = 0
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    width += code >= 0x1100 && (code <= 0x115f || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) || (code >= 0x20000 && code <= 0x3fffd)) ? 2 : 1
  }
  return width
}
