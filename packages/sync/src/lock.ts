/**
 * Mutual exclusion: `Lock` and the re-entrant `RLock` (Curio's `curio.sync`), plus the
 * `Guard` that `acquire()` resolves to.
 *
 * Both hand the lock straight to the oldest waiter on release (DESIGN §6 rule 6): the
 * releasing task never gets a chance to take it back, and no newcomer can barge in ahead of
 * the queue. A waiter that is cancelled or times out leaves the queue without the lock.
 * @module
 */
import {
  anchorShape,
  CurioError,
  currentTask,
  currentTaskOrUndefined,
  type Task,
  WaitQueue,
} from '@curio/kernel';

/**
 * What `acquire()` resolves to: a `Disposable` that releases what was acquired, at most
 * once. `using _ = await lock.acquire()` releases at block exit; `guard.release()` releases
 * early (the disposal at block exit then does nothing).
 * @example
 * {
 *   using _ = await lock.acquire();
 *   await criticalSection();
 * } // released here, even if criticalSection() throws or the task is cancelled
 */
export interface Guard extends Disposable {
  /** Release now (only the first call, or the first disposal, releases). */
  release(): void;
}

/** @internal Anything a {@link Guard} can release. */
export interface Releasable {
  release(): void;
}

/** @internal The one implementation of {@link Guard}. */
export class ReleaseGuard implements Guard {
  #target: Releasable | null;
  constructor(target: Releasable) {
    this.#target = target;
  }
  release(): void {
    const target = this.#target;
    if (target === null) return;
    this.#target = null;
    target.release();
  }
  [Symbol.dispose](): void {
    this.release();
  }
}

/** @internal How a Condition asks whether the calling task may wait/notify. */
export const OWNED: unique symbol = Symbol('curio.sync.owned');
/** @internal How a Condition releases its lock completely before waiting. */
export const RELEASE_ALL: unique symbol = Symbol('curio.sync.releaseAll');
/** @internal How a Condition takes its lock back (to the same depth) after waiting. */
export const REACQUIRE: unique symbol = Symbol('curio.sync.reacquire');

/** Run `fn(...args)` between `acquire()` and `release()` of `lock` (the `withLock` of both locks). */
async function holding<A extends unknown[], R>(
  lock: { acquire(): Promise<unknown>; release(): void },
  fn: (...args: A) => R | PromiseLike<R>,
  args: A,
): Promise<R> {
  await lock.acquire();
  try {
    return await fn(...args);
  } finally {
    lock.release();
  }
}

/**
 * A mutual-exclusion lock. `acquire()` blocks (state `LOCK_ACQUIRE`) while another task
 * holds it and resolves to a {@link Guard}; `release()` hands the lock to the oldest waiter.
 * As in Curio, any task may release a held lock (use {@link RLock} for owner checks).
 * @example
 * const lock = new Lock();
 * {
 *   using _ = await lock.acquire();
 *   await update(shared);
 * }
 * await lock.withLock(update, shared); // the same, as a block form
 */
export class Lock {
  #locked = false;
  readonly #waiters = new WaitQueue<Guard>();

