/**
 * A FIFO of blocked tasks: Curio's `SchedFIFO`, the scheduler primitive that locks, events,
 * queues and joins are built on. `wait()` blocks the calling task (a cancellation point);
 * `wakeOne()`/`wake(n)` make the oldest waiters ready, optionally handing each a value.
 * @module
 */
import { currentTask } from './current.js';
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
  // A ring would avoid shift(); arrays with a head index are as fast and simpler to compact.
  #tasks: (Task | undefined)[] = [];
  #head = 0;
  #count = 0;

  /** Number of tasks waiting. */
  get length(): number {
    return this.#count;
  }

  /** The waiting tasks, oldest first. */
  *[Symbol.iterator](): IterableIterator<Task> {
    for (let i = this.#head; i < this.#tasks.length; i++) {
      const t = this.#tasks[i];
      if (t !== undefined) yield t;
    }
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
    this.#count++;
  }

  /** @internal Blocker hook: the task was cancelled while waiting; forget it. */
  unblock(task: Task): void {
    const tasks = this.#tasks;
    const i = tasks.indexOf(task, this.#head);
    if (i < 0) return;
    tasks[i] = undefined;
    this.#count--;
    this.#trim();
  }

  /** Wake the oldest waiter with `value`; returns it, or `undefined` if none waited. */
  wakeOne(value?: V): Task | undefined {
    const tasks = this.#tasks;
    while (this.#head < tasks.length) {
      const task = tasks[this.#head];
      tasks[this.#head++] = undefined;
      if (task !== undefined) {
        this.#count--;
        this.#trim();
        task.kernel.wake(task, value);
        return task;
      }
    }
    return undefined;
  }

  /** Wake up to `n` waiters, oldest first; returns how many were woken. */
  wake(n = 1, value?: V): number {
    let woken = 0;
    while (woken < n && this.wakeOne(value) !== undefined) woken++;
    return woken;
  }

  /** Wake every waiter; returns how many were woken. */
  wakeAll(value?: V): number {
    return this.wake(this.#count, value);
  }

  #trim(): void {
    const tasks = this.#tasks;
    if (this.#count === 0) {
      tasks.length = 0;
      this.#head = 0;
    } else if (this.#head > 32 && this.#head * 2 > tasks.length) {
      this.#tasks = tasks.slice(this.#head);
      this.#head = 0;
    }
  }
}
