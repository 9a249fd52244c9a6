/**
 * A task: one `async` function run by the kernel, with Curio's attributes (id, state,
 * cycles, cancellation flags) and operations (join, wait, cancel).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { currentTaskOrUndefined } from './current.js';
import { CurioError, cancellationFor, TaskError } from './errors.js';
import type { Kernel } from './kernel.js';
import { anchorShape } from './shape-anchor.js';
import { type TaskFunction, TaskStart } from './task-start.js';
import type { TimerEntry } from './timer-heap.js';
import { WaitQueue } from './wait-queue.js';

/**
 * Where a task is. Curio's names: `READY`, `RUNNING`, `TIME_SLEEP`, `TASK_JOIN`,
 * `FUTURE_WAIT`, `EVENT_WAIT`, `LOCK_ACQUIRE`, `READ_WAIT`, ..., `TERMINATED`. Libraries may
 * add their own blocking states.
 */
export type TaskState =
  | 'INITIAL'
  | 'READY'
  | 'RUNNING'
  | 'TIME_SLEEP'
  | 'TASK_JOIN'
  | 'FUTURE_WAIT'
  | 'TERMINATED'
  | (string & {});

/**
 * Something a task can block on. The kernel calls `unblock` when a blocked task is cancelled
 * or times out, so the blocker forgets it and never wakes it later.
 */
export interface Blocker {
  /** Called when the task starts blocking here (after the pending-cancellation check). */
  block?(task: Task): void;
  /** Called when the blocked task is cancelled or timed out: undo `block`. */
  unblock(task: Task): void;
  /** True when the wake-up comes from outside the kernel (I/O, a foreign promise). */
  readonly external?: boolean;
}

/** A cancellation to deliver: an error instance, or an error class to instantiate. */
export type CancellationSpec = Error | (new (message?: string) => Error);

/** Options of {@link Task.cancel}. */
export interface CancelOptions {
  /** The exception to deliver (default `TaskCancelled`). */
  exc?: CancellationSpec;
  /** Wait until the task has terminated (default `true`). */
  blocking?: boolean;
}

/** Membership hooks a task group installs on its tasks. */
export interface TaskGroupMembership {
  /** @internal The member finished. */
  _taskDone(task: Task): void;
  /** @internal The member was joined directly and leaves the group. */
  _taskDiscard(task: Task): void;
}

// Bits of Task.#flags. Booleans packed in one small integer keep the Task object small.
const DAEMON = 1;
const CANCELLED = 2;
const TERMINATED = 4;
const JOINED = 8;
const NO_CANCEL = 16; // inside disableCancellation
const FAILED = 32;
const ABORTED_BY_TIMEOUT = 64;
const IN_JOIN = 128; // blocked in join(): will collect the outcome of the task it waits for

/**
 * @internal The rarely used state of a task, in one object made on first use: most tasks
 * never sleep on a timer, run a timeout block, get joined by a waiting task, use TaskLocals,
 * hand out an AbortSignal or record tracebacks.
 */
export class TaskExtras {
  /** Deadline of the innermost effective timeout, or null. */
  timeout: number | null = null;
  /** Heap entry of the pending timeout. */
  timeoutEntry: TimerEntry<Task> | undefined = undefined;
  /** Heap entry of the pending sleep. */
  sleepEntry: TimerEntry<Task> | undefined = undefined;
  /** Values of TaskLocals. */
  locals: Map<object, unknown> | undefined = undefined;
  /** Stack captured at the latest suspension. */
  suspendStack: string | undefined = undefined;
  /** Tasks waiting in `join()`/`wait()`. */
  joining: WaitQueue | undefined = undefined;
  /** Deadlines of the enclosing timeout blocks, outermost first. */
  deadlines: (number | null)[] | undefined = undefined;
  /** Controller of `task.signal`. */
  abort: AbortController | undefined = undefined;
}
// Made only for tasks that join, time out or sleep: often none is alive between bursts.
anchorShape(new TaskExtras());

