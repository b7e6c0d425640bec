import {AlipanError, ExitCode, InterruptedError, isAbortError} from '../errors.js'

/**
 * A body of announced length read from a stream (a WebDAV PUT) and cut into upload parts without
 * a temp file. Each part keeps the bytes it has read until the next part starts, so a part PUT
 * that fails half-way is sent again from memory: at most one part (16 MiB by default) is held.
 */
export class StreamParts {
  private readonly iterator: AsyncIterator<unknown>
  private leftover?: Buffer
  /** Bytes taken from the source so far. */
  private consumed = 0

  constructor(
    source: AsyncIterable<unknown> | Iterable<unknown>,
    /** The length the sender announced. */
    readonly size: number,
  ) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source[Symbol.iterator]())
  }

  /** All `size` bytes in one buffer (small bodies, hashed for a rapid upload before anything is sent). */
  async readAll(): Promise<Buffer> {
    const chunks: Buffer[] = []
    let got = 0
    while (got < this.size) {
      const chunk = await this.next(this.size - got)
      chunks.push(chunk)
      got += chunk.length
    }
    await this.expectEnd()
    return Buffer.concat(chunks, got)
  }

  /** The next `length` bytes as a part that can be replayed. */
  part(length: number): ReplayablePart {
    return new ReplayablePart(this, length)
  }

  /** At most `max` bytes, as they come; the body ending early is an error. */
  async next(max: number): Promise<Buffer> {
    let chunk = this.leftover
    this.leftover = undefined
    while (!chunk || chunk.length === 0) {
      let result: IteratorResult<unknown>
      try {
        result = await this.iterator.next()
      } catch (error) {
        if (isAbortError(error)) throw new InterruptedError()
        throw bodyBroken(`broke off after ${this.consumed} of ${this.size} bytes (${(error as {code?: string}).code ?? (error as Error).message})`, error)
      }
      if (result.done) throw bodyBroken(`ended after ${this.consumed} of the ${this.size} bytes announced`)
      chunk = toBuffer(result.value)
    }
    if (chunk.length > max) {
      this.leftover = chunk.subarray(max)
      chunk = chunk.subarray(0, max)
    }
    this.consumed += chunk.length
    return chunk
  }

  /** Once every announced byte is read: anything more means the sender and its announcement disagree. */
  async expectEnd(): Promise<void> {
    if (this.leftover?.length) throw bodyBroken(`is longer than the ${this.size} bytes announced`)
    for (;;) {
      const result = await this.iterator.next().catch((error: unknown) => {
        throw bodyBroken(`broke off at its end (${(error as {code?: string}).code ?? (error as Error).message})`, error)
      })
      if (result.done) return
      if (toBuffer(result.value).length > 0) throw bodyBroken(`is longer than the ${this.size} bytes announced`)
    }
  }
}

/**
 * One part of a StreamParts body. `chunks()` may be called once per attempt: a later attempt
 * first replays what earlier ones read, then reads on.
 */
export class ReplayablePart {
  private readonly kept: Buffer[] = []
  private got = 0

  constructor(
    private readonly body: StreamParts,
    readonly length: number,
  ) {}

  async *chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; ; i++) {
      if (i < this.kept.length) {
        yield this.kept[i]
        continue
      }
      if (this.got >= this.length) return
      const chunk = await this.body.next(this.length - this.got)
      this.kept.push(chunk)
      this.got += chunk.length
      yield chunk
    }
  }
}

/**
 * The source failed, not the network: put-part.ts sends a `SourceChanged` failure straight up
 * instead of retrying the part against a body that cannot deliver.
 */
function bodyBroken(what: string, cause?: unknown): AlipanError {
  return new AlipanError(`The request body ${what}.`, ExitCode.usage, {code: 'SourceChanged', cause})
}

function toAsync(iterator: Iterator<unknown>): AsyncIterator<unknown> {
  return {next: async () => iterator.next()}
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return Buffer.from(String(value))
}
