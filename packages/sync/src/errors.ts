/**
 * The errors of `@curio/sync` (DESIGN §7): `QueueEmpty` and `QueueFull`, raised by the
 * non-blocking queue operations. Both are `CurioError`s with a stable `code`, branded so
 * `instanceof` works across duplicate installs.
 * @module
 */
import { CurioError } from '@curio/kernel';

/**
 * `getNowait()` found no item to take. Use `await queue.get()` to wait for one instead.
 * @example
 * try { item = q.getNowait(); } catch (err) { if (!(err instanceof QueueEmpty)) throw err; }
 */
export class QueueEmpty extends CurioError {
  static override readonly brand: string = 'QueueEmpty';
  override readonly code: string = 'CURIO_QUEUE_EMPTY';
  constructor(
    message = 'the queue is empty: use await queue.get() to wait for an item',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * `putNowait()` found the queue full. Use `await queue.put(item)` to wait for room instead.
 * @example
 * try { q.putNowait(item); } catch (err) { if (err instanceof QueueFull) dropped++; else throw err; }
 */
export class QueueFull extends CurioError {
  static override readonly brand: string = 'QueueFull';
  override readonly code: string = 'CURIO_QUEUE_FULL';
  constructor(
    message = 'the queue is full: use await queue.put(item) to wait for room',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