/** A curio task. Created by {@link spawn} (never directly). */
export class Task<R = unknown> {
  /** @internal The kernel that runs this task. */
  readonly kernel: Kernel;
  /** Unique id within its kernel (the main task is 1). */
  readonly id: number;
  // The name given at spawn, or the function until someone asks (reading `fn.name` costs
  // ~10 ns, a few percent of a spawn).
  #name: string | TaskFunction;
  /** Id of the task that spawned this one, or `null` for the main task. */
  readonly parentId: number | null;
  /** Where the task is (see {@link TaskState}). */
  state: TaskState;
  /** How many times the task has been resumed. */
  cycles = 0;
  #flags: number;
  /** @internal Cancellation to deliver at the next blocking trap. */
  cancelPending: Error | null = null;
  /** @internal What the task is blocked on, while blocked. */
  blocker: Blocker | null = null;
  /**
   * @internal Resolve the promise the task is suspended on. Only the resolve function is
   * kept (the reject function would cost a closure per parked task): an error is delivered
   * by resolving with a thenable that rejects.
   */
  resume: ((value: unknown) => void) | undefined = undefined;
  /**
   * @internal What the task is handed next: its arguments until the first run starts it;
   * while it is ready, the trap's value (a `Rejection` when the trap throws); once terminated, its
   * outcome (the result, or the error if `failed`).
   */
  trapValue: unknown;
  /** @internal The function and its spawner's async context, until the first run starts it. */
  start: TaskStart | undefined;
  /** @internal Neighbours in the kernel's list of live tasks. */
  prevLive: Task | undefined = undefined;
  /** @internal */
  nextLive: Task | undefined = undefined;
  /** @internal Task group this task belongs to. */
  taskGroup: TaskGroupMembership | null = null;
  /** @internal Rarely used state, made on first use (see {@link Task.extras}). */
  ext: TaskExtras | undefined = undefined;

  /** @internal Use spawn(). */
  constructor(
    kernel: Kernel,
    id: number,
    fn: TaskFunction,
    args: never[],
    parent: Task | undefined,
    name: string | undefined,
    daemon: boolean,
  ) {
    this.kernel = kernel;
    this.id = id;
    this.#name = name ?? fn;
    this.parentId = parent === undefined ? null : parent.id;
    this.state = 'READY';
    this.#flags = daemon ? DAEMON : 0;
    this.trapValue = args;
    this.start = new TaskStart(fn);
    const locals = parent?.ext?.locals;
    if (locals !== undefined) this.extras.locals = new Map(locals);
  }

