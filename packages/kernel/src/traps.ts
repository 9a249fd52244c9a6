/**
 * The public trap API: the only ways into the kernel. Everything else — timeouts, task
 * groups, and the locks, queues and sockets of the other packages — is ordinary code on
 * these functions.
 *
 * | trap | function |
 * |---|---|
 * | spawn | {@link spawn} |
 * | cancel | `Task.cancel()` |
 * | sleep | {@link sleep}, {@link schedule} |
 * | scheduler wait / wake | {@link WaitQueue} (`wait`, `wakeOne`, `wake`) |
 * | I/O and other waits | {@link suspend}, {@link wake}, {@link wakeWithError} |
 * | future wait | {@link awaitPromise} |
 * | set / unset timeout | `timeoutAfter` and friends (timeout.ts) |
 * | clock | {@link clock} |
 * | current task | {@link currentTask} |
 * @module
 */
import { currentTask } from './current.js';
import type { SpawnOptions } from './kernel.js';
import type { Blocker, Task, TaskState } from './task.js';
import type { TaskFunction } from './task-start.js';

export { currentTask } from './current.js';

type Awaited_<T> = T extends PromiseLike<infer U> ? U : T;

/**
 * Start a new task running `fn(...args)`. Does not switch tasks: the caller keeps running
 * until it blocks, and the child starts after. Pass the function and its arguments, never a
 * started promise. Options, when needed, come first.
 * @example
 * const kid = await spawn(kidTask, 'Max');
 * const d = await spawn({ daemon: true, name: 'ticker' }, ticker);
 */
export function spawn<A extends unknown[], R>(
  fn: (...args: A) => R,
  ...args: A
): Promise<Task<Awaited_<R>>>;
export function spawn<A extends unknown[], R>(
  options: SpawnOptions,
  fn: (...args: A) => R,
  ...args: A
): Promise<Task<Awaited_<R>>>;
export function spawn(first: unknown, ...rest: unknown[]): Promise<Task> {
  try {
    const parent = currentTask();
    if (typeof first === 'function') {
      // The common case, without splitOptions' allocations.
      return Promise.resolve(parent.kernel.spawn(parent, first as TaskFunction, rest, NO_OPTIONS));
    }
    const [options, fn, args] = splitOptions(first, rest);
    return Promise.resolve(parent.kernel.spawn(parent, fn, args, options));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** @internal The options of a spawn without options (shared, never modified). */
export const NO_OPTIONS: SpawnOptions = Object.freeze({});

/** @internal Split `(options?, fn, ...args)`. */
export function splitOptions(
  first: unknown,
  rest: unknown[],
): [SpawnOptions, TaskFunction, unknown[]] {
  if (typeof first === 'function') return [NO_OPTIONS, first as TaskFunction, rest];
  if (typeof first === 'object' && first !== null && !(first instanceof Promise)) {
    return [first as SpawnOptions, rest[0] as TaskFunction, rest.slice(1)];
  }
  return [NO_OPTIONS, first as TaskFunction, rest];
}

/**
 * Sleep for `seconds` (a float). `sleep(0)` lets every other ready task run first.
 * Resolves to the kernel clock at wake-up. A cancellation point.
 */
export function sleep(seconds: number): Promise<number> {
  try {
    const task = currentTask();
    if (typeof seconds !== 'number') {
      throw new TypeError(`sleep() needs a number of seconds, got ${typeof seconds}`);
    }
    return task.kernel.sleep(task, seconds);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Let every other ready task run, then continue (`sleep(0)`). */
export function schedule(): Promise<number> {
  try {
    const task = currentTask();
    return task.kernel.yieldNow(task);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The kernel clock in seconds (monotonic; virtual under a MockClock). */
export function clock(): number {
  return currentTask().kernel.now();
}

/**
 * Block the calling task in `state` on `blocker` until someone calls {@link wake} or
 * {@link wakeWithError} for it. If a cancellation is pending it is raised instead, and
 * `blocker.block` is not called. When the task is cancelled or times out while blocked, the
 * kernel calls `blocker.unblock(task)` so the blocker forgets it.
 *
 * This is the primitive for new kinds of blocking operations (sockets, pipes, workers).
 */
export function suspend<T = void>(state: TaskState, blocker: Blocker): Promise<T> {
  try {
    const task = currentTask();
    return task.kernel.suspend<T>(task, state, blocker);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Make a task blocked in {@link suspend} ready; its `suspend` resolves to `value`. */
export function wake<T>(task: Task, value?: T): void {
  task.kernel.wake(task, value);
}

/** Make a task blocked in {@link suspend} ready; its `suspend` rejects with `error`. */
export function wakeWithError(task: Task, error: unknown): void {
  task.kernel.wakeWithError(task, error);
}

/** Options of {@link awaitPromise}. */
export interface AwaitPromiseOptions {
  /** Stop waiting (rejecting with the signal's reason) when this signal aborts. */
  signal?: AbortSignal;
}

class PromiseWait<T> implements Blocker {
  readonly external = true;
  task: Task | undefined;
  #abort: (() => void) | undefined;
  constructor(promise: PromiseLike<T>, signal: AbortSignal | undefined) {
    promise.then(
      (value) => this.#settle(false, value),
      (error) => this.#settle(true, error),
    );
    if (signal) {
      this.#abort = () => this.#settle(true, signal.reason);
      signal.addEventListener('abort', this.#abort, { once: true });
      this.signal = signal;
    }
  }
  signal: AbortSignal | undefined;
  block(task: Task): void {
    this.task = task;
  }
  unblock(): void {
    this.#detach();
  }
  #settle(failed: boolean, value: unknown): void {
    const task = this.task;
    this.#detach();
    if (task === undefined) return;
    if (failed) task.kernel.wakeWithError(task, value);
    else task.kernel.wake(task, value);
  }
  #detach(): void {
    this.task = undefined;
    if (this.#abort && this.signal) this.signal.removeEventListener('abort', this.#abort);
    this.#abort = undefined;
  }
}

/**
 * Wait for a promise the kernel does not own (from `fetch`, `fs.promises`, another
 * library) as a cancellation point: the task shows as `FUTURE_WAIT`, other tasks run
 * meanwhile, and a cancellation or timeout stops the wait at once. To stop the foreign
 * operation itself, also pass it `currentTask().signal`.
 * @example
 * const res = await awaitPromise(fetch(url, { signal: currentTask().signal }));
 */
export function awaitPromise<T>(
  promise: PromiseLike<T>,
  options: AwaitPromiseOptions = {},
): Promise<T> {
  let task: Task;
  try {
    task = currentTask();
  } catch (err) {
    return Promise.reject(err);
  }
  // Subscribe first, so a rejection of `promise` is always handled even if we never wait.
  const wait = new PromiseWait(promise, options.signal);
  if (options.signal?.aborted) {
    wait.unblock();
    // A pending cancellation wins, and is consumed, as at any blocking call (the signal may
    // be the task's own, aborted with that very cancellation).
    if (task.cancelPending === null || !task.allowCancel)
      return Promise.reject(options.signal.reason);
  }
  return task.kernel.suspend<T>(task, 'FUTURE_WAIT', wait);
}
