/**
 * `Result<T>`: a value (or error) that one task sets once and others wait for (Curio's
 * `curio.sync.Result`).
 * @module
 */
import { anchorShape, CurioError, WaitQueue } from '@curio/kernel';

const UNSET = 0;
const VALUE = 1;
const ERROR = 2;

/**
 * A one-shot result. `setValue`/`setException` are synchronous and never switch tasks;
 * `unwrap()` waits (state `RESULT_WAIT`) and returns the value or throws the error.
 * @example
 * const r = new Result<number>();
 * await spawn(async () => {
 *   try { r.setValue(await compute()); } catch (err) { r.setException(err); }
 * });
 * console.log(await r.unwrap());
 */
export class Result<T = unknown> {
  #state: typeof UNSET | typeof VALUE | typeof ERROR = UNSET;
  #value: T | undefined = undefined;
  #error: unknown = undefined;
  readonly #waiters = new WaitQueue();

  /** True once a value or an error was set. */
  isSet(): boolean {
    return this.#state !== UNSET;
  }

  /**
   * Set the value and wake every task waiting in `unwrap()`.
   * @throws CurioError if the result was already set.
   */
  setValue(value: T): void {
    this.#settle('setValue');
    this.#value = value;
    this.#state = VALUE;
    this.#waiters.wakeAll();
  }

  /**
   * Set an error: `unwrap()` throws it.
   * @throws CurioError if the result was already set.
   */
  setException(error: unknown): void {
    this.#settle('setException');
    this.#error = error;
    this.#state = ERROR;
    this.#waiters.wakeAll();
  }

  /**
   * Wait until the result is set, then return the value or throw the error. A
   * cancellation point while it waits.
   */
  async unwrap(): Promise<T> {
    if (this.#state === UNSET) await this.#waiters.wait('RESULT_WAIT');
    if (this.#state === ERROR) throw this.#error;
    return this.#value as T;
  }

  /** Curio's repr: `Result(value=5)`, `Result(error=TypeError: ...)`, `Result(not set)`. */
  toString(): string {
    if (this.#state === VALUE) return `Result(value=${String(this.#value)})`;
    if (this.#state === ERROR) return `Result(error=${String(this.#error)})`;
    return 'Result(not set)';
  }

  #settle(where: string): void {
    if (this.#state !== UNSET) {
      throw new CurioError(
        `Result.${where}() called on a Result that is already set: a Result is set once`,
      );
    }
  }
}

// One per spawned computation in some programs; see anchorShape in @curio/kernel.
anchorShape(new Result());
