/**
 * Counting semaphores: `Semaphore` and `BoundedSemaphore` (Curio's `curio.sync.Semaphore`,
 * and the bounded variant of Curio's earlier releases).
 *
 * A release with tasks waiting hands its permit straight to the oldest waiter (DESIGN §6
 * rule 6), so the value stays 0 and a newcomer cannot take the permit first.
 * @module
 */
import { anchorShape, CurioError, WaitQueue } from '@curio/kernel';
import { type Guard, ReleaseGuard } from './lock.js';

function checkValue(where: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new CurioError(`${where} needs a whole number of permits >= 0, got ${String(value)}`);
  }
}

/**
 * A counting semaphore: at most `value` tasks hold a permit at once. `acquire()` blocks
 * (state `SEMA_ACQUIRE`) while none is left and resolves to a {@link Guard}.
 * @example
 * const limit = new Semaphore(3); // three downloads at a time
 * async function download(url: string) {
 *   using _ = await limit.acquire();
 *   return await fetchIt(url);
 * }
 */
export class Semaphore {
  #value: number;
  readonly #waiters = new WaitQueue<Guard>();

  /** @param value - initial number of permits (default 1). */
  constructor(value = 1) {
    checkValue(new.target.name, value);
    this.#value = value;
  }

  /** Permits currently available. */
  get value(): number {
    return this.#value;
  }

  /**
   * Take a permit, waiting in FIFO order while none is available. A cancellation point
   * when it has to wait; a cancelled or timed-out acquire holds nothing.
   */
  acquire(): Promise<Guard> {
    // release() hands us its permit with our guard. (Not an async function: the waiter
    // resumes straight from the wake.)
    if (this.#value === 0) return this.#waiters.wait('SEMA_ACQUIRE');
    this.#value--;
    return Promise.resolve(new ReleaseGuard(this));
  }

  /** Give a permit back: to the oldest waiter if there is one. Never switches tasks. */
  release(): void {
    const waiters = this.#waiters;
    if (waiters.length > 0) waiters.wakeOne(new ReleaseGuard(this));
    else this.#value++;
  }

  /** True when no permit is available. */
  locked(): boolean {
    return this.#value === 0;
  }

  /** Curio's repr: `Semaphore(value=0, waiters=2)`. */
  toString(): string {
    return `${this.constructor.name}(value=${this.#value}, waiters=${this.#waiters.length})`;
  }
}

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired: the
 * value never exceeds its initial value. Catches release bugs early.
 * @example
 * const pool = new BoundedSemaphore(2);
 * pool.release(); // CurioError: released too many times
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial (and maximum) number of permits. */
  readonly bound: number;

  /** @param value - initial and maximum number of permits (default 1). */
  constructor(value = 1) {
    super(value);
    this.bound = value;
  }

  /**
   * Give a permit back.
   * @throws CurioError if that would make the value exceed its initial value.
   */
  override release(): void {
    // value === bound means no task holds a permit (with waiters the value is 0).
    if (this.value >= this.bound) {
      throw new CurioError(
        `BoundedSemaphore released too many times: its value is already ${this.value}, its initial value`,
      );
    }
    super.release();
  }
}

// See anchorShape in @curio/kernel.
anchorShape(new Semaphore());
anchorShape(new BoundedSemaphore());
