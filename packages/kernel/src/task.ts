/**
 * A task: one `async` function run by the kernel, with Curio's attributes (id, state,
 * cycles, cancellation flags) and operations (join, wait, cancel).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { currentTaskOrUndefined } from './current.js';
import { CancelledError, CurioError, TaskError } from './errors.js';
import type { Kernel } from './kernel.js';
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

const NO_RESULT: unique symbol = Symbol('no result');

/** A curio task. Created by {@link spawn} (never directly). */
export class Task<R = unknown> {
  /** Unique id within its kernel (the main task is 1). */
  readonly id: number;
  /** Name for display, by default the function's name. */
  name: string;
  /** Id of the task that spawned this one, or `null` for the main task. */
  readonly parentId: number | null;
  /** Daemon tasks are never waited for; they are cancelled at shutdown. */
  daemon: boolean;
  /** Where the task is (see {@link TaskState}). */
  state: TaskState = 'INITIAL';
  /** How many times the task has been resumed. */
  cycles = 0;
  /** True once a cancellation was issued (cancelling is one-shot). */
  cancelled = false;
  /** True once the task has ended. */
  terminated = false;
  /** True once someone collected the outcome (join, result, group). */
  joined = false;
  /** @internal The kernel that runs this task. */
  readonly kernel: Kernel;
  /** @internal Cancellation to deliver at the next blocking trap. */
  cancelPending: Error | null = null;
  /** @internal False inside `disableCancellation`. */
  allowCancel = true;
  /** @internal What the task is blocked on, while blocked. */
  blocker: Blocker | null = null;
  /** @internal Deadline of the innermost effective timeout, or null. */
  timeout: number | null = null;
  /** @internal Heap entry of the pending timeout. */
  timeoutEntry: TimerEntry<Task> | undefined = undefined;
  /** @internal Heap entry of the pending sleep. */
  sleepEntry: TimerEntry<Task> | undefined = undefined;
  /** @internal Task group this task belongs to. */
  taskGroup: TaskGroupMembership | null = null;
  /** @internal Values of TaskLocals (copied from the parent at spawn). */
  locals: Map<object, unknown> | undefined;
  /** @internal Settle the promise the task is suspended on. */
  resumeOk: ((value: unknown) => void) | undefined = undefined;
  /** @internal */
  resumeFail: ((error: unknown) => void) | undefined = undefined;
  /** @internal The function and arguments, until the first run starts it. */
  start: ((...args: never[]) => unknown) | undefined = undefined;
  /** @internal */
  startArgs: never[] | undefined = undefined;
  /** @internal Neighbours in the kernel's list of live tasks. */
  prevLive: Task | undefined = undefined;
  /** @internal */
  nextLive: Task | undefined = undefined;
  /** @internal Value (or, if `trapFailed`, error) delivered at the next resume. */
  trapValue: unknown = undefined;
  /** @internal */
  trapFailed = false;
  /** @internal Stack captured at the latest suspension, for `where()`/`traceback()`. */
  suspendStack: string | undefined = undefined;
  // Lazily created: most tasks are never joined by a waiting task nor run a timeout block.
  #joining: WaitQueue | undefined = undefined;
  #deadlines: (number | null)[] | undefined = undefined;
  #outcome: unknown = NO_RESULT; // the result, or the error when #failed
  #failed = false;
  #abort: AbortController | undefined = undefined;
  #abortedByTimeout = false;

  /** @internal Use spawn(). */
  constructor(
    kernel: Kernel,
    id: number,
    fn: (...args: never[]) => unknown,
    parent: Task | undefined,
    name: string | undefined,
    daemon: boolean,
  ) {
    this.kernel = kernel;
    this.id = id;
    this.parentId = parent?.id ?? null;
    this.name = name ?? (fn.name || 'anonymous');
    this.daemon = daemon;
    if (parent?.locals) this.locals = new Map(parent.locals);
  }

  /**
   * The task's return value. Throws if the task has not terminated; rethrows the task's
   * error if it failed.
   */
  get result(): R {
    if (!this.terminated)
      throw new CurioError(`${this} has not terminated: await task.join() first`);
    this.joined = true;
    if (this.#failed) throw this.#outcome;
    return this.#outcome as R;
  }

  /** The error the task ended with, or `undefined`. Throws if it has not terminated. */
  get exception(): unknown {
    if (!this.terminated)
      throw new CurioError(`${this} has not terminated: await task.wait() first`);
    return this.#failed ? this.#outcome : undefined;
  }

  /** @internal Tasks waiting in `join()`/`wait()`. */
  get joining(): WaitQueue {
    return (this.#joining ??= new WaitQueue());
  }

  /** @internal Number of tasks waiting for this one to end. */
  get joinerCount(): number {
    return this.#joining?.length ?? 0;
  }

  /** @internal Deadlines of the enclosing timeout blocks, outermost first. */
  get deadlines(): (number | null)[] {
    return (this.#deadlines ??= []);
  }

  /** @internal True if the task ended with an error. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * An `AbortSignal` that aborts, with the cancellation error as reason, when this task is
   * cancelled or its current timeout expires. Pass it to `fetch`, `fs.promises`,
   * `events.once` and other Node APIs so they stop too. Created lazily.
   */
  get signal(): AbortSignal {
    if (
      this.#abort === undefined ||
      (this.#abortedByTimeout && this.timeout === null && !this.cancelled)
    ) {
      this.#abort = new AbortController();
      this.#abortedByTimeout = false;
    }
    return this.#abort.signal;
  }

  /** @internal Abort the task's signal (cancellation issued or timeout fired). */
  abortSignal(reason: Error, byTimeout: boolean): void {
    const ctl = this.#abort;
    if (ctl === undefined || ctl.signal.aborted) return;
    this.#abortedByTimeout = byTimeout;
    ctl.abort(reason);
  }

  /** @internal Record the outcome. */
  settle(ok: boolean, value: unknown): void {
    this.#outcome = value;
    this.#failed = !ok;
  }

  /**
   * Wait for the task to end and return its result.
   * @throws TaskError (with the task's error as `cause`) if the task failed or was cancelled.
   */
  async join(): Promise<R> {
    await this.wait();
    this.taskGroup?._taskDiscard(this);
    this.joined = true;
    if (this.#failed) {
      throw new TaskError(`${this} failed: ${describe(this.#outcome)} (see .cause)`, {
        cause: this.#outcome,
      });
    }
    return this.#outcome as R;
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
    if (blocking) await this.wait();
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

/** @internal */
export function isCancelledError(err: unknown): boolean {
  return err instanceof CancelledError;
}
