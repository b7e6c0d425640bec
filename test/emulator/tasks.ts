// Async tasks of folder copy/move/trash/delete (§4.14). A task reads `Running` for `asyncTaskMs`
// (emulator clock) and then `Succeed`, or `Failed` when a fault made it fail.
import type {Clock} from './clock.js'
import {ApiError, invalidParam} from './errors.js'
import {Params} from './http.js'
import {newTaskId} from './ids.js'

interface Task {
  createdAt: number
  failed: boolean
}

export class TaskStore {
  private readonly tasks = new Map<string, Task>()

  constructor(
    private readonly clock: Clock,
    private readonly durationMs: number,
  ) {}

  create(failed: boolean): string {
    const id = newTaskId()
    this.tasks.set(id, {createdAt: this.clock.now(), failed})
    return id
  }

  state(id: string): 'Running' | 'Succeed' | 'Failed' | undefined {
    const t = this.tasks.get(id)
    if (!t) return undefined
    if (this.clock.now() < t.createdAt + this.durationMs) return 'Running'
    return t.failed ? 'Failed' : 'Succeed'
  }

  /** POST /adrive/v1.0/openFile/async_task/get */
  handle(body: Params): {async_task_id: string; state: string} {
    const id = body.optStr('async_task_id')
    if (!id) throw invalidParam('async_task_id')
    const state = this.state(id)
    if (!state) throw new ApiError(404, 'NotFound.AsyncTask', 'The resource async_task cannot be found.')
    return {async_task_id: id, state}
  }
}
