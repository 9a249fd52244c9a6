/**
 * Cancellation control (Curio 1.6): shield a block from cancellation, and look at or set
 * the pending cancellation.
 * @module
 */
import { currentTask } from './current.js';
import { CancelledError } from './errors.js';

/**
 * Run `fn(...args)` with cancellation disabled. Cancellations and timeouts that arrive
 * meanwhile become pending and are delivered at the first blocking operation after the
 * outermost such block exits. Nests.
 * @example
 * await disableCancellation(async () => { await saveWork(); });
 */
export async function disableCancellation<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Promise<R> {
  const task = currentTask();
  const previous = task.allowCancel;
  task.allowCancel = false;
  try {
    return await fn(...args);
  } catch (err) {
    task.allowCancel = previous;
    // A cancellation raised by hand inside the block stays pending if the outer context
    // does not accept cancellations either (Curio's rule).
    if (err instanceof CancelledError && !previous) {
      task.cancelPending = err;
      return undefined as R;
    }
    throw err;
  } finally {
    task.allowCancel = previous;
  }
}

/**
 * Look at the pending cancellation. If cancellation is allowed and one is pending, it is
 * raised (and cleared). Otherwise it is returned (or `undefined`). With `errorClass`, only a
 * pending cancellation of that class is considered, and it is returned and cleared.
 */
export function checkCancellation(
  errorClass?: abstract new (...args: never[]) => Error,
): Error | undefined {
  const task = currentTask();
  const pending = task.cancelPending;
  if (errorClass !== undefined && !(pending instanceof errorClass)) return undefined;
  if (pending !== null && task.allowCancel) {
    task.cancelPending = null;
    throw pending;
  }
  if (errorClass !== undefined) task.cancelPending = null;
  return pending ?? undefined;
}

/** Replace the pending cancellation (or clear it with `null`); returns the previous one. */
export function setCancellation(err: Error | null): Error | undefined {
  const task = currentTask();
  const previous = task.cancelPending;
  task.cancelPending = err;
  return previous ?? undefined;
}
