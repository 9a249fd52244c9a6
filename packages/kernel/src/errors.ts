/**
 * The error hierarchy of DESIGN §7.
 *
 * Two roots: {@link CurioError} for misuse and failures, {@link CancelledError} for the
 * exceptions the kernel delivers into a task to unwind it (cancellation, timeouts, Ctrl-C).
 * Every class is branded with `Symbol.for`, so `instanceof` works even when two copies of
 * this package are installed side by side.
 * @module
 */

import { anchorShape } from './shape-anchor.js';

const BRAND: unique symbol = Symbol.for('curio.error.brands') as never;

type Branded = { [BRAND]?: readonly string[] };

function brandsOf(value: unknown): readonly string[] | undefined {
  return typeof value === 'object' && value !== null ? (value as Branded)[BRAND] : undefined;
}

function collectBrands(cls: { brand?: string; prototype: object }): string[] {
  const brands: string[] = [];
  let ctor: unknown = cls;
  while (typeof ctor === 'function' && ctor !== Error) {
    const brand = Object.hasOwn(ctor, 'brand')
      ? (ctor as unknown as { brand: string }).brand
      : undefined;
    if (brand) brands.push(brand);
    ctor = Object.getPrototypeOf(ctor);
  }
  return brands;
}

/** Record a class's brands on its prototype once (instances pay nothing). */
function brandClass(cls: { brand?: string; prototype: object }): void {
  Object.defineProperty(cls.prototype, BRAND, { value: collectBrands(cls), enumerable: false });
}

function hasBrand(cls: { brand: string }, value: unknown): boolean {
  return brandsOf(value)?.includes(cls.brand) ?? false;
}

/** `instanceof` by brand for branded classes, by prototype for unbranded user subclasses. */
function brandedInstance(cls: { brand: string }, value: unknown): boolean {
  if (Object.hasOwn(cls, 'brand')) return hasBrand(cls, value);
  return Function.prototype[Symbol.hasInstance].call(cls as unknown as Function, value);
}

/** Base class of every error the library raises that is not a cancellation. */
export class CurioError extends Error {
  /** Stable identity used for cross-install `instanceof`. */
  static readonly brand: string = 'CurioError';
  /** Stable machine-readable code, e.g. `CURIO_ERROR`. */
  readonly code: string = 'CURIO_ERROR';

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    // Brands live on the prototype, computed once per class (subclasses in other packages
    // included), so creating an error costs nothing extra.
    if (!Object.hasOwn(new.target.prototype, BRAND)) brandClass(new.target);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstance(this, value);
  }
}

/** A task crashed; thrown by `Task.join()` with the task's error as `cause`. */
export class TaskError extends CurioError {
  static override readonly brand: string = 'TaskError';
  override readonly code: string = 'CURIO_TASK_ERROR';
}

/**
 * One or more members of a task group failed. `errors` holds each failure, `tasks` the
 * failed tasks, `cause` the first error. It is an `AggregateError` and, through its brand,
 * also `instanceof CurioError`.
 */
export class TaskGroupError extends AggregateError {
  /** Stable identity used for cross-install `instanceof`. */
  static readonly brand = 'TaskGroupError';
  static {
    Object.defineProperty(TaskGroupError.prototype, BRAND, {
      value: ['TaskGroupError', 'CurioError'],
      enumerable: false,
    });
  }
  /** Stable machine-readable code. */
  readonly code: string = 'CURIO_TASK_GROUP_ERROR';
  /** The failed member tasks, in the same order as `errors`. */
  readonly tasks: readonly unknown[];

  constructor(errors: unknown[], tasks: readonly unknown[], message?: string) {
    super(
      errors,
      message ??
        `${errors.length} task${errors.length === 1 ? '' : 's'} in the group failed; see .errors (the first is .cause)`,
      { cause: errors[0] },
    );
    this.name = 'TaskGroupError';
    this.tasks = tasks;
    Object.defineProperty(this, BRAND, {
      value: ['TaskGroupError', 'CurioError'],
      enumerable: false,
    });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstance(this, value);
  }
}

/** A blocking operation was attempted where only synchronous code may run. */
export class SyncIOError extends CurioError {
  static override readonly brand: string = 'SyncIOError';
  override readonly code: string = 'CURIO_SYNC_IO';
}

/** An async-only operation was called outside of a curio task. */
export class AsyncOnlyError extends CurioError {
  static override readonly brand: string = 'AsyncOnlyError';
  override readonly code: string = 'CURIO_ASYNC_ONLY';
}

