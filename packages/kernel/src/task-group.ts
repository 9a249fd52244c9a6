/**
 * Task groups: a set of tasks that end together (DESIGN §6 rule 5, Curio 1.6 TaskGroup).
 * Members are waited for by a wait policy; a failed member (an error that is not a
 * cancellation) makes the group cancel the rest and throw `TaskGroupError` when it joins.
 * @module
 */
import { disableCancellation } from './cancellation.js';
import { currentTask } from './current.js';
import { CancelledError, CurioError, TaskGroupError } from './errors.js';
import type { SpawnOptions } from './kernel.js';
import { RingQueue } from './ring-queue.js';
import type { Task, TaskGroupMembership } from './task.js';
import type { TaskFunction } from './task-start.js';
import { NO_OPTIONS, splitOptions } from './traps.js';
import { WaitQueue } from './wait-queue.js';

/**
 * How a group waits: `'all'` for every member; `'any'` for the first to finish; `'object'`
 * for the first non-`undefined` result (or error); `'none'` cancels the members at once.
 */
export type WaitPolicy = 'all' | 'any' | 'object' | 'none';

/** Options of {@link TaskGroup}. */
export interface TaskGroupOptions {
  /** The wait policy (default `'all'`). */
  wait?: WaitPolicy;
}

const POLICIES = new Set<WaitPolicy>(['all', 'any', 'object', 'none']);

type Awaited_<T> = T extends PromiseLike<infer U> ? U : T;

/**
 * A group of tasks that never leaks a member: when the group joins, members still running
 * are cancelled and waited for.
 * @example
 * const g = await withTaskGroup(async (g) => {
 *   await g.spawn(fetchA);
 *   await g.spawn(fetchB);
 * });
 * console.log(g.results);
 */
export class TaskGroup<R = unknown> implements TaskGroupMembership, AsyncIterable<Task<R>> {
  /** The first member that completed under the wait policy, once joined. */
  completed: Task<R> | undefined = undefined;
  readonly #wait: WaitPolicy;
  // Members still running (non-daemon, not terminated). A count, not a set: a big group's
  // set would cost two hash-table updates (cache misses) per member; the members
  // themselves are in #tasks, and the rare full list is filtered from it.
  #running = 0;
  // Members that ended and were not yet taken (nextDone, join) or discarded, oldest first.
  readonly #finished = new RingQueue<Task>();
  readonly #daemonic = new Set<Task>();
  readonly #tasks = new Set<Task>();
  readonly #done = new WaitQueue();
  #joined = false;

  constructor(tasks: Iterable<Task> = [], options: TaskGroupOptions = {}) {
    const wait = options.wait ?? 'all';
    if (!POLICIES.has(wait)) {
      throw new CurioError(
        `TaskGroup wait policy must be 'all', 'any', 'object' or 'none', got ${String(wait)}`,
      );
    }
    this.#wait = wait;
    for (const task of tasks) this.#adopt(task);
  }

