/**
 * The kernel: a FIFO ready queue, a timer heap and a scheduler that passes a baton.
 *
 * What it is: every blocking operation of the library ends in {@link Kernel.suspend}, which
 * parks the task on a promise the kernel owns. Exactly one task holds the baton at a time;
 * it runs until it suspends or ends, and only then is the next ready task resumed by settling
 * its promise. Tasks made ready during a cycle run in the next one. Between cycles the kernel
 * lets Node's event loop deliver I/O and timers (after every cycle while a task waits on I/O,
 * otherwise at least every `CHAIN_BUDGET_MS`, or when nothing is ready), so
 * `while (true) await sleep(0)` never starves I/O.
 *
 * What it is not: an event loop. Node's loop does the polling; the kernel only decides which
 * task runs, and delivers cancellations and timeouts at the promise a task is blocked on.
 * @module
 */
import process from 'node:process';
import type { Activation } from './activation.js';
import { type Clock, MockClock, realClock } from './clock.js';
import { currentTaskOrUndefined, taskStorage } from './current.js';
import {
  CancelledError,
  CurioError,
  cancellationFor,
  KeyboardInterrupt,
  stackless,
  TaskTimeout,
} from './errors.js';
import { RingQueue } from './ring-queue.js';
import { anchorShape } from './shape-anchor.js';
import { type Blocker, type CancellationSpec, Task, type TaskState } from './task.js';
import type { TaskFunction } from './task-start.js';
import { type TimerEntry, TimerHeap } from './timer-heap.js';

/** Options of {@link Kernel} and {@link run}. */
export interface KernelOptions {
  /** Debuggers/activations to install (e.g. `schedtrace()`, `logcrash()`). */
  debug?: Activation | Activation[];
  /** Activations to install. */
  activations?: Activation[];
  /** The clock (default: the real monotonic clock; `new MockClock()` for virtual time). */
  clock?: Clock;
  /**
   * What SIGINT does while the kernel runs: `'cancel'` (default) cancels every task and
   * rejects `run()` with `KeyboardInterrupt`; `'default'` leaves SIGINT to Node.
   */
  signals?: 'cancel' | 'default';
  /** Where crash reports go (default `console.error`). */
  log?: (message: string) => void;
  /**
   * Record where each task blocks, for `task.traceback()`/`task.where()` (default: off, or
   * on when the `CURIO_TRACEBACKS` environment variable is set). It costs a stack capture
   * per blocking call; debuggers and the monitor turn it on.
   */
  tracebacks?: boolean;
}

/** Options for spawning a task. */
export interface SpawnOptions {
  /** A daemon is never waited for by its group and is cancelled at shutdown. */
  daemon?: boolean;
  /** Display name (default: the function's name). */
  name?: string;
}

const RUNNING_KERNELS = Symbol.for('curio.kernel.running');
const globals = globalThis as unknown as Record<symbol, Set<Kernel> | undefined>;
const runningKernels: Set<Kernel> =
  globals[RUNNING_KERNELS] ?? (globals[RUNNING_KERNELS] = new Set());

// While no task waits on I/O, cycles follow each other in microtasks; every
// CHAIN_CHECK_CYCLES cycles the kernel looks at the time and yields to Node's event loop
// (timers and I/O nobody waits on yet) once CHAIN_BUDGET_MS have passed since it last did.
// A time budget instead of a cycle count: a yield costs microseconds, and short cycles
// (a switch is ~70 ns) would otherwise pay it every few dozen microseconds.
const CHAIN_CHECK_CYCLES = 1024;
const CHAIN_BUDGET_MS = 1;
// Longest single Node timer; longer deadlines re-arm (setTimeout caps at 2^31-1 ms).
const MAX_TIMER_MS = 2 ** 31 - 1;

type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
function deferred<T>(): Resolvers<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleepBlocker: Blocker = {
  unblock(task: Task) {
    const entry = task.sleepEntry;
    if (entry) task.kernel.timers.cancel(entry);
    task.sleepEntry = undefined;
  },
};

/**
 * A curio kernel. Most programs use {@link run}; use a Kernel directly to run several
 * top-level functions in turn on one kernel, then `close()` it (or `await using`).
 */