/** A `TaskTimeout` escaped the timeout block it belonged to without being handled. */
export class UncaughtTimeoutError extends CurioError {
  static override readonly brand: string = 'UncaughtTimeoutError';
  override readonly code: string = 'CURIO_UNCAUGHT_TIMEOUT';
}

/** Two tasks tried to wait on the same resource in the same direction at once. */
export class ResourceBusy extends CurioError {
  static override readonly brand: string = 'ResourceBusy';
  override readonly code: string = 'CURIO_RESOURCE_BUSY';
}

/** A second task tried to read from a resource another task is already reading. */
export class ReadResourceBusy extends ResourceBusy {
  static override readonly brand: string = 'ReadResourceBusy';
  override readonly code: string = 'CURIO_READ_RESOURCE_BUSY';
}

/** A second task tried to write to a resource another task is already writing. */
export class WriteResourceBusy extends ResourceBusy {
  static override readonly brand: string = 'WriteResourceBusy';
  override readonly code: string = 'CURIO_WRITE_RESOURCE_BUSY';
}

/**
 * Base class of the exceptions the kernel delivers into a task to make it unwind.
 * Catch-all handlers must rethrow these; {@link isCancellation} tells them apart.
 */
export class CancelledError extends Error {
  /** Stable identity used for cross-install `instanceof`. */
  static readonly brand: string = 'CancelledError';
  /** Stable machine-readable code. */
  readonly code: string = 'CURIO_CANCELLED';

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    // Brands live on the prototype, computed once per class (subclasses in other packages
    // included), so creating an error costs nothing extra.
    if (!Object.hasOwn(new.target.prototype, BRAND)) brandClass(new.target);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstance(this, value);
  }
}

/** The task was cancelled with `Task.cancel()` (or by its group, or at shutdown). */
export class TaskCancelled extends CancelledError {
  static override readonly brand: string = 'TaskCancelled';
  override readonly code: string = 'CURIO_TASK_CANCELLED';
}

/** Common shape of the timeout errors: the kernel clock when the deadline fired. */
abstract class TimeoutBase extends CancelledError {
  /** The kernel clock (seconds) at which the deadline expired. */
  readonly clock: number;
  constructor(clock: number, message: string) {
    super(message);
    this.clock = clock;
  }
}

/** The deadline of the innermost expired `timeoutAfter` block passed. */
export class TaskTimeout extends TimeoutBase {
  static override readonly brand: string = 'TaskTimeout';
  override readonly code: string = 'CURIO_TASK_TIMEOUT';
  constructor(clock = Number.NaN, message?: string) {
    super(clock, message ?? `timed out (kernel clock ${clock.toFixed(3)} s)`);
  }
}

/**
 * An outer timeout expired while an inner timeout block was running; the inner block sees
 * this instead of `TaskTimeout`, and the block that expired turns it back into `TaskTimeout`.
 */
export class TimeoutCancellationError extends TimeoutBase {
  static override readonly brand: string = 'TimeoutCancellationError';
  override readonly code: string = 'CURIO_TIMEOUT_CANCELLATION';
  constructor(clock = Number.NaN, message?: string) {
    super(clock, message ?? `an enclosing timeout expired (kernel clock ${clock.toFixed(3)} s)`);
  }
}

/** Ctrl-C (SIGINT) shut the kernel down. */
export class KeyboardInterrupt extends CancelledError {
  static override readonly brand: string = 'KeyboardInterrupt';
  override readonly code: string = 'CURIO_KEYBOARD_INTERRUPT';
  constructor(message = 'interrupted by SIGINT (Ctrl-C)') {
    super(message);
  }
}

/**
 * True for the exceptions the kernel delivers to unwind a task (cancellation, timeouts,
 * Ctrl-C). A catch-all handler should rethrow these:
 * @example
 * try { await work(); } catch (err) { if (isCancellation(err)) throw err; log(err); }
 */
export function isCancellation(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}

/**
 * @internal Build an error without capturing a stack trace. The kernel creates cancellation
 * and timeout errors on hot paths (every cancel, every expired timeout), where the stack of
 * the code that happened to issue them says nothing useful and costs microseconds.
 */
export function stackless<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// The errors the kernel makes on its hot paths (every cancel, every expired timeout).
anchorShape(stackless(() => new TaskCancelled('shape anchor')));
anchorShape(stackless(() => new TaskTimeout(0)));
anchorShape(stackless(() => new TimeoutCancellationError(0)));

/**
 * @internal The `TaskCancelled` a plain `cancel()` delivers to `task` (stackless: where the
 * canceller stood says nothing about where the task is).
 */
export function cancellationFor(task: { toString(): string }): TaskCancelled {
  return stackless(() => new TaskCancelled(`${task} was cancelled`));
}
