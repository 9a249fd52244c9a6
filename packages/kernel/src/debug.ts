/**
 * Debuggers (Curio's `curio.debug`): activations that log what the scheduler does.
 * @module
 */
import { Activation } from './activation.js';
import { CancelledError } from './errors.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';

/** Options shared by the debuggers. */
export interface DebugOptions {
  /** Where lines go (default `console.error`). */
  log?: (line: string) => void;
  /** Only log tasks whose name is in this list. */
  filter?: string[];
}

abstract class Logger extends Activation {
  protected readonly log: (line: string) => void;
  readonly #filter: Set<string> | undefined;
  constructor(options: DebugOptions = {}) {
    super();
    this.log = options.log ?? ((line) => console.error(line));
    this.#filter = options.filter ? new Set(options.filter) : undefined;
  }
  protected wants(task: Task): boolean {
    return this.#filter === undefined || this.#filter.has(task.name);
  }
}

class SchedTrace extends Logger {
  override created(task: Task): void {
    if (this.wants(task)) this.log(`CREATE: ${task}`);
  }
  override running(task: Task): void {
    if (this.wants(task)) this.log(`RUN: ${task}`);
  }
  override suspended(task: Task): void {
    if (this.wants(task)) this.log(`SUSPEND: ${task}`);
  }
  override terminated(task: Task): void {
    if (this.wants(task)) this.log(`TERMINATED: ${task}`);
  }
}

/** Log every task creation, run, suspension and termination. */
export function schedtrace(options?: DebugOptions): Activation {
  return new SchedTrace(options);
}

class TrapTrace extends Logger {
  override activate(kernel: Kernel): void {
    kernel.captureStacks = true;
  }
  override suspended(task: Task): void {
    if (!this.wants(task) || task.terminated) return;
    this.log(`TRAP: ${task} ${task.state}`);
  }
}

/** Log every blocking trap a task enters (its state at suspension). */
export function traptrace(options?: DebugOptions): Activation {
  return new TrapTrace(options);
}

class LogCrash extends Logger {
  override terminated(task: Task): void {
    if (!this.wants(task) || !task.failed) return;
    const err = task.exception;
    if (err instanceof CancelledError) return;
    this.log(`CRASH: ${task}\n${err instanceof Error ? err.stack : String(err)}`);
  }
}

/** Log every task that ends with an error (cancellations excepted). */
export function logcrash(options?: DebugOptions): Activation {
  return new LogCrash(options);
}

/** Options of {@link longblock}. */
export interface LongBlockOptions extends DebugOptions {
  /** Report tasks that run longer than this many seconds without blocking (default 0.05). */
  maxTime?: number;
}

class LongBlock extends Logger {
  readonly #maxTime: number;
  #started = 0;
  constructor(options: LongBlockOptions = {}) {
    super(options);
    this.#maxTime = options.maxTime ?? 0.05;
  }
  override running(): void {
    this.#started = performance.now();
  }
  override suspended(task: Task): void {
    const elapsed = (performance.now() - this.#started) / 1000;
    if (elapsed > this.#maxTime && this.wants(task)) {
      this.log(`${task} ran for ${elapsed.toFixed(3)} seconds`);
    }
  }
}

/** Report tasks that hold the kernel longer than `maxTime` seconds between blocking calls. */
export function longblock(options?: LongBlockOptions): Activation {
  return new LongBlock(options);
}