export class Kernel {
  /** The clock the kernel runs on. */
  readonly clock: Clock;
  /** @internal Sleeps and timeouts. */
  readonly timers = new TimerHeap<Task>();
  // Live tasks, oldest first, as an intrusive list (Task.prevLive/nextLive): cheaper than a
  // Map on the spawn/exit path, which every task takes.
  #liveHead: Task | undefined = undefined;
  #liveTail: Task | undefined = undefined;
  #liveCount = 0;
  /** @internal Installed activations. */
  readonly activations: Activation[];
  /** @internal Capture a stack at every suspension (set by debuggers and the monitor). */
  captureStacks = false;

  #ready = new RingQueue<Task>();
  #current: Task | null = null; // the baton holder
  #cycleLeft = 0; // tasks still to resume in the current cycle
  #chained = 0; // cycles run since the last look at the chaining budget
  #polledAt = 0; // performance.now() at the last yield to the event loop
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerDeadline = Number.POSITIVE_INFINITY;
  #keepAlive: NodeJS.Timeout | undefined;
  #autojump: NodeJS.Timeout | undefined;
  #externalWaits = 0;
  #nextId = 1;
  #running = false; // inside run(): tasks are being scheduled
  #shuttingDown = false;
  #closed = false;
  #main: Task | null = null;
  #mainDone: Resolvers<void> | null = null;
  #interrupted: KeyboardInterrupt | null = null;
  #sigintHandler: (() => void) | undefined;
  #signalsMode: 'cancel' | 'default';
  #hasActivations: boolean;
  #log: (message: string) => void;
  #shutdownCallbacks: (() => void | Promise<void>)[] = [];
  #onImmediate = () => this.#poll();
  #watchdogArmed = false;
  #virtualTime: boolean;
  // Queued from a microtask, a nextTick runs only once the microtask queue has drained
  // (Node runs ticks, then microtasks, then the ticks those queued): the cheapest way to
  // learn that the baton holder is waiting for something outside the kernel.
  #armWatch = () => process.nextTick(this.#watch);
  #watch = () => {
    this.#watchdogArmed = false;
    const holder = this.#current;
    if (holder === null || !this.#running) return;
    // The baton holder awaits a foreign promise. It gives up the baton and runs on its own
    // when that settles; meanwhile the others go on.
    holder.state = 'FUTURE_WAIT';
    this.#switch(holder);
  };
  #onTimer = () => {
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
    this.#expireTimers();
    if (this.#running) this.#kick();
  };

  constructor(options: KernelOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.#virtualTime = this.clock instanceof MockClock;
    const debug =
      options.debug === undefined
        ? []
        : Array.isArray(options.debug)
          ? options.debug
          : [options.debug];
    this.activations = [...(options.activations ?? []), ...debug];
    this.#hasActivations = this.activations.length > 0;
    this.#signalsMode = options.signals ?? 'cancel';
    this.#log = options.log ?? ((message) => console.error(message));
    this.captureStacks = options.tracebacks ?? Boolean(process.env.CURIO_TRACEBACKS);
    if (this.signalsMode !== 'cancel' && this.signalsMode !== 'default') {
      throw new CurioError(
        `KernelOptions.signals must be 'cancel' or 'default', got ${String(options.signals)}`,
      );
    }
  }

  /** @internal */
  get signalsMode(): 'cancel' | 'default' {
    return this.#signalsMode;
  }

  /** @internal The task currently holding the baton. */
  get current(): Task | null {
    return this.#current;
  }

