/**
 * Clocks the kernel can run on: the real monotonic clock, or a {@link MockClock} whose time
 * only moves when a test (or the kernel's autojump) moves it.
 * @module
 */
import { performance } from 'node:perf_hooks';

/** A source of kernel time, in seconds. */
export interface Clock {
  /** Current time in seconds (monotonic, arbitrary origin). */
  now(): number;
}

/** The real monotonic clock (`performance.now()` in seconds). */
export const realClock: Clock = {
  now: () => performance.now() / 1000,
};

/** Options of {@link MockClock}. */
export interface MockClockOptions {
  /** Initial reading in seconds (default 0). */
  start?: number;
  /**
   * When every task is blocked, jump straight to the next deadline so tests of long
   * timeouts run instantly. `true` jumps as soon as the kernel is idle; a number waits that
   * many real seconds of idleness first (useful when tasks also wait on real I/O).
   */
  autojump?: boolean | number;
}

/** Listener the kernel installs to learn that virtual time moved. */
type AdvanceListener = () => void;

/**
 * Virtual time for deterministic tests. Time stands still until {@link MockClock.advance}
 * moves it or, with `autojump`, until the kernel finds every task blocked.
 * @example
 * await run({ clock: new MockClock({ autojump: true }) }, async () => {
 *   await sleep(3600); // returns at once, clock() is now 3600
 * });
 */
export class MockClock implements Clock {
  #now: number;
  #listener: AdvanceListener | undefined;
  /** Real seconds of idleness before an autojump, or `undefined` when autojump is off. */
  readonly autojumpThreshold: number | undefined;

  constructor(options: MockClockOptions = {}) {
    this.#now = options.start ?? 0;
    const { autojump } = options;
    if (typeof autojump === 'number' && !(autojump >= 0)) {
      throw new RangeError(
        `MockClock autojump must be true, false or seconds >= 0, got ${autojump}`,
      );
    }
    this.autojumpThreshold = autojump === true ? 0 : autojump === false ? undefined : autojump;
  }

  /** Current virtual time in seconds. */
  now(): number {
    return this.#now;
  }

  /** Move virtual time forward by `seconds` (>= 0) and let due sleeps and timeouts fire. */
  advance(seconds: number): void {
    if (!(seconds >= 0))
      throw new RangeError(`MockClock.advance needs seconds >= 0, got ${seconds}`);
    this.#now += seconds;
    this.#listener?.();
  }

  /** @internal The kernel subscribes here to hear about advances. */
  _attach(listener: AdvanceListener | undefined): void {
    this.#listener = listener;
  }

  /** @internal Used by autojump: set the time to `deadline` if it lies ahead. */
  _jumpTo(deadline: number): void {
    if (deadline > this.#now) this.#now = deadline;
  }
}
