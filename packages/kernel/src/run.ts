/**
 * `run()`: start a kernel, run the main function to completion, shut down.
 * @module
 */
import { Kernel, type KernelOptions } from './kernel.js';

/**
 * Run `fn(...args)` as the main task of a new kernel and resolve (or reject) with its
 * outcome after shutdown: tasks still alive, daemons included, are cancelled newest first
 * and waited for. Options, when needed, come first.
 * @example
 * await run(countdown, 10);
 * await run({ clock: new MockClock({ autojump: true }) }, main);
 */
export function run<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<R>;
export function run<A extends unknown[], R>(
  options: KernelOptions,
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<R>;
export async function run(first: unknown, ...rest: unknown[]): Promise<unknown> {
  const [options, fn, args] =
    typeof first === 'object' && first !== null && !(first instanceof Promise)
      ? [first as KernelOptions, rest[0], rest.slice(1)]
      : [{}, first, rest];
  const kernel = new Kernel(options);
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await kernel.run(fn as (...a: unknown[]) => unknown, ...args) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  try {
    await kernel.close();
  } catch (error) {
    if (outcome.ok) throw error;
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