  /**
   * Acquire the lock, waiting in FIFO order while another task holds it. A cancellation
   * point when it has to wait; a cancelled or timed-out acquire holds nothing.
   */
  acquire(): Promise<Guard> {
    // The releasing task hands the lock over with our guard: when this resolves, we hold
    // it. (Not an async function: the waiter resumes straight from the wake.)
    if (this.#locked) return this.#waiters.wait('LOCK_ACQUIRE');
    this.#locked = true;
    return Promise.resolve(new ReleaseGuard(this));
  }

  /**
   * Release the lock: the oldest waiter (if any) now holds it and runs in the next cycle.
   * Never switches tasks.
   * @throws CurioError if the lock is not held.
   */
  release(): void {
    if (!this.#locked)
      throw new CurioError('Lock.release() called on an unlocked Lock: acquire it first');
    const waiters = this.#waiters;
    if (waiters.length > 0) waiters.wakeOne(new ReleaseGuard(this));
    else this.#locked = false;
  }

  /** True while some task holds the lock. */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Run `fn(...args)` holding the lock; release it however `fn` ends.
   * @example
   * const n = await lock.withLock(async () => ++counter);
   */
  async withLock<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<R> {
    return holding(this, fn, args);
  }

  /** Curio's repr: `Lock(locked, waiters=2)`. */
  toString(): string {
    return `Lock(${this.#locked ? 'locked' : 'unlocked'}, waiters=${this.#waiters.length})`;
  }

  /** @internal */
  [OWNED](): boolean {
    return this.#locked;
  }

  /** @internal */
  [RELEASE_ALL](): number {
    this.release();
    return 1;
  }

  /** @internal */
  async [REACQUIRE](_depth: number): Promise<void> {
    await this.acquire();
  }
}

/**
 * A re-entrant lock: the task holding it may acquire it again (each `acquire()` needs its
 * own `release()`), and only that task may release it. Waiters are served FIFO, and the
 * last release hands the lock straight to the oldest one.
 * @example
 * const lock = new RLock();
 * async function outer() { using _ = await lock.acquire(); await inner(); }
 * async function inner() { using _ = await lock.acquire(); ... } // same task: no deadlock
 */
export class RLock {
  #owner: Task | null = null;
  #depth = 0;
  readonly #waiters = new WaitQueue<Guard>();

  /**
   * Acquire the lock (again, if the calling task already holds it). A cancellation point
   * when it has to wait; a cancelled or timed-out acquire holds nothing.
   */
  acquire(): Promise<Guard> {
    let me: Task;
    try {
      me = currentTask();
    } catch (err) {
      return Promise.reject(err);
    }
    // release() makes us the owner and hands us our guard as it wakes us.
    if (this.#owner !== me && this.#owner !== null) return this.#waiters.wait('LOCK_ACQUIRE');
    if (this.#owner === me) {
      this.#depth++;
    } else {
      this.#owner = me;
      this.#depth = 1;
    }
    return Promise.resolve(new ReleaseGuard(this));
  }

  /**
   * Undo one `acquire()`. The last one hands the lock to the oldest waiter. Never switches
   * tasks.
   * @throws CurioError if the lock is not held, or is held by another task.
   */
  release(): void {
    const owner = this.#owner;
    if (owner === null)
      throw new CurioError('RLock.release() called on an unlocked RLock: acquire it first');
    const me = currentTaskOrUndefined();
    if (me !== owner) {
      throw new CurioError(
        `RLock can only be released by the task that holds it: held by ${owner}, released by ${me ?? 'code outside any task'}`,
      );
    }
    if (--this.#depth === 0) this.#handOff();
  }

  /** True while some task holds the lock. */
  locked(): boolean {
    return this.#depth > 0;
  }

  /** Run `fn(...args)` holding the lock; release it however `fn` ends. */
  async withLock<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<R> {
    return holding(this, fn, args);
  }

  /** Curio's repr: `RLock(locked, depth=2, waiters=0)`. */
  toString(): string {
    return `RLock(${this.locked() ? 'locked' : 'unlocked'}, depth=${this.#depth}, waiters=${this.#waiters.length})`;
  }

  #handOff(): void {
    const waiters = this.#waiters;
    const next = waiters.length > 0 ? waiters.wakeOne(new ReleaseGuard(this)) : undefined;
    this.#owner = next ?? null;
    this.#depth = next === undefined ? 0 : 1;
  }

  /** @internal */
  [OWNED](): boolean {
    return this.#owner !== null && this.#owner === currentTaskOrUndefined();
  }

  /** @internal Release every level at once (a Condition waiting); returns the depth. */
  [RELEASE_ALL](): number {
    const depth = this.#depth;
    this.#depth = 1;
    this.release();
    return depth;
  }

  /** @internal Take the lock back, to the depth that `[RELEASE_ALL]()` returned. */
  async [REACQUIRE](depth: number): Promise<void> {
    await this.acquire();
    this.#depth = depth;
  }
}

// Guards are made per acquire, locks per resource; see anchorShape in @curio/kernel.
anchorShape(new ReleaseGuard(anchorShape(new Lock())));
anchorShape(new RLock());