  /** The non-daemon members still tracked by the group, in spawn order. */
  get tasks(): Task<R>[] {
    return [...this.#tasks].sort((a, b) => a.id - b.id) as Task<R>[];
  }

  /** Result of the completed member (rethrows its error). Only after the group joined. */
  get result(): R {
    this.#checkJoined();
    if (this.completed === undefined)
      throw new CurioError('no task in the group completed successfully');
    return this.completed.result;
  }

  /** Error of the completed member, or `undefined`. Only after the group joined. */
  get exception(): unknown {
    this.#checkJoined();
    return this.completed?.exception;
  }

  /** Every member's result in spawn order (rethrows the first error). After joining. */
  get results(): R[] {
    this.#checkJoined();
    return this.tasks.map((t) => t.result);
  }

  /** Every member's error (or `undefined`) in spawn order. After joining. */
  get exceptions(): unknown[] {
    this.#checkJoined();
    return this.tasks.map((t) => t.exception);
  }

  /** True once the group has joined. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Spawn a member: the same arguments as `spawn`, options first if any. */
  spawn<A extends unknown[], T extends R>(
    fn: (...args: A) => T | PromiseLike<T>,
    ...args: A
  ): Promise<Task<Awaited_<T>>>;
  spawn<A extends unknown[], T extends R>(
    options: SpawnOptions,
    fn: (...args: A) => T | PromiseLike<T>,
    ...args: A
  ): Promise<Task<Awaited_<T>>>;
  spawn(first: unknown, ...rest: unknown[]): Promise<Task> {
    try {
      if (this.#joined)
        throw new CurioError('this TaskGroup has already joined: create a new group');
      const parent = currentTask();
      let task: Task;
      if (typeof first === 'function') {
        task = parent.kernel.spawn(parent, first as TaskFunction, rest, NO_OPTIONS);
      } else {
        const [options, fn, args] = splitOptions(first, rest);
        task = parent.kernel.spawn(parent, fn, args, options);
      }
      this.#adopt(task);
      return Promise.resolve(task);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Add an existing task to the group. */
  async addTask(task: Task): Promise<void> {
    if (this.#joined) throw new CurioError('this TaskGroup has already joined: create a new group');
    this.#adopt(task);
  }

  /** Wait for the next member to finish and return it (it leaves the group); `undefined` when none is left. */
  async nextDone(): Promise<Task<R> | undefined> {
    while (this.#finished.length === 0 && this.#running > 0) await this.#done.wait('TASK_JOIN');
    const task = this.#finished.shift();
    if (task === undefined) return undefined;
    task.taskGroup = null;
    task.joined = true;
    this.#tasks.delete(task);
    return task as Task<R>;
  }

  /** The result of the next member to finish (rethrows its error). */
  async nextResult(): Promise<R> {
    const task = await this.nextDone();
    if (task === undefined)
      throw new CurioError('no task left in the group: nextResult() has nothing to wait for');
    return task.result;
  }

  /**
   * Cancel every running non-daemon member (all cancellations issued first, then each
   * waited for, in spawn order). They leave the group and no longer affect its outcome.
   */
  async cancelRemaining(): Promise<void> {
    const running = this.#runningMembers();
    // They leave first: a crash during their cancellation is then nobody's but the kernel's
    // to report (the crash log), instead of vanishing with the discarded member.
    for (const task of running) this._taskDiscard(task);
    await cancelAll(running);
  }

  /**
   * Wait for the members according to the wait policy, then cancel those still running
   * (and the daemons). Throws `TaskGroupError` if any member failed.
   */
  async join(): Promise<void> {
    try {
      if (this.#wait !== 'none') await this.#awaitPolicy();
    } finally {
      await cancelAll(this.#runningMembers());
      await cancelAll([...this.#daemonic].sort((a, b) => a.id - b.id));
      this.#joined = true;
    }
    const failed = this.tasks.filter((t) => t.failed && !(t.exception instanceof CancelledError));
    if (failed.length > 0) {
      for (const t of failed) t.joined = true;
      throw new TaskGroupError(
        failed.map((t) => t.exception),
        failed,
      );
    }
  }

  async #awaitPolicy(): Promise<void> {
    const wait = this.#wait;
    while (this.#finished.length > 0 || this.#running > 0) {
      while (this.#finished.length === 0) await this.#done.wait('TASK_JOIN');
      while (this.#finished.length > 0) {
        const task = this.#finished.shift()!;
        task.joined = true;
        const failed = task.failed && !(task.exception instanceof CancelledError);
        if (this.completed === undefined) {
          if (!(wait === 'object' && !task.failed && task.result === undefined))
            this.completed = task as Task<R>;
        }
        if (
          failed ||
          wait === 'any' ||
          (wait === 'object' && (task.failed || task.result !== undefined))
        )
          return;
      }
    }
  }

  /** Iterate over members as they finish (each leaves the group). */
  async *[Symbol.asyncIterator](): AsyncIterator<Task<R>> {
    for (;;) {
      const task = await this.nextDone();
      if (task === undefined) return;
      yield task;
    }
  }

  /** @internal A member ended. */
  _taskDone(task: Task): void {
    if (this.#daemonic.delete(task)) return;
    // Only a member calls this (its taskGroup is this group), once, as it ends: a running one.
    this.#running--;
    this.#finished.push(task);
    this.#done.wakeOne();
  }

  /** @internal A member was joined directly or cancelled by cancelRemaining: it leaves. */
  _taskDiscard(task: Task): void {
    if (this.#tasks.delete(task)) {
      if (!task.terminated) this.#running--;
      else this.#finished.remove(task);
    }
    this.#daemonic.delete(task);
    if (task.taskGroup === this) task.taskGroup = null;
  }

  #adopt(task: Task): void {
    if (task.taskGroup !== null) throw new CurioError(`${task} already belongs to a task group`);
    task.taskGroup = this;
    if (!task.daemon) this.#tasks.add(task);
    if (task.terminated) {
      if (!task.daemon) {
        this.#finished.push(task);
        this.#done.wakeOne();
      }
    } else if (task.daemon) this.#daemonic.add(task);
    else this.#running++;
  }

  /** The members still running, in spawn order. */
  #runningMembers(): Task[] {
    const running: Task[] = [];
    for (const task of this.#tasks) if (!task.terminated) running.push(task);
    return running.sort((a, b) => a.id - b.id);
  }

  #checkJoined(): void {
    if (!this.#joined)
      throw new CurioError('the task group has not joined yet: await group.join() first');
  }
}

/**
 * Cancel tasks in the given order: every cancellation issued first, then each waited for.
 * The wait is shielded: a cancellation or timeout of the caller that arrives meanwhile stays
 * pending until the members have ended, so a group never abandons a member mid-cleanup.
 */
async function cancelAll(tasks: Task[]): Promise<void> {
  if (tasks.length === 0) return;
  for (const t of tasks) await t.cancel({ blocking: false });
  await disableCancellation(async () => {
    for (const t of tasks) await t.wait();
  });
}

/**
 * Run `body(group)` with a new task group, then join it; resolves to the group. An error
 * thrown by the body cancels every member, waits for them, and is rethrown.
 * @example
 * await withTaskGroup({ wait: 'any' }, async (g) => {
 *   await g.spawn(incoming, client);
 *   await g.spawn(outgoing, client);
 * });
 */
export async function withTaskGroup<R = unknown>(
  body: (group: TaskGroup<R>) => unknown,
): Promise<TaskGroup<R>>;
export async function withTaskGroup<R = unknown>(
  options: TaskGroupOptions,
  body: (group: TaskGroup<R>) => unknown,
): Promise<TaskGroup<R>>;
export async function withTaskGroup<R>(
  first: TaskGroupOptions | ((group: TaskGroup<R>) => unknown),
  second?: (group: TaskGroup<R>) => unknown,
): Promise<TaskGroup<R>> {
  const [options, body] = typeof first === 'function' ? [{}, first] : [first, second];
  if (typeof body !== 'function')
    throw new CurioError(
      'withTaskGroup() needs a body function: withTaskGroup(async (g) => { ... })',
    );
  const group = new TaskGroup<R>([], options);
  try {
    await body(group);
  } catch (err) {
    await group.cancelRemaining();
    try {
      await group.join();
    } catch (groupErr) {
      // The body's error is what the caller sees; members that also failed ride along.
      if (err instanceof Error && !('suppressed' in err)) {
        Object.defineProperty(err, 'suppressed', { value: groupErr, configurable: true });
      }
    }
    throw err;
  }
  await group.join();
  return group;
}
