// Shared helpers for the kernel test-suite (a port of Curio 1.6's tests/test_kernel.py,
// tests/test_task.py and tests/test_activation.py).
//
// Curio's tests sleep for real (0.1–1.0 s). Here almost every test runs on a virtual clock:
// with `autojump` the kernel jumps straight to the next deadline whenever every task is
// blocked, so `sleep(1)` finishes instantly and the interleaving is deterministic.
import { MockClock, run, WaitQueue } from '@curio/kernel';

/** Runs `fn` as the main task of a fresh kernel on an auto-jumping virtual clock from 0. */
export const runVirtual = <R>(fn: () => Promise<R>) =>
  run({ clock: new MockClock({ start: 0, autojump: true }), signals: 'default' }, fn);

/**
 * Like `runVirtual`, but hands the clock to `fn` so a test can move time forward without
 * blocking (`clock.advance(1)`): the port of Curio's `time.sleep(1)` "forced block of the
 * event loop", which makes several deadlines expire in one go.
 */
export const runWithClock = <R>(fn: (clock: MockClock) => Promise<R>) => {
  const clock = new MockClock({ start: 0, autojump: true });
  return run({ clock, signals: 'default' }, () => fn(clock));
};

/**
 * A one-shot, kernel-only stand-in for `curio.Event` in tests that are not about Event:
 * `set()` is synchronous and wakes the waiters (FIFO) through the kernel's WaitQueue, the
 * scheduler primitive Curio's Event is built on; `wait()` returns at once when set, else
 * blocks (a cancellation point).
 */
export class Gate {
  #set = false;
  readonly #waiters = new WaitQueue();

  set(): void {
    this.#set = true;
    this.#waiters.wakeAll();
  }

  isSet(): boolean {
    return this.#set;
  }

  async wait(): Promise<void> {
    if (!this.#set) await this.#waiters.wait('EVENT_WAIT');
  }
}

/** A task body that blocks until cancelled (Curio's `await evt.wait()` on an Event never set). */
export const forever = () => new Gate().wait();

/** Curio's `x + y` that raises `TypeError` when the operands' types differ (`child(3, 'bad')`). */
export function add(x: unknown, y: unknown): number | string {
  if (typeof x !== typeof y)
    throw new TypeError(`unsupported operand types: ${typeof x} + ${typeof y}`);
  return (x as number) + (y as number);
}

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
