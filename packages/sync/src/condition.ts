/**
 * `Condition`: wait for a state change announced by another task, under a lock (Curio's
 * `curio.sync.Condition`).
 *
 * `wait()` releases the lock, blocks until notified, then takes the lock back — always,
 * even when it was cancelled or timed out (DESIGN §6 rule 6): the retake runs with
 * cancellation disabled, so the caller's `finally`/`using` release is always balanced. A
 * cancellation or timeout that arrives while retaking stays pending until the next blocking
 * operation.
 * @module
 */
import { anchorShape, CurioError, disableCancellation, WaitQueue } from '@curio/kernel';
import { type Guard, Lock, OWNED, REACQUIRE, RELEASE_ALL, RLock } from './lock.js';

/**
 * A condition variable bound to a {@link Lock} (the default) or an {@link RLock}. `wait()`
 * and `notify()` need the lock held; notified waiters are woken FIFO and run once they have
 * the lock back.
 * @example
 * const cond = new Condition();
 * const items: string[] = [];
 * async function consumer() {
 *   using _ = await cond.acquire();
 *   await cond.waitFor(() => items.length > 0);
 *   return items.shift();
 * }
 * async function producer(item: string) {
 *   using _ = await cond.acquire();
 *   items.push(item);
 *   cond.notify();
 * }
 */
export class Condition {
  /** The underlying lock. */
  readonly lock: Lock | RLock;
  readonly #waiters = new WaitQueue();

  /** @param lock - the lock to use (default: a new {@link Lock}). */
  constructor(lock: Lock | RLock = new Lock()) {
    if (!(lock instanceof Lock || lock instanceof RLock)) {
      throw new CurioError('Condition(lock) needs a Lock or an RLock from @curio/sync');
    }
    this.lock = lock;
  }

  /** Acquire the underlying lock; resolves to a {@link Guard} that releases it. */
  acquire(): Promise<Guard> {
    return this.lock.acquire();
  }

  /** Release the underlying lock. */
  release(): void {
    this.lock.release();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this.lock.locked();
  }

  /** Run `fn(...args)` holding the lock; release it however `fn` ends. */
  withLock<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    return this.lock.withLock(fn, ...args);
  }

  /**
   * Release the lock, wait (state `COND_WAIT`) until notified, and take the lock back. A
   * cancellation point; the lock is held again when it returns or throws.
   * @throws CurioError if the calling task does not hold the lock.
   */
  async wait(): Promise<void> {
    const lock = this.lock;
    if (!lock[OWNED]()) {
      throw new CurioError(
        "Condition.wait() needs the condition's lock: acquire it first (using _ = await cond.acquire())",
      );
    }
    const depth = lock[RELEASE_ALL]();
    try {
      await this.#waiters.wait('COND_WAIT');
    } finally {
      await disableCancellation(() => lock[REACQUIRE](depth));
    }
  }

  /**
   * Wait until `predicate()` returns a truthy value, checking it first and after every
   * notification; returns that value. The lock must be held.
   */
  async waitFor<R>(predicate: () => R): Promise<R> {
    for (;;) {
      const result = predicate();
      if (result) return result;
      await this.wait();
    }
  }

  /**
   * Wake up to `n` waiting tasks, oldest first (none waiting: nothing happens). Never
   * switches tasks.
   * @throws CurioError if the calling task does not hold the lock.
   */
  notify(n = 1): void {
    if (!this.lock[OWNED]()) {
      throw new CurioError(
        "Condition.notify() needs the condition's lock: acquire it first (using _ = await cond.acquire())",
      );
    }
    this.#waiters.wake(n);
  }

  /** Wake every waiting task. The lock must be held. */
  notifyAll(): void {
    this.notify(this.#waiters.length);
  }

  /** Curio's repr: `Condition(locked, waiters=1)`. */
  toString(): string {
    return `Condition(${this.locked() ? 'locked' : 'unlocked'}, waiters=${this.#waiters.length})`;
  }
}

// See anchorShape in @curio/kernel.
anchorShape(new Condition());
