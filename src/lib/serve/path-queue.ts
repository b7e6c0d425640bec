/**
 * Writes to one path, one at a time. Two PUTs of one name at once would each upload beside the
 * entry they saw and remove only that one, leaving two files of the name; queued, the second
 * finds the first's file and replaces it (the last writer wins, as on a disk).
 */
export class PathQueue {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(path: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(path) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    const tail = before.then(() => mine)
    this.tails.set(path, tail)
    await before
    try {
      return await task()
    } finally {
      release()
      if (this.tails.get(path) === tail) this.tails.delete(path)
    }
  }
}
