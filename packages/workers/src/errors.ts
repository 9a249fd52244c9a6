/**
 * The errors of `@curio/workers`: the library's own failures ({@link WorkerError},
 * {@link WorkerCloneError}) and the carrier of a worker's stack ({@link RemoteTraceback}).
 * @module
 */
import { CurioError } from '@curio/kernel';

/**
 * A worker thread or process ended while it ran a call (it crashed, called `process.exit`, was
 * killed from outside, or could not start). `cause` is the worker's own error when it
 * reported one. The pool replaces the worker; the next call gets a fresh one.
 * @example
 * try { await runInProcess(() => process.exit(3)); }
 * catch (err) { if (err instanceof WorkerError) console.log(err.message); }
 */
export class WorkerError extends CurioError {
  static override readonly brand: string = 'WorkerError';
  override readonly code: string = 'CURIO_WORKER';
}

/**
 * An argument or a result could not be sent between the task and the worker: they are
 * structured-cloned (threads) or serialized with `v8.serialize` (processes), which refuses
 * functions, class instances' methods, sockets and other handles (and, between processes,
 * `SharedArrayBuffer`s). `cause` is the runtime's `DataCloneError`.
 * @example
 * await runInThread((f) => f(), () => 1); // WorkerCloneError: argument 1 ...
 */
export class WorkerCloneError extends CurioError {
  static override readonly brand: string = 'WorkerCloneError';
  override readonly code: string = 'CURIO_WORKER_CLONE';
}

/**
 * The `cause` of an error that came back from a worker: its `stack` (and `String()` of it)
 * is the stack of the original error inside the worker, as Curio's `RemoteTraceback`.
 * @example
 * catch (err) { console.log(String((err as Error).cause)); } // the worker's stack
 */
export class RemoteTraceback extends Error {
  constructor(remoteStack: string) {
    super(remoteStack);
    this.name = 'RemoteTraceback';
    // Printed as a cause, the worker's stack as it was, not a stack of this constructor.
    this.stack = remoteStack;
  }

  /** The remote stack. */
  override toString(): string {
    return this.message;
  }
}
