import type {AlipanError} from '../lib/errors.js'
import type {ClashInfo, TransferEvents} from '../lib/files/events.js'
import {describeClash} from '../lib/files/name-clash.js'
import {displayWidth, humanDuration, humanSize} from '../lib/output/format.js'
import type {TransferProgress} from '../lib/transfer/upload.js'

/**
 * `bars`: a live bar per active transfer (terminal, or forced with --progress);
 * `lines`: one plain line per finished file, for cron logs; `quiet`: failures only.
 */
export type ProgressMode = 'bars' | 'lines' | 'quiet'

interface Active {
  total?: number
  done: number
  phase: TransferProgress['phase']
  started: number
}

export interface Summary {
  files: number
  bytes: number
  rapid: number
  skipped: number
  failed: number
  seconds: number
}

const MAX_BARS = 6
const FRAME_MS = 120

export class ProgressReporter implements TransferEvents {
  private readonly active = new Map<string, Active>()
  private readonly started = Date.now()
  private readonly counts = {files: 0, bytes: 0, rapid: 0, skipped: 0, failed: 0}
  /** Per-file failures, in the order they happened (the first one sets the exit code). */
  readonly failures: AlipanError[] = []
  private drawnLines = 0
  private timer?: NodeJS.Timeout

  constructor(
    private readonly mode: ProgressMode,
    /** `uploaded`, `downloaded`; empty when labels say what happened (sync: `new a.txt`). */
    private readonly verb: string,
    private readonly out: NodeJS.WritableStream = process.stderr,
    /** false: the command prints a summary of its own. */
    private readonly summarize = true,
  ) {
    if (mode === 'bars') {
      this.timer = setInterval(() => this.draw(), FRAME_MS)
      this.timer.unref()
    }
  }

  start(label: string, total: number | undefined): void {
    this.active.set(label, {total, done: 0, phase: 'upload', started: Date.now()})
  }

  progress(label: string, progress: TransferProgress): void {
    const entry = this.active.get(label)
    if (!entry) return
    if (entry.phase !== progress.phase) entry.started = Date.now()
    entry.phase = progress.phase
    entry.done = progress.done
    if (progress.total !== undefined) entry.total = progress.total
  }

  done(label: string, info: {size: number; rapid: boolean; bytes: number; resumedParts?: number; resumedBytes?: number}): void {
    this.active.delete(label)
    this.counts.files++
    this.counts.bytes += info.size
    if (info.rapid) this.counts.rapid++
    const notes = [humanSize(info.size), info.rapid ? 'rapid upload' : '', info.resumedParts ? `resumed after ${info.resumedParts} parts` : '', info.resumedBytes ? `resumed at ${humanSize(info.resumedBytes)}` : '']
    this.line(`${this.verb ? `${this.verb} ` : ''}${label} (${notes.filter(Boolean).join(', ')})`, 'lines')
  }

  skip(label: string, reason: 'identical' | 'differs'): void {
    this.active.delete(label)
    this.counts.skipped++
    this.line(reason === 'identical' ? `skipped ${label} (identical)` : `skipped ${label} (exists and differs; --on-conflict overwrite replaces it)`, 'lines')
  }

  leftOut(path: string, reason: string): void {
    this.line(`skipped ${path}: ${reason}`, 'lines')
  }

  /** Always said, --quiet too: a file the user looks for under its own name is elsewhere, or missing. */
  clash(label: string, info: ClashInfo): void {
    const why = `${describeClash(info.kind)}; the newest keeps ${info.keptBy}`
    if (info.skipped) this.counts.skipped++
    this.line(info.skipped ? `left out ${label}: name clash (${why}); --on-clash rename would save it as ${info.localPath}` : `renamed ${label} → ${info.localPath}: name clash (${why})`, 'quiet')
  }

  dismiss(label: string): void {
    this.active.delete(label)
  }

  fail(label: string, error: AlipanError): void {
    this.active.delete(label)
    this.counts.failed++
    this.failures.push(error)
    this.line(`failed ${label}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`, 'quiet')
  }

  /** Stop drawing, clear the bars and print the summary (unless quiet). */
  finish(): Summary {
    if (this.timer) clearInterval(this.timer)
    this.clear()
    const summary: Summary = {...this.counts, seconds: (Date.now() - this.started) / 1000}
    if (this.summarize && this.mode !== 'quiet' && summary.files + summary.skipped + summary.failed > 0) {
      const parts = [`${summary.files} ${summary.files === 1 ? 'file' : 'files'} ${this.verb}`, humanSize(summary.bytes)]
      if (summary.rapid) parts.push(`${summary.rapid} rapid`)
      if (summary.skipped) parts.push(`${summary.skipped} skipped`)
      if (summary.failed) parts.push(`${summary.failed} failed`)
      this.out.write(`${parts.join(', ')} in ${humanDuration(summary.seconds * 1000)}\n`)
    }
    return summary
  }

  /** A line of its own (`delete a/`, `skipped x: FIFO`), above the bars; not in quiet mode. */
  note(text: string): void {
    this.line(text, 'lines')
  }

  /** Print a finished-file line above the bars. `minimum`: the quietest mode that still shows it. */
  private line(text: string, minimum: 'lines' | 'quiet'): void {
    if (this.mode === 'quiet' && minimum !== 'quiet') return
    this.clear()
    this.out.write(`${text}\n`)
    if (this.mode === 'bars') this.draw()
  }

  private clear(): void {
    if (this.drawnLines === 0) return
    this.out.write(`\u001B[${this.drawnLines}A\u001B[0J`)
    this.drawnLines = 0
  }

  private draw(): void {
    if (this.mode !== 'bars') return
    this.clear()
    const columns = (this.out as NodeJS.WriteStream).columns || 100
    const shown = [...this.active.entries()].slice(0, MAX_BARS)
    const lines = shown.map(([label, entry]) => barLine(label, entry, columns))
    if (this.active.size > MAX_BARS) lines.push(`… and ${this.active.size - MAX_BARS} more`)
    if (lines.length === 0) return
    this.out.write(`${lines.join('\n')}\n`)
    this.drawnLines = lines.length
  }
}

function barLine(label: string, entry: Active, columns: number): string {
  const elapsed = Math.max(0.001, (Date.now() - entry.started) / 1000)
  const rate = entry.done / elapsed
  const verb = entry.phase === 'hash' ? 'hashing ' : ''
  const stats = entry.total
    ? `${percentOf(entry)}  ${humanSize(entry.done)}/${humanSize(entry.total)}  ${humanSize(rate)}/s  ETA ${rate > 0 ? humanDuration(((entry.total - entry.done) / rate) * 1000) : '-'}`
    : `${humanSize(entry.done)}  ${humanSize(rate)}/s`
  const barWidth = entry.total ? 20 : 0
  const bar = barWidth ? `[${'█'.repeat(Math.round((entry.done / entry.total!) * barWidth)).padEnd(barWidth, '░')}] ` : ''
  const room = Math.max(10, columns - displayWidth(stats) - barWidth - 6 - verb.length)
  return `${verb}${truncate(label, room)}  ${bar}${stats}`
}

function percentOf(entry: Active): string {
  return `${String(Math.floor((entry.done / (entry.total || 1)) * 100)).padStart(3)}%`
}

function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  let out = ''
  for (const ch of [...text].reverse()) {
    if (displayWidth(out) + displayWidth(ch) + 1 > width) break
    out = ch + out
  }
  return `…${out}`
}
