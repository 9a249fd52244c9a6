/**
 * `asyncThread`: Curio's `@async_thread` decorator — a function that runs in a worker thread
 * when a task awaits it, and directly anywhere else.
 * @module
 */
import { currentTaskOrUndefined } from '@curio/kernel';
import { runInThread } from './run-in-thread.js';
import { jobOf } from './worker-function.js';

/**
 * Wrap a self-contained function (see {@link runInThread} for what it may use) so that,
 * called inside a curio task, it returns a promise of its result computed in a worker thread
 * (a cancellation point), and called outside any kernel (plain code, or inside a worker) it
 * runs `fn` directly and returns its value.
 * @example
 * const fib = asyncThread(function fib(n: number): number {
 *   return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
 * });
 * await run(async () => console.log(await fib(30))); // in a thread
 * console.log(fib(10)); // 55, directly
 */
export function asyncThread<A extends unknown[], R>(
  fn: (...args: A) => R,
): (...args: A) => R | Promise<Awaited<R>> {
  jobOf(fn, 'asyncThread'); // refuse built-ins and classes now, not at the first call
  const wrapper = (...args: A): R | Promise<Awaited<R>> =>
    currentTaskOrUndefined() === undefined ? fn(...args) : runInThread(fn, ...args);
  Object.defineProperty(wrapper, 'name', { value: fn.name });
  return wrapper;
}