  /** Name for display, by default the function's name. */
  get name(): string {
    const name = this.#name;
    if (typeof name === 'string') return name;
    return (this.#name = name.name || 'anonymous');
  }
  set name(value: string) {
    this.#name = value;
  }

  /** Daemon tasks are never waited for; they are cancelled at shutdown. */
  get daemon(): boolean {
    return (this.#flags & DAEMON) !== 0;
  }
  set daemon(value: boolean) {
    this.#flags = value ? this.#flags | DAEMON : this.#flags & ~DAEMON;
  }

  /** True once a cancellation was issued (cancelling is one-shot). */
  get cancelled(): boolean {
    return (this.#flags & CANCELLED) !== 0;
  }
  set cancelled(value: boolean) {
    this.#flags = value ? this.#flags | CANCELLED : this.#flags & ~CANCELLED;
  }

  /** True once the task has ended. */
  get terminated(): boolean {
    return (this.#flags & TERMINATED) !== 0;
  }
  set terminated(value: boolean) {
    this.#flags = value ? this.#flags | TERMINATED : this.#flags & ~TERMINATED;
  }

  /** True once someone collected the outcome (join, result, group). */
  get joined(): boolean {
    return (this.#flags & JOINED) !== 0;
  }
  set joined(value: boolean) {
    this.#flags = value ? this.#flags | JOINED : this.#flags & ~JOINED;
  }

  /** @internal False inside `disableCancellation`. */
  get allowCancel(): boolean {
    return (this.#flags & NO_CANCEL) === 0;
  }
  set allowCancel(value: boolean) {
    this.#flags = value ? this.#flags & ~NO_CANCEL : this.#flags | NO_CANCEL;
  }

  /** @internal True if the task ended with an error. */
  get failed(): boolean {
    return (this.#flags & FAILED) !== 0;
  }

  /** @internal The rarely used state, made now if need be. */
  get extras(): TaskExtras {
    return (this.ext ??= new TaskExtras());
  }

  /**
   * When the task's current timeout expires (kernel clock, seconds), or `null` if no timeout
   * is in force. For monitors and debuggers: `timeoutDeadline - clock()` is the time left.
   */
  get timeoutDeadline(): number | null {
    return this.ext === undefined ? null : this.ext.timeout;
  }

  /** When the task wakes from its `sleep()` (kernel clock, seconds), or `null` if not sleeping. */
  get sleepDeadline(): number | null {
    return this.ext?.sleepEntry?.deadline ?? null;
  }

  /** @internal Deadline of the innermost effective timeout, or null. */
  get timeout(): number | null {
    return this.ext === undefined ? null : this.ext.timeout;
  }
  set timeout(value: number | null) {
    if (value !== null || this.ext !== undefined) this.extras.timeout = value;
  }

  /** @internal Heap entry of the pending timeout. */
  get timeoutEntry(): TimerEntry<Task> | undefined {
    return this.ext?.timeoutEntry;
  }
  set timeoutEntry(value: TimerEntry<Task> | undefined) {
    if (value !== undefined || this.ext !== undefined) this.extras.timeoutEntry = value;
  }

  /** @internal Heap entry of the pending sleep. */
  get sleepEntry(): TimerEntry<Task> | undefined {
    return this.ext?.sleepEntry;
  }
  set sleepEntry(value: TimerEntry<Task> | undefined) {
    if (value !== undefined || this.ext !== undefined) this.extras.sleepEntry = value;
  }

  /** @internal Values of TaskLocals (copied from the parent at spawn). */
  get locals(): Map<object, unknown> | undefined {
    return this.ext?.locals;
  }
  set locals(value: Map<object, unknown> | undefined) {
    if (value !== undefined || this.ext !== undefined) this.extras.locals = value;
  }

  /** @internal Stack captured at the latest suspension, for `where()`/`traceback()`. */
  get suspendStack(): string | undefined {
    return this.ext?.suspendStack;
  }
  set suspendStack(value: string | undefined) {
    if (value !== undefined || this.ext !== undefined) this.extras.suspendStack = value;
  }

  /**
   * The task's return value. Throws if the task has not terminated; rethrows the task's
   * error if it failed.
   */
  get result(): R {
    if (!this.terminated)
      throw new CurioError(`${this} has not terminated: await task.join() first`);
    this.joined = true;
    if (this.failed) throw this.trapValue;
    return this.trapValue as R;
  }

  /** The error the task ended with, or `undefined`. Throws if it has not terminated. */
  get exception(): unknown {
    if (!this.terminated)
      throw new CurioError(`${this} has not terminated: await task.wait() first`);
    return this.failed ? this.trapValue : undefined;
  }

  /** @internal Tasks waiting in `join()`/`wait()`. */
  get joining(): WaitQueue {
    const ext = this.extras;
    return (ext.joining ??= new WaitQueue());
  }

  /**
   * @internal Whether a task still waiting for this one is in `join()`, and so will receive
   * its outcome (`wait()` and `cancel()` wait without collecting it). A joiner that was
   * cancelled has left the queue already.
   */
  hasCollectingJoiner(): boolean {
    const joining = this.ext?.joining;
    if (joining === undefined || joining.length === 0) return false;
    for (const t of joining) if ((t.#flags & IN_JOIN) !== 0) return true;
    return false;
  }

  /** @internal Leaving a timeout block: forget an abort of the signal by its timeout. */
  forgetTimeoutAbort(): void {
    const ext = this.ext;
    if (ext?.abort === undefined || (this.#flags & ABORTED_BY_TIMEOUT) === 0 || this.cancelled)
      return;
    ext.abort = undefined;
    this.#flags &= ~ABORTED_BY_TIMEOUT;
  }

  /** @internal Number of tasks waiting for this one to end. */
  get joinerCount(): number {
    return this.ext?.joining?.length ?? 0;
  }

  /** @internal Deadlines of the enclosing timeout blocks, outermost first. */
  get deadlines(): (number | null)[] {
    const ext = this.extras;
    return (ext.deadlines ??= []);
  }

  /**
   * An `AbortSignal` that aborts, with the cancellation error as reason, when this task is
   * cancelled or its current timeout expires. Pass it to `fetch`, `fs.promises`,
   * `events.once` and other Node APIs so they stop too. Created lazily.
   */
  get signal(): AbortSignal {
    const ext = this.extras;
    if (
      ext.abort === undefined ||
      ((this.#flags & ABORTED_BY_TIMEOUT) !== 0 && ext.timeout === null && !this.cancelled)
    ) {
      ext.abort = new AbortController();
      this.#flags &= ~ABORTED_BY_TIMEOUT;
      const pending = this.cancelPending;
      if (pending !== null) this.abortSignal(pending, !this.cancelled);
      else if (this.cancelled && !this.terminated) this.abortSignal(cancellationFor(this), false);
    }
    return ext.abort.signal;
  }

  /** @internal Abort the task's signal (cancellation issued or timeout fired). */
  abortSignal(reason: Error, byTimeout: boolean): void {
    const ext = this.ext;
    if (ext?.abort === undefined) return;
    let ctl = ext.abort;
    if (ctl.signal.aborted) {
      // Aborted by a timeout, now cancelled: later readers see the cancellation, not the
      // stale timeout (whose block may be long gone).
      if (byTimeout || (this.#flags & ABORTED_BY_TIMEOUT) === 0) return;
      ctl = ext.abort = new AbortController();
    }
    if (byTimeout) this.#flags |= ABORTED_BY_TIMEOUT;
    else this.#flags &= ~ABORTED_BY_TIMEOUT;
    ctl.abort(reason);
  }

  /** @internal Record the outcome and mark the task terminated. */
  settle(ok: boolean, value: unknown): void {
    this.trapValue = value;
    this.#flags |= TERMINATED;
    if (!ok) this.#flags |= FAILED;
  }

  /**
   * Wait for the task to end and return its result.
   * @throws TaskError (with the task's error as `cause`) if the task failed or was cancelled.
   */
  async join(): Promise<R> {
    if (!this.terminated) {
      // A task waits for one thing at a time, so one bit on the joiner says what it is in.
      const me = currentTaskOrUndefined();
      if (me !== undefined) me.#flags |= IN_JOIN;
      try {
        await this.joining.wait('TASK_JOIN'); // as wait(), one call less
      } finally {
        if (me !== undefined) me.#flags &= ~IN_JOIN;
      }
    }
    this.taskGroup?._taskDiscard(this);
    this.joined = true;
    if (this.failed) {
      throw new TaskError(`${this} failed: ${describe(this.trapValue)} (see .cause)`, {
        cause: this.trapValue,
      });
    }
    return this.trapValue as R;
  }

  /** Wait for the task to end, without collecting its outcome. */
  async wait(): Promise<void> {
    if (!this.terminated) await this.joining.wait('TASK_JOIN');
  }

  /**
   * Cancel the task: deliver `TaskCancelled` (or `exc`) at its current or next blocking
   * operation and, unless `blocking: false`, wait until it has terminated. One-shot: a
   * second call only waits. Cancelling a terminated task does nothing.
   */
  async cancel(options: CancelOptions = {}): Promise<void> {
    const blocking = options.blocking ?? true;
    if (this.terminated) {
      this.joined = true;
      return;
    }
    if (blocking && currentTaskOrUndefined() === this) {
      throw new CurioError(
        `${this} cannot cancel itself and wait for its own end: use cancel({ blocking: false })`,
      );
    }
    this.kernel.cancelTask(this, options.exc);
    if (blocking && !this.terminated) await this.joining.wait('TASK_JOIN'); // as wait()
  }

  /**
   * Where the task is blocked, most recent call last, library frames hidden:
   * `Stack for Task(id=2, name='kid', state='TIME_SLEEP') (most recent call last):` then one
   * `  File "<path>", line <n>, in <function>` line per frame. Needs `tracebacks: true` in the
   * kernel options (or `CURIO_TRACEBACKS=1`, a debugger, or the monitor).
   */
  traceback(): string {
    const head = `Stack for ${this} (most recent call last):`;
    if (this.suspendStack === undefined) {
      return `${head}\n  (not recorded: run the kernel with { tracebacks: true } or set CURIO_TRACEBACKS=1)`;
    }
    const lines = userFrames(this.suspendStack).map(
      (f) => `  File "${f.file}", line ${f.line}, in ${f.fn}`,
    );
    return [head, ...lines].join('\n');
  }

  /** `[file, line]` of the innermost user frame where the task is suspended, if known. */
  where(): [string, number] | undefined {
    const frames = userFrames(this.suspendStack);
    const top = frames[frames.length - 1];
    return top ? [top.file, top.line] : undefined;
  }

  /** Curio's repr: `Task(id=3, name='kid', state='TIME_SLEEP')`. */
  toString(): string {
    return `Task(id=${this.id}, name='${this.name}', state='${this.state}')`;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

// The folder holding this library's packages (…/packages in the workspace, …/@curio when
// installed): frames from there are the library's own and are hidden from tracebacks.
const LIBRARY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
function isLibraryFile(file: string): boolean {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file;
  return (
    path.startsWith(LIBRARY_ROOT) &&
    !/[/\\](test|examples|apps)[/\\]/.test(path.slice(LIBRARY_ROOT.length))
  );
}

/** @internal Parse the user frames of a captured stack (library frames removed). */
export function userFrames(
  stack: string | undefined,
): { fn: string; file: string; line: number }[] {
  if (!stack) return [];
  const frames: { fn: string; file: string; line: number }[] = [];
  for (const raw of stack.split('\n').slice(1)) {
    const m = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):\d+\)?$/.exec(raw);
    if (!m) continue;
    const file = m[2]!;
    if (file.startsWith('node:') || isLibraryFile(file)) continue;
    frames.push({
      fn: m[1] ?? '<module>',
      file: file.replace(/^file:\/\//, ''),
      line: Number(m[3]),
    });
  }
  return frames.reverse();
}
