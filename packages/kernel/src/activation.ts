/**
 * Activations: hooks into the life of every task, for tracers, debuggers and the monitor.
 * @module
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';

/**
 * Subclass and override the hooks you need; pass instances in `KernelOptions.activations`
 * (or `debug`). Hooks run synchronously inside the scheduler: keep them short.
 */
export class Activation {
  /** The kernel starts running (called at every `run()`). */
  activate(_kernel: Kernel): void {}
  /** A task was created. */
  created(_task: Task): void {}
  /** A task is about to run a cycle. */
  running(_task: Task): void {}
  /** A task suspended (blocked in a trap, or ended). */
  suspended(_task: Task): void {}
  /** A task terminated. */
  terminated(_task: Task): void {}
}
