/**
 * Timeouts: `timeoutAfter`, `timeoutAt`, `ignoreAfter`, `ignoreAt`, with Curio's rules for
 * nested blocks (DESIGN §6 rule 4):
 * - the innermost *expired* block raises `TaskTimeout`;
 * - blocks inside it that are unwound by its expiry see `TimeoutCancellationError`;
 * - a `TaskTimeout` that escapes its own block surfaces as `UncaughtTimeoutError`;
 * - an outer deadline that passed while an inner block ran fires at the next blocking call;
 * - `timeoutAfter(null, ...)` adds no deadline.
 * @module
 */
import { currentTask } from './current.js';
import {
  CurioError,
  TaskTimeout,
  TimeoutCancellationError,
  UncaughtTimeoutError,
} from './errors.js';

/** What a timeout block runs: a function and its arguments, or a promise from this task. */
type Body<A extends unknown[], R> = ((...args: A) => R | PromiseLike<R>) | PromiseLike<R>;

/**
 * The one async frame of a timeout block, for the public function `where`: `time` is a
 * deadline on the kernel clock, or seconds from now if `relative`. `ignore`: an expiry of
 * this block resolves to `undefined` instead of raising. (The public functions are plain
 * functions returning this promise: a second async frame per block would cost an extra
 * await and microtask hop.)
 */
async function timeoutBlock<A extends unknown[], R>(
  where: string,
  time: number | null,
  relative: boolean,
  ignore: boolean,
  body: Body<A, R>,
  args: A,
): Promise<R | undefined> {
  // Bad input rejects the returned promise (this is an async function), never throws.
  if (relative) checkSeconds(where, time);
  else checkDeadline(where, time);
  const task = currentTask();
  const kernel = task.kernel;
  const deadline = relative && time !== null ? kernel.now() + time : time;
  const deadlines = task.deadlines;
  deadlines.push(deadline);
  const prior = kernel.setTimeout(task, deadline);
  let value: R | undefined;
  let error: unknown;
  let failed = false;
  try {
    value = await (typeof body === 'function' ? body(...args) : body);
  } catch (err) {
    failed = true;
    error = err;
  }
  kernel.unsetTimeout(task, prior);
  try {
    if (!failed) return value as R;
    if (!(error instanceof TaskTimeout || error instanceof TimeoutCancellationError)) throw error;
    // Which block expired? The outermost one whose deadline had passed when it fired.
    const when = error.clock;
    const expired = deadlines.findIndex((d) => d !== null && d <= when);
    if (expired < 0) {
      throw new UncaughtTimeoutError(
        'a TaskTimeout escaped the timeout block it belonged to: catch it inside that block',
        { cause: error },
      );
    }
    if (expired < deadlines.length - 1) {
      // An enclosing block expired; we are merely being unwound.
      throw error instanceof TaskTimeout
        ? replacement(new TimeoutCancellationError(when), error)
        : error;
    }
    // This block expired.
    if (ignore) return undefined;
    throw error instanceof TimeoutCancellationError
      ? replacement(new TaskTimeout(when), error)
      : error;
  } finally {
    deadlines.pop();
  }
}

/**
 * `err` standing in for `from` as the block is unwound: it keeps `from`'s stack, and the
 * fields that code it interrupted attached to it (an I/O call's partial progress such as
 * `bytesRead`, which would otherwise be lost with the data it describes).
 */
function replacement<E extends Error>(err: E, from: Error): E {
  err.stack = `${err.name}: ${err.message}\n${from.stack?.split('\n').slice(1).join('\n') ?? ''}`;
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(err, key))
      (err as unknown as Record<string, unknown>)[key] = (
        from as unknown as Record<string, unknown>
      )[key];
  }
  return err;
}

function checkSeconds(where: string, seconds: number | null): void {
  if (seconds === null) return;
  if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds < 0) {
    throw new CurioError(
      `${where}() needs a number of seconds >= 0 (or null for no timeout), got ${String(seconds)}`,
    );
  }
}

function checkDeadline(where: string, deadline: number | null): void {
  if (deadline === null) return;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
    throw new CurioError(
      `${where}() needs a deadline on the kernel clock (a number), got ${String(deadline)}`,
    );
  }
}

/**
 * Run `fn(...args)` (or await `promise`), raising `TaskTimeout` in this task if it takes
 * longer than `seconds`. `null` sets no deadline. Prefer the function form: the deadline is
 * in force before `fn` starts. For a promise the kernel does not own (fetch, fs), use
 * `timeoutAfter(s, awaitPromise(p))`.
 * @example
 * const data = await timeoutAfter(5, sock.recv, 1000);
 */
export function timeoutAfter<A extends unknown[], R>(
  seconds: number | null,
  body: Body<A, R>,
  ...args: A
): Promise<R> {
  return timeoutBlock('timeoutAfter', seconds, true, false, body, args) as Promise<R>;
}

/** Like {@link timeoutAfter} with an absolute `deadline` on the kernel clock. */
export function timeoutAt<A extends unknown[], R>(
  deadline: number | null,
  body: Body<A, R>,
  ...args: A
): Promise<R> {
  return timeoutBlock('timeoutAt', deadline, false, false, body, args) as Promise<R>;
}

/**
 * Run `fn(...args)` (or await `promise`) for at most `seconds`; resolves to its result, or
 * to `undefined` if time ran out (no exception).
 * @example
 * if ((await ignoreAfter(5, q.get)) === undefined) console.log('no item in 5 s');
 */
export function ignoreAfter<A extends unknown[], R>(
  seconds: number | null,
  body: Body<A, R>,
  ...args: A
): Promise<R | undefined> {
  return timeoutBlock('ignoreAfter', seconds, true, true, body, args);
}

/** Like {@link ignoreAfter} with an absolute `deadline` on the kernel clock. */
export function ignoreAt<A extends unknown[], R>(
  deadline: number | null,
  body: Body<A, R>,
  ...args: A
): Promise<R | undefined> {
  return timeoutBlock('ignoreAt', deadline, false, true, body, args);
}