  /** Current kernel time in seconds. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Run `fn(...args)` as the main task until it ends; other tasks stay alive for the next
   * `run()`. Resolves or rejects with the main task's outcome.
   * @throws CurioError if another kernel is running in this thread, or this one is closed.
   */
  async run<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<R> {
    if (typeof fn !== 'function') throw notAFunction('Kernel.run', fn);
    if (this.#closed)
      throw new CurioError('this kernel has been closed: create a new Kernel to run more code');
    if (runningKernels.size > 0 || currentTaskOrUndefined() !== undefined) {
      throw new CurioError(
        'run() called while a curio kernel is already running in this thread: use spawn() or await the function directly',
      );
    }
    if (this.#running) throw new CurioError('this kernel is already running');
    this.#start();
    const main = this.#newTask(
      fn as (...a: never[]) => unknown,
      args as unknown as never[],
      undefined,
      undefined,
      false,
    );
    this.#main = main;
    this.#mainDone = deferred();
    try {
      await this.#mainDone.promise;
    } finally {
      this.#stop();
    }
    this.#main = null;
    main.joined = true;
    if (this.#interrupted) throw this.#interrupted;
    return main.result as R;
  }

  /**
   * Shut down: cancel every task still alive (newest first, each waited for), release
   * timers, handles and signal handlers, run shutdown callbacks. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#running) throw new CurioError('Kernel.close() called while run() is in progress');
    if (this.#liveCount > 0) {
      this.#shuttingDown = true;
      this.#start();
      const victims = [...this.liveTasks()].reverse();
      const reaper = this.#newTask(
        async () => {
          for (const t of victims) await t.cancel();
        },
        [],
        undefined,
        'shutdown',
        true,
      );
      this.#main = reaper;
      this.#mainDone = deferred();
      try {
        await this.#mainDone.promise;
      } finally {
        this.#stop();
        this.#main = null;
      }
    }
    this.#closed = true;
    this.timers.clear();
    this.#clearTimer();
    try {
      for (const cb of this.#shutdownCallbacks.splice(0)) await cb();
    } finally {
      if (this.clock instanceof MockClock) this.clock._attach(undefined);
      this.#removeSigintHandler();
    }
    if (this.#interrupted) throw this.#interrupted;
  }

  /** `await using kernel = new Kernel()` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Number of tasks alive (created and not yet terminated). */
  get taskCount(): number {
    return this.#liveCount;
  }

  /** The tasks alive, oldest (lowest id) first. */
  *liveTasks(): IterableIterator<Task> {
    for (let t = this.#liveHead; t !== undefined; t = t.nextLive) yield t;
  }

  /** The live task with this id, if any. */
  findTask(id: number): Task | undefined {
    for (const t of this.liveTasks()) if (t.id === id) return t;
    return undefined;
  }

  #unlink(task: Task): void {
    const { prevLive, nextLive } = task;
    if (prevLive === undefined) this.#liveHead = nextLive;
    else prevLive.nextLive = nextLive;
    if (nextLive === undefined) this.#liveTail = prevLive;
    else nextLive.prevLive = prevLive;
    task.prevLive = task.nextLive = undefined;
    this.#liveCount--;
  }

  /** @internal Register a callback run when the kernel closes (worker pools, monitor). */
  onClose(callback: () => void | Promise<void>): void {
    this.#shutdownCallbacks.push(callback);
  }

  // ------------------------------------------------------------------------------------
  // Traps. Each is called by the running task (identified through AsyncLocalStorage).
  // ------------------------------------------------------------------------------------

  /** @internal Create a task (the spawn trap). Never switches tasks. */
  spawn(parent: Task, fn: TaskFunction, args: unknown[], options: SpawnOptions): Task {
    if (typeof fn !== 'function') throw notAFunction('spawn', fn);
    if (this.#shuttingDown) {
      throw new CurioError(`cannot spawn ${fn.name || 'a task'}: the kernel is shutting down`);
    }
    return this.#newTask(fn, args as never[], parent, options.name, options.daemon ?? false);
  }

  /**
   * @internal Block `task` in `state` on `blocker` until {@link Kernel.wake}. A pending
   * cancellation is raised instead (the task keeps the baton).
   */
  suspend<T>(task: Task, state: TaskState, blocker: Blocker): Promise<T> {
    // The hot path of every switch: cold cases live in functions of their own, so that this
    // one stays small enough for V8 to inline into the callers.
    if (task.blocker !== null || task.resume !== undefined) return alreadyBlocked(task);
    if (task.cancelPending !== null && task.allowCancel) return raisePending(task);
    blocker.block?.(task);
    task.state = state;
    task.blocker = blocker;
    if (blocker.external) this.#externalWaits++;
    if (this.captureStacks) recordSuspension(task);
    const promise = this.#park<T>(task);
    if (this.#current === task) this.#switch(task);
    return promise;
  }

  /** @internal Make a suspended task ready; it resumes with `value`. */
  wake(task: Task, value?: unknown): void {
    this.#reschedule(task, value);
  }

  /** @internal Make a suspended task ready; it resumes by throwing `error`. */
  wakeWithError(task: Task, error: unknown): void {
    this.#reschedule(task, new Rejection(error));
  }

  /**
   * @internal `sleep(0)`: go to the back of the ready queue and let the others run first.
   * A cancellation point.
   */
  yieldNow(task: Task): Promise<number> {
    if (task.blocker !== null || task.resume !== undefined)
      return this.suspend(task, 'READY', sleepBlocker);
    if (task.cancelPending !== null && task.allowCancel) return raisePending(task);
    const promise = this.#park<number>(task);
    task.trapValue = this.clock.now();
    task.state = 'READY';
    this.#ready.push(task);
    if (this.#current === task) this.#switch(task);
    else this.#readied();
    return promise;
  }

  // An inline executor: TurboFan inlines it into the Promise constructor (measured ~5% faster
  // per switch than a shared executor reading the task from a module variable).
  #park<T>(task: Task): Promise<T> {
    return new Promise<T>((resolve) => {
      task.resume = resolve as (value: unknown) => void;
    });
  }

  /** @internal The sleep trap: resolves to the clock at wake-up. */
  sleep(task: Task, seconds: number): Promise<number> {
    if (!(seconds > 0)) {
      if (Number.isNaN(seconds)) throw new RangeError('sleep() needs a number of seconds, got NaN');
      return this.yieldNow(task);
    }
    if (task.cancelPending !== null && task.allowCancel)
      return this.suspend(task, 'TIME_SLEEP', sleepBlocker);
    const deadline = this.clock.now() + seconds;
    task.sleepEntry = this.timers.push(deadline, task);
    this.#armTimer(deadline);
    return this.suspend<number>(task, 'TIME_SLEEP', sleepBlocker);
  }

  /**
   * @internal Set the task's timeout to `deadline` (never later than the one in force);
   * returns the previous timeout for {@link Kernel.unsetTimeout}.
   */
  setTimeout(task: Task, deadline: number | null): number | null {
    const previous = task.timeout;
    if (deadline !== null) {
      this.#setTimeoutEntry(task, previous !== null && previous < deadline ? previous : deadline);
    }
    return previous;
  }

  /** @internal Restore the timeout that was in force before a block. */
  unsetTimeout(task: Task, previous: number | null): void {
    // The clock is read only with an enclosing deadline (a read costs ~50 ns on some VMs).
    if (previous !== null) {
      const now = this.clock.now();
      if (previous <= now) {
        // The enclosing deadline passed while the inner block ran: it fires at the next
        // blocking call. A TaskTimeout still pending is the inner block's (stale): replace it.
        this.#setTimeoutEntry(task, null);
        task.timeout = previous;
        if (task.cancelPending === null || task.cancelPending instanceof TaskTimeout) {
          task.cancelPending = new TaskTimeout(now);
        }
        return;
      }
    }
    this.#setTimeoutEntry(task, previous);
    // A TaskTimeout still pending belongs to the block being left: drop it.
    const pending = task.cancelPending;
    if (pending !== null && pending instanceof TaskTimeout) task.cancelPending = null;
    // So does an abort of task.signal by that timeout: the next read gets a fresh signal.
    task.forgetTimeoutAbort();
  }

  /** @internal The cancel trap (one-shot). */
  cancelTask(task: Task, exc: CancellationSpec | undefined): void {
    if (task.cancelled || task.terminated) return;
    task.cancelled = true;
    this.#setTimeoutEntry(task, null);
    const err =
      exc === undefined
        ? cancellationFor(task)
        : typeof exc === 'function'
          ? new exc(exc.name)
          : exc;
    task.cancelPending = err;
    // Interrupt first: the blocker lets go (an awaitPromise stops listening to task.signal),
    // so aborting the signal cannot wake the task a second time with the same error.
    if (task.allowCancel && task.blocker !== null) this.#interrupt(task, err);
    task.abortSignal(err, false);
  }

  // ------------------------------------------------------------------------------------
  // Scheduler
  // ------------------------------------------------------------------------------------

  #newTask(
    fn: TaskFunction,
    args: never[],
    parent: Task | undefined,
    name: string | undefined,
    daemon: boolean,
  ): Task {
    const task = new Task(this, this.#nextId++, fn, args, parent, name, daemon);
    if (this.#liveTail === undefined) this.#liveHead = task;
    else {
      this.#liveTail.nextLive = task;
      task.prevLive = this.#liveTail;
    }
    this.#liveTail = task;
    this.#liveCount++;
    this.#ready.push(task);
    this.#readied();
    if (this.#hasActivations) for (const a of this.activations) a.created?.(task);
    return task;
  }

  /** Make a blocked task ready to resume with `value` (a {@link Rejection} to throw). */
  #reschedule(task: Task, value: unknown): void {
    // A wake for a task that is not blocked is stale (its blocker forgot to let go); it must
    // never throw into a Node callback, so it is dropped.
    const blocker = task.blocker;
    if (blocker === null) return;
    if (blocker.external) this.#externalWaits--;
    task.blocker = null;
    task.trapValue = value;
    task.state = 'READY';
    this.#ready.push(task);
    this.#readied();
  }

  /** Deliver a cancellation or timeout to a task blocked in a trap. */
  #interrupt(task: Task, err: Error): void {
    const blocker = task.blocker!;
    blocker.unblock(task);
    task.cancelPending = null;
    this.#reschedule(task, new Rejection(err));
  }

  /** Make sure a cycle will run: resume work from the event loop's check phase. */
  #kick(): void {
    if (this.#immediate === undefined) this.#immediate = setImmediate(this.#onImmediate);
  }

  #resume(task: Task): void {
    this.#current = task;
    task.state = 'RUNNING';
    task.cycles++;
    if (this.#hasActivations) this.#notifyRunning(task);
    // Watchdog: if the microtask queue drains while this task still holds the baton, it is
    // awaiting a promise the kernel does not own; #watch then takes the baton back.
    // Armed only when someone else wants the baton (or virtual time must be able to jump);
    // otherwise #readied() arms it when a task becomes ready. On Node 20 every microtask and
    // tick pays async hooks, so this saves two per event-loop turn on a busy server.
    if (!this.#watchdogArmed && (this.#ready.length > 0 || this.#virtualTime)) {
      this.#armWatchdog();
    }
    // Every started task in the ready queue is parked on a promise; one without is new.
    const resume = task.resume;
    if (resume === undefined) {
      startFirstRun(task);
      return;
    }
    task.resume = undefined;
    const value = task.trapValue;
    task.trapValue = undefined;
    resume(value);
  }

  /**
   * A task became ready. Between cycles, make sure one runs soon; during a cycle, make sure
   * a baton holder that awaits something foreign is noticed (the watchdog), so the task
   * does not wait for it.
   */
  #readied(): void {
    if (this.#current !== null) {
      if (!this.#watchdogArmed) this.#armWatchdog();
    } else if (this.#running) {
      this.#kick();
    }
  }

  #notifyRunning(task: Task): void {
    for (const a of this.activations) a.running?.(task);
  }

  #armWatchdog(): void {
    this.#watchdogArmed = true;
    // (see `resolved` below for why a reaction where async context frames exist)
    if (contextFrames) void resolved.then(this.#armWatch);
    else queueMicrotask(this.#armWatch);
  }

  /** The baton holder suspended or ended: pass the baton on. */
  #switch(from: Task): void {
    this.#current = null;
    if (this.#hasActivations) this.#notifySuspended(from);
    if (this.#cycleLeft > 0 && this.#running) {
      this.#cycleLeft--;
      this.#resume(this.#ready.shift()!);
    } else {
      this.#nextCycle();
    }
  }

  /** The cycle is over: start the next one, yield to the event loop, or go idle. */
  #nextCycle(): void {
    if (!this.#running) return;
    const ready = this.#ready;
    // Nothing is ready: Node callbacks (I/O, timers) will wake someone and kick us.
    if (ready.length === 0) {
      this.#idle();
      return;
    }
    // Chain the next cycle in microtasks only while no task waits on I/O (or another outside
    // event): then there is nothing for an event-loop turn to deliver but timers, which the
    // heap answers directly. With I/O waiters, poll between every two cycles.
    if (
      this.#externalWaits !== 0 ||
      (++this.#chained >= CHAIN_CHECK_CYCLES && !this.#withinChainBudget())
    ) {
      this.#kick();
      return;
    }
    if (this.timers.size > 0) this.#expireTimers();
    this.#cycleLeft = ready.length - 1;
    this.#resume(ready.shift()!);
  }

  #notifySuspended(task: Task): void {
    for (const a of this.activations) {
      a.suspended?.(task);
      if (task.terminated) a.terminated?.(task);
    }
  }

  /** Whether chained cycles may go on without yielding to the event loop (checks the time). */
  #withinChainBudget(): boolean {
    if (performance.now() - this.#polledAt >= CHAIN_BUDGET_MS) return false;
    this.#chained = 0;
    return true;
  }

  /** Event-loop turn: deliver due timers, then run a cycle (or go idle). */
  #poll(): void {
    this.#immediate = undefined;
    this.#chained = 0;
    const polledAt = performance.now();
    this.#polledAt = polledAt;
    if (!this.#running) return;
    // The baton is held: a cycle is in progress and will kick again when it ends.
    if (this.#current !== null) return;
    // One clock read per turn: the real clock is performance.now() in seconds.
    if (this.timers.size > 0) {
      this.#expireTimers(this.clock === realClock ? polledAt / 1000 : this.clock.now());
    }
    const ready = this.#ready;
    if (this.#cycleLeft > 0) {
      this.#cycleLeft--;
      this.#resume(ready.shift()!);
    } else if (ready.length > 0) {
      this.#cycleLeft = ready.length - 1;
      this.#resume(ready.shift()!);
    } else {
      this.#idle();
    }
  }

  /** Nothing is ready. With an autojumping MockClock, move time to the next deadline. */
  #idle(): void {
    const clock = this.clock;
    if (!(clock instanceof MockClock) || clock.autojumpThreshold === undefined) return;
    if (this.#autojump !== undefined) return;
    const waitMs =
      this.#externalWaits > 0
        ? Math.max(clock.autojumpThreshold * 1000, 50)
        : clock.autojumpThreshold * 1000;
    const jump = () => {
      this.#autojump = undefined;
      if (!this.#running || this.#current !== null || this.#ready.length > 0) return;
      const next = this.timers.peekDeadline();
      if (next === undefined) return;
      clock._jumpTo(next);
      this.#expireTimers();
      // A deadline may fire without waking anyone (a timeout made pending): jump again.
      if (this.#ready.length > 0) this.#kick();
      else this.#idle();
    };
    // setTimeout(0) lets pending I/O callbacks run first; a threshold waits longer.
    this.#autojump = setTimeout(jump, waitMs);
  }

  #setTimeoutEntry(task: Task, deadline: number | null): void {
    if (task.timeoutEntry !== undefined) {
      this.timers.cancel(task.timeoutEntry);
      task.timeoutEntry = undefined;
    }
    task.timeout = deadline;
    if (deadline !== null) {
      task.timeoutEntry = this.timers.push(deadline, task);
      this.#armTimer(deadline);
    }
  }

  /** Deliver every sleep and timeout whose deadline has passed. */
  #expireTimers(now: number = this.clock.now()): void {
    let entry: TimerEntry<Task> | undefined;
    while ((entry = this.timers.popExpired(now)) !== undefined) {
      const task = entry.owner!;
      if (entry === task.sleepEntry) {
        task.sleepEntry = undefined;
        this.#reschedule(task, now);
      } else if (entry === task.timeoutEntry) {
        task.timeoutEntry = undefined;
        task.timeout = null;
        const err = stackless(() => new TaskTimeout(now));
        if (task.allowCancel && task.blocker !== null) this.#interrupt(task, err);
        else task.cancelPending = err;
        task.abortSignal(err, true);
      }
    }
    const next = this.timers.peekDeadline();
    if (next !== undefined) this.#armTimer(next);
  }

  #armTimer(deadline: number): void {
    if (this.clock instanceof MockClock) return; // virtual time moves by advance() or autojump
    if (deadline >= this.#timerDeadline && this.#timer !== undefined) return;
    this.#clearTimer();
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, (deadline - this.clock.now()) * 1000));
    this.#timer = setTimeout(this.#onTimer, Math.ceil(ms));
    this.#timer.unref();
    this.#timerDeadline = deadline;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
  }

  /** @internal The task's function returned (`ok`) or threw. Called by the task itself. */
  exited(task: Task, ok: boolean, value: unknown): void {
    task.settle(ok, value);
    task.state = 'TERMINATED';
    if (task.blocker?.external) this.#externalWaits--;
    task.blocker = null;
    task.cancelPending = null;
    this.#setTimeoutEntry(task, null);
    if (task.sleepEntry) this.timers.cancel(task.sleepEntry);
    this.#unlink(task);
    // As in Curio, the group hears of the end first (its waiter wakes first), then joiners.
    task.taskGroup?._taskDone(task);
    // Asked before the joiners are woken (they leave the queue), and only for a failure.
    const collected = !ok && task.hasCollectingJoiner();
    if (task.joinerCount > 0) task.joining.wakeAll();
    if (
      !ok &&
      task !== this.#main &&
      !(value instanceof CancelledError) &&
      !collected &&
      (task.taskGroup === null || task.daemon)
    ) {
      this.#log(`Task Crash: ${task}\n${value instanceof Error ? value.stack : String(value)}`);
    }
    if (task === this.#main) {
      // The run is over: stop scheduling; tasks still ready wait for the next run/close.
      this.#running = false;
      this.#mainDone?.resolve();
    }
    if (this.#current === task) this.#switch(task);
    else if (this.#hasActivations) for (const a of this.activations) a.terminated?.(task);
  }

  #start(): void {
    this.#running = true;
    runningKernels.add(this);
    if (this.#keepAlive === undefined) this.#keepAlive = setInterval(() => {}, 2 ** 30);
    if (this.clock instanceof MockClock) {
      this.clock._attach(() => {
        this.#expireTimers();
        if (this.#running && this.#current === null) this.#kick();
      });
    }
    if (this.#signalsMode === 'cancel' && this.#sigintHandler === undefined) {
      this.#sigintHandler = () => this.#onSigint();
      process.on('SIGINT', this.#sigintHandler);
    }
    if (this.#hasActivations) for (const a of this.activations) a.activate?.(this);
    this.#kick();
  }

  #stop(): void {
    this.#running = false;
    runningKernels.delete(this);
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#autojump !== undefined) clearTimeout(this.#autojump);
    this.#autojump = undefined;
    this.#clearTimer();
    this.#cycleLeft = 0;
    // After a Ctrl-C, keep listening until close() has finished the shutdown: a second
    // Ctrl-C in between must still exit at once with 130, not hit Node's default action.
    if (this.#interrupted === null) this.#removeSigintHandler();
  }

  #removeSigintHandler(): void {
    if (this.#sigintHandler !== undefined) {
      process.off('SIGINT', this.#sigintHandler);
      this.#sigintHandler = undefined;
    }
  }

  #onSigint(): void {
    // Someone else (a SignalEvent/SignalQueue) owns SIGINT: it is theirs to handle.
    if (process.listenerCount('SIGINT') > 1) return;
    if (this.#interrupted) {
      process.exit(130);
    }
    const err = new KeyboardInterrupt();
    this.#interrupted = err;
    process.exitCode = 130;
    // If the KeyboardInterrupt ends the program uncaught, Node would exit with 1: keep 130.
    process.once('exit', (code) => {
      if (code === 1) process.exitCode = 130;
    });
    this.#shuttingDown = true;
    const victims = [...this.liveTasks()].reverse();
    for (const t of victims) this.cancelTask(t, err);
  }
}

// A program may make many kernels (one per run(), one per test) and many tasks; between two
// runs none may be alive. See shape-anchor.ts.
const shapeTask = new Task(anchorShape(new Kernel()), 0, Object, [], undefined, 'anchor', false);
anchorShape(shapeTask);
// It never starts: tell async_hooks at once that its start context is gone.
shapeTask.start?.emitDestroy();

/**
 * A thenable that rejects with `error`. A parked task's promise is only ever resolved (the
 * kernel keeps just its resolve function); resolving it with a Rejection makes the task's
 * `await` throw. Only made when a trap fails (a cancellation, a timeout, an I/O error), so
 * the extra microtask V8 spends on a thenable stays off the hot path.
 */
class Rejection {
  readonly #error: unknown;
  constructor(error: unknown) {
    this.#error = error;
  }
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose (see the class comment)
  then(_resolve: unknown, reject: (error: unknown) => void): void {
    reject(this.#error);
  }
}
// Every cancel and timeout delivers one; see shape-anchor.ts.
anchorShape(new Rejection(undefined));

// Tasks resumed for the first time, in order; each has one start microtask queued.
const starting = new RingQueue<Task>();

// Whether AsyncLocalStorage runs on AsyncContextFrame (Node 24; Node 20 uses async hooks and
// keeps the store on the async resource, with `_propagate` and a `kResourceStore` key).
const contextFrames =
  Number(process.versions.node.split('.')[0]) >= 24 &&
  !('_propagate' in taskStorage) &&
  !Object.hasOwn(taskStorage, 'kResourceStore');
// A start is queued as a reaction on a settled promise: a plain microtask, where
// `queueMicrotask` makes an AsyncResource and a bound function per call. The job then
// switches to the context the task was spawned in (its TaskStart). With AsyncContextFrame the
// task enters its own context with `enterWith` (one new frame; `run()` would make a second
// one to restore the previous store); `runInAsyncScope` restores the frame afterwards. With
// async hooks it keeps `run()`, so the store set on the TaskStart resource is undone too.
const resolved = Promise.resolve();

/** Resume a task for the first time: start its function from a microtask. */
function startFirstRun(task: Task): void {
  // Never synchronously: we may be inside another task's trap, and nesting task bodies would
  // grow the stack with every new task.
  starting.push(task);
  void resolved.then(contextFrames ? startNextInFrame : startNext);
}

/** `suspend` of a task that is already blocked: a clear error instead of a second park. */
function alreadyBlocked<T>(task: Task): Promise<T> {
  return Promise.reject(
    new CurioError(
      `${task} is already blocked in ${task.state}: a task waits for one thing at a time (Promise.all of kernel operations does not work); spawn tasks or use a TaskGroup to wait for several`,
    ),
  );
}

/** Remember where `task` blocked, for `traceback()`/`where()`. */
function recordSuspension(task: Task): void {
  task.suspendStack = new Error('suspended').stack;
}

/** A blocking trap with a cancellation pending: raise it instead of blocking. */
function raisePending<T>(task: Task): Promise<T> {
  const err = task.cancelPending!;
  task.cancelPending = null;
  return Promise.reject(err);
}

function onTaskReturned(value: unknown): void {
  const task = taskStorage.getStore()!;
  task.kernel.exited(task, true, value);
}

function onTaskThrew(error: unknown): void {
  const task = taskStorage.getStore()!;
  task.kernel.exited(task, false, error);
}

function startNext(): void {
  startInSpawnerContext(starting.shift()!, runTask);
}

function startNextInFrame(): void {
  startInSpawnerContext(starting.shift()!, enterTask);
}

/** Run `how(task, fn)` in the async context the task was spawned in, then let it go. */
function startInSpawnerContext(task: Task, how: (task: Task, fn: TaskFunction) => void): void {
  const start = task.start!;
  task.start = undefined;
  start.runInAsyncScope(how, null, task, start.fn);
  start.emitDestroy();
}

// Async hooks: `run()` restores the store of the start's AsyncResource afterwards.
function runTask(task: Task, fn: TaskFunction): void {
  taskStorage.run(task, startTask, task, fn);
}

// AsyncContextFrame: `runInAsyncScope` restores the previous frame afterwards.
function enterTask(task: Task, fn: TaskFunction): void {
  taskStorage.enterWith(task);
  startTask(task, fn);
}

/** Call the task's function (inside its AsyncLocalStorage context) and watch its outcome. */
function startTask(task: Task, fn: TaskFunction): void {
  const args = task.trapValue as never[];
  task.trapValue = undefined;
  let result: unknown;
  try {
    result = fn(...args);
  } catch (err) {
    task.kernel.exited(task, false, err);
    return;
  }
  if (result instanceof Promise) {
    // Shared handlers, no per-task closures: they run in the async context of this call,
    // so the task store tells them whose outcome it is.
    result.then(onTaskReturned, onTaskThrew);
  } else {
    task.kernel.exited(task, true, result);
  }
}

function notAFunction(where: string, value: unknown): CurioError {
  const what = value instanceof Promise ? 'a promise' : typeof value;
  return new CurioError(
    `${where}() takes a function and its arguments, got ${what}: write ${where}(fn, arg) instead of ${where}(fn(arg))`,
  );
}
