/**
 * Task identity: which curio task is running the code that asks. Tracked with one
 * `AsyncLocalStorage` per process (shared through `Symbol.for`, so duplicate installs of this
 * package agree), entered when a task is created, so every helper a task awaits knows it.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CurioError } from './errors.js';
import type { Task } from './task.js';

const STORAGE_KEY = Symbol.for('curio.kernel.taskStorage');
const globals = globalThis as unknown as Record<symbol, AsyncLocalStorage<Task> | undefined>;

/** @internal The storage holding the current task. */
export const taskStorage: AsyncLocalStorage<Task> =
  globals[STORAGE_KEY] ?? (globals[STORAGE_KEY] = new AsyncLocalStorage<Task>());

/** The running task, or `undefined` outside of any task. */
export function currentTaskOrUndefined(): Task | undefined {
  return taskStorage.getStore();
}

/**
 * The task running the calling code.
 * @throws CurioError when called outside a curio task.
 */
export function currentTask(): Task {
  const task = taskStorage.getStore();
  if (task === undefined || task.terminated) {
    throw new CurioError(
      'not inside a curio task: call this from a function started with run() or spawn()',
    );
  }
  return task;
}
