/**
 * `runInProcess`: run a function in a pooled child process, as a cancellation point.
 * @module
 */
import { runCall } from './internal/run-call.js';
import type { WorkerCallable } from './run-in-thread.js';
import { jobOf } from './worker-function.js';

/**
 * Run `fn(...args)` in a worker process of the kernel's pool (`child_process.fork` of this
 * Node, talking over IPC) and resolve to its result (a promise result is awaited there). For
 * CPU-bound work: the process has its own memory and CPU, and can be killed at any time.
 *
 * `fn` follows the rules of {@link runInThread}: a self-contained function sent as source,
 * or a {@link workerFunction} reference. Arguments and result are serialized with V8's
 * serializer (structured-clone rules, but no `SharedArrayBuffer`). Errors come back with
 * class, message and the remote stack as `cause`. Cancellation and timeouts kill the process
 * (SIGKILL) at once; the pool forks a new one for a later call. At most
 * `setMaxWorkers().processes` calls (default: the number of CPUs) run at once.
 * @example
 * const fib = (n: number): number => (n <= 2 ? 1 : fib(n - 1) + fib(n - 2)); // not sendable:
 * // it calls the outer `fib`; a named function expression recurses on itself:
 * const r = await runInProcess(function fib(n: number): number {
 *   return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
 * }, 30);
 */
export async function runInProcess<A extends unknown[], R>(
  fn: WorkerCallable<A, R>,
  ...args: A
): Promise<Awaited<R>> {
  return (await runCall('process', jobOf(fn, 'runInProcess'), args)) as Awaited<R>;
}
