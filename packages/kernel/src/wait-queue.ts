/**
 * A FIFO of blocked tasks: Curio's `SchedFIFO`, the scheduler primitive that locks, events,
 * queues and joins are built on. `wait()` blocks the calling task (a cancellation point);
 * `wakeOne()`/`wake(n)` make the oldest waiters ready, optionally handing each a value.
 * @module
 */
import { currentTask } from './current.js';
import { RingQueue } from './ring-queue.js';
import { anchorShape } from './shape-anchor.js';
import type { Blocker, Task, TaskState } from './task.js';

/**
 * A FIFO queue of tasks blocked on some condition.
 * @typeParam V - the value a woken task receives from `wait()`.
 * @example
 * const waiters = new WaitQueue();
 * await waiters.wait('EVENT_WAIT');   // in one task
 * waiters.wakeAll();                  // in another
 */
export class WaitQueue<V = void> implements Blocker {
  readonly #tasks = new RingQueue<Task>();

  /** Number of tasks waiting. */
  get length(): number {
    return this.#tasks.length;
  }

  /** The waiting tasks, oldest first. */
  [Symbol.iterator](): IterableIterator<Task> {
    return this.#tasks[Symbol.iterator]();
  }

  /**
   * Block the calling task here until woken; resolves to the value passed to the wake.
   * A cancellation point: a pending cancellation is raised instead of blocking.
   */
  wait(state: TaskState): Promise<V> {
    try {
      const task = currentTask();
      return task.kernel.suspend<V>(task, state, this);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal Blocker hook: enqueue the task. */
  block(task: Task): void {
    this.#tasks.push(task);
  }

  /** @internal Blocker hook: the task was cancelled while waiting; forget it. */
  unblock(task: Task): void {
    this.#tasks.remove(task);
  }

  /** Wake the oldest waiter with `value`; returns it, or `undefined` if none waited. */
  wakeOne(value?: V): Task | undefined {
    const task = this.#tasks.shift();
    if (task !== undefined) task.kernel.wake(task, value);
    return task;
  }

  /** Wake up to `n` waiters, oldest first; returns how many were woken. */
  wake(n = 1, value?: V): number {
    const tasks = this.#tasks;
    let woken = 0;
    let task: Task | undefined;
    while (woken < n && (task = tasks.shift()) !== undefined) {
      task.kernel.wake(task, value);
      woken++;
    }
    return woken;
  }

  /** Wake every waiter; returns how many were woken. */
  wakeAll(value?: V): number {
    return this.wake(Number.POSITIVE_INFINITY, value);
  }
}

// Locks, events and joins come and go; keep the shape of a wait queue (and of its ring).
anchorShape(new WaitQueue());
