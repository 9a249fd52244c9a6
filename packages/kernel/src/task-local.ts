/**
 * Task-local storage: a value per task, inherited by spawned tasks (each child starts with a
 * copy of its parent's values, so later changes do not leak between them).
 * @module
 */
import { currentTaskOrUndefined } from './current.js';

/**
 * A variable with one value per task.
 * @example
 * const requestId = new TaskLocal<string | undefined>(undefined);
 * requestId.value = 'abc';          // in this task and the tasks it spawns later
 */
export class TaskLocal<T> {
  readonly #initial: T;
  #outside: T;

  constructor(initial: T) {
    this.#initial = initial;
    this.#outside = initial;
  }

  /** The value in the current task (or outside any task, a process-wide value). */
  get value(): T {
    const task = currentTaskOrUndefined();
    if (task === undefined) return this.#outside;
    const locals = task.locals;
    return locals?.has(this) ? (locals.get(this) as T) : this.#initial;
  }

  set value(value: T) {
    const task = currentTaskOrUndefined();
    if (task === undefined) {
      this.#outside = value;
      return;
    }
    (task.locals ??= new Map()).set(this, value);
  }
}
