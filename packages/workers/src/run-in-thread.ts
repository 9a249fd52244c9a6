/**
 * `runInThread`: run a function in a pooled worker thread, as a cancellation point.
 * @module
 */
import { runCall } from './internal/run-call.js';
import { jobOf, type WorkerFunction } from './worker-function.js';

/**
 * What a worker can run: a self-contained function (sent as its source text) or a
 * {@link workerFunction} reference to an export of a module.
 */
export type WorkerCallable<A extends unknown[], R> =
  | ((...args: A) => R)
  | WorkerFunction<(...args: A) => R>;

/**
 * Run `fn(...args)` in a worker thread of the kernel's pool and resolve to its result (a
 * promise result is awaited in the worker). The calling task blocks (`FUTURE_WAIT`) while
 * other tasks run.
 *
 * - `fn` is sent as source text, so it may use only its parameters and the worker's globals
 *   (`process.getBuiltinModule`, `Atomics`, `SharedArrayBuffer`, ...); a variable or import
 *   from outside its body fails with a `ReferenceError` that names it. For such functions,
 *   export them from a module and pass {@link workerFunction}`(moduleUrl, exportName)`.
 * - Arguments and result are structured-cloned (a `SharedArrayBuffer` is shared); what
 *   cannot be cloned fails with `WorkerCloneError`.
 * - An error thrown by `fn` comes back with the same built-in class, name, message and
 *   simple properties (`code`...), its `cause` a `RemoteTraceback` holding the worker's stack.
 * - Cancellation and timeouts are immediate: the thread is terminated (even in a busy loop
 *   or `Atomics.wait`) and the pool starts a new one for a later call. A thread that ends
 *   during the call fails it with `WorkerError`.
 * - At most `setMaxWorkers().threads` calls (default 64) run at once; more wait for a free
 *   thread, a cancellation point.
 * @example
 * const n = await runInThread((a: number, b: number) => a + b, 1, 2);
 * await timeoutAfter(1, runInThread, (ms: number) =>
 *   Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), 5000); // TaskTimeout
 */
export async function runInThread<A extends unknown[], R>(
  fn: WorkerCallable<A, R>,
  ...args: A
): Promise<Awaited<R>> {
  return (await runCall('thread', jobOf(fn, 'runInThread'), args)) as Awaited<R>;
}
