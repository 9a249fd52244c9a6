// Shared helpers for the @curio/sync tests (a port of Curio 1.6's tests/test_sync.py and
// tests/test_queue.py, and Curio 0.9's tests/test_signal.py).
//
// Curio's tests sleep for real (0.1–1 s). Here they run on a virtual clock: with `autojump`
// the kernel jumps straight to the next deadline whenever every task is blocked, so
// `sleep(1)` returns at once and the interleaving is deterministic.
import { MockClock, run } from '@curio/kernel';

/** Runs `fn` as the main task of a fresh kernel on an auto-jumping virtual clock from 0. */
export const runVirtual = <R>(fn: () => Promise<R>): Promise<R> =>
  run({ clock: new MockClock({ autojump: true }) }, fn);

/**
 * `runVirtual` without a SIGINT handler (`signals: 'default'`): for property tests, which
 * start hundreds of kernels.
 */
export const runVirtualNoSignals = <R>(fn: () => Promise<R>): Promise<R> =>
  run({ clock: new MockClock({ autojump: true }), signals: 'default' }, fn);

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** Runs `fn` synchronously and returns what it threw (fails the test if it did not throw). */
export function caughtSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** Curio's `x + y` that raises `TypeError` when the operands' types differ (`work(2, '3')`). */
export function add(x: unknown, y: unknown): number | string {
  if (typeof x !== typeof y)
    throw new TypeError(`unsupported operand types: ${typeof x} + ${typeof y}`);
  return (x as number) + (y as number);
}
