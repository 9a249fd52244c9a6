/**
 * @internal What a task needs to start: its function, and the async context it was spawned
 * in. The kernel starts a task later, from whichever task or Node callback passes it the
 * baton; the task's function must still run in its spawner's context, so that other
 * `AsyncLocalStorage` stores (request ids, tracing contexts) follow a spawn the way they
 * follow any promise continuation. An `AsyncResource` is the cheapest public way to capture
 * that context (measured on Node 24: ~45 ns and ~90 B per spawn, against ~260 B for a promise
 * reaction registered at spawn); it exists only until the task has started.
 * @module
 */
import { AsyncResource } from 'node:async_hooks';

/** @internal Any task function: called with the spawn's arguments, returns anything. */
export type TaskFunction = (...args: never[]) => unknown;

// Destroy is emitted by hand once the task has started (see Kernel), so no GC tracking.
const OPTIONS = { requireManualDestroy: true } as const;

export class TaskStart extends AsyncResource {
  /** The task's function. */
  readonly fn: TaskFunction;

  constructor(fn: TaskFunction) {
    super('curio.Task', OPTIONS);
    this.fn = fn;
  }
}
