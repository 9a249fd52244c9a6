/**
 * `Event`: a sticky flag tasks can wait for (Curio's `curio.sync.Event`). Setting it wakes
 * every waiter, oldest first (DESIGN §6 rule 6); it stays set until `clear()`.
 * @module
 */
import { anchorShape, type TaskState, WaitQueue } from '@curio/kernel';
import { resolvedVoid } from './resolved.js';

/**
 * A flag that tasks wait for. `set()` is synchronous and never switches tasks (so
 * tutorial code's `await evt.set()` works too); the waiters run in the next cycle.
 * @example
 * const ready = new Event();
 * await spawn(async () => { await ready.wait(); console.log('go'); });
 * ready.set();
 */
export class Event {
  #set = false;
  readonly #waiters = new WaitQueue();
  /** The task state shown while waiting (`EVENT_WAIT`; subclasses show their own). */
  protected readonly waitState: TaskState = 'EVENT_WAIT';

  /** True once `set()` was called (and `clear()` not since). */
  isSet(): boolean {
    return this.#set;
  }

  /** Reset the flag: later `wait()`s block again. */
  clear(): void {
    this.#set = false;
  }

  /** Set the flag and wake every waiting task (FIFO). Never switches tasks. */
  set(): void {
    this.#set = true;
    this.#waiters.wakeAll();
  }

  /**
   * Wait until the flag is set; returns at once if it already is. A cancellation point
   * when it has to wait.
   */
  wait(): Promise<void> {
    // Not an async function: a blocked waiter resumes straight from the kernel's wake, one
    // microtask hop instead of two (an async wrapper would resume, then settle its own promise).
    return this.#set ? resolvedVoid : this.#waiters.wait(this.waitState);
  }

  /** Curio's repr: `Event(unset, waiters=2)`. */
  toString(): string {
    return `${this.constructor.name}(${this.#set ? 'set' : 'unset'}, waiters=${this.#waiters.length})`;
  }
}

// Events come and go with the work they signal; see anchorShape in @curio/kernel.
anchorShape(new Event());
