// Port of the timeout tests of Curio 1.6 tests/test_kernel.py: sleep timeouts, ignore_after,
// nested timeouts (TimeoutCancellationError / UncaughtTimeoutError), timeout_after(None),
// cancellation clearing timeouts, "timeout badness" and multischedule.
//
// Adapted: `async with timeout_after(x): body` → `await timeoutAfter(x, async () => { body })`;
// Curio's lazily started coroutine objects (`timeout_after(5, coro1())`) → the `fn, ...args`
// form wherever the timeouts nest (a JavaScript promise starts running before timeoutAfter
// is even called, so its own inner timeouts would be registered before the outer one); the
// promise form is kept for single-level cases (`timeoutAfter(0.5, sleep(0.1))`);
// `time.sleep(x)` (a forced block) → `MockClock.advance(x)` or a short busy wait.
// Not ported: nothing (the `_unset_timeout` trap of test_pending_cancellation is covered by
// cancellation.test.ts through timeoutAfter).
import {
  CancelledError,
  clock,
  disableCancellation,
  ignoreAfter,
  ignoreAt,
  run,
  sleep,
  spawn,
  TaskCancelled,
  TaskTimeout,
  TimeoutCancellationError,
  timeoutAfter,
  timeoutAt,
  UncaughtTimeoutError,
} from '@curio/kernel';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { caught, runVirtual, runWithClock } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The most specific cancellation class of `e`, by name. */
function kind(e: unknown): string {
  if (e instanceof TimeoutCancellationError) return 'TimeoutCancellationError';
  if (e instanceof UncaughtTimeoutError) return 'UncaughtTimeoutError';
  if (e instanceof TaskTimeout) return 'TaskTimeout';
  if (e instanceof TaskCancelled) return 'TaskCancelled';
  if (e instanceof CancelledError) return 'CancelledError';
  return `other: ${String(e)}`;
}

describe('timeoutAfter / ignoreAfter', () => {
  test('timeoutAfter(fn, ...args) throws TaskTimeout when time runs out (test_sleep_timeout)', async () => {
    const results: unknown[] = [];
    async function sleeper() {
      const start = clock();
      try {
        await timeoutAfter(0.1, sleep, 1);
        results.push('not here');
      } catch (e) {
        results.push(kind(e), Math.round((clock() - start) * 1000) / 1000);
      }
    }
    await runVirtual(async () => {
      const task = await spawn(sleeper);
      await task.join();
    });
    expect(results).toEqual(['TaskTimeout', 0.1]);
  });

  test('timeoutAfter(promise) throws TaskTimeout when time runs out', async () => {
    const results: string[] = [];
    await runVirtual(async () => {
      try {
        await timeoutAfter(0.1, sleep(1));
        results.push('not here');
      } catch (e) {
        results.push(kind(e));
      }
      await sleep(1); // the expired deadline is gone
      results.push('slept after');
    });
    expect(results).toEqual(['TaskTimeout', 'slept after']);
  });

  test('ignoreAfter resolves to undefined on timeout (test_sleep_ignore_timeout)', async () => {
    const results: unknown[] = [];
    async function sleeper() {
      results.push(await ignoreAfter(0.1, sleep(1)));
      results.push(
        await ignoreAfter(0.1, async () => {
          await sleep(1);
          return 'not here';
        }),
      );
      results.push(await ignoreAfter(0.1, sleep, 1));
      results.push(
        await ignoreAfter(1, async () => {
          await sleep(0.1);
          return 'in time';
        }),
      );
    }
    await runVirtual(async () => {
      const task = await spawn(sleeper);
      await task.join();
    });
    expect(results).toEqual([undefined, undefined, undefined, 'in time']);
  });

  test('an operation that finishes in time leaves no timeout behind (test_sleep_notimeout)', async () => {
    const results: unknown[] = [];
    async function sleeper() {
      try {
        const woke = await timeoutAfter(0.5, sleep(0.1));
        results.push(typeof woke);
      } catch (e) {
        results.push(kind(e));
      }
      await sleep(0.5);
      results.push('slept past the old deadline');
    }
    await runVirtual(async () => {
      const task = await spawn(sleeper);
      await task.join();
    });
    expect(results).toEqual(['number', 'slept past the old deadline']);
  });

  test('timeoutAfter returns the result of the function', async () => {
    const r = await runVirtual(() =>
      timeoutAfter(
        1,
        async (a: number, b: number) => {
          await sleep(0.5);
          return a + b;
        },
        2,
        3,
      ),
    );
    expect(r).toBe(5);
  });

  test('timeoutAt / ignoreAt take an absolute deadline', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const now = clock();
      try {
        await timeoutAt(now + 1, sleep, 5);
      } catch (e) {
        results.push(kind(e), Math.round((clock() - now) * 1000) / 1000);
      }
      results.push(await ignoreAt(clock() + 1, sleep(5)));
      results.push(await ignoreAt(clock() + 1, async () => 'fast'));
    });
    expect(results).toEqual(['TaskTimeout', 1, undefined, 'fast']);
  });

  test('timeoutAfter(null) adds no deadline', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const start = clock();
      await timeoutAfter(null, sleep, 10);
      results.push(Math.round(clock() - start));
      results.push(await ignoreAfter(null, async () => 'ok'));
    });
    expect(results).toEqual([10, 'ok']);
  });
});

describe('nested timeouts', () => {
  test('an outer timeout unwinds the inner block with TimeoutCancellationError (test_nested_timeout)', async () => {
    const results: string[] = [];
    async function coro1() {
      results.push('coro1 start');
      await sleep(1);
      results.push('coro1 done');
    }
    async function coro2() {
      results.push('coro2 start');
      await sleep(1);
      results.push('coro2 done');
    }
    // The parent's deadline expires before the child's: the child's block sees a
    // TimeoutCancellationError, not a TaskTimeout.
    async function child() {
      try {
        await timeoutAfter(5, coro1);
        results.push('coro1 success');
      } catch (e) {
        if (e instanceof TaskTimeout) results.push('coro1 timeout');
        else if (e instanceof TimeoutCancellationError) results.push('coro1 timeout cancel');
        else throw e;
      }
      await coro2();
      results.push('coro2 success');
    }
    async function parent() {
      try {
        await timeoutAfter(0.75, child);
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('parent timeout');
      }
    }
    await runVirtual(parent);
    expect(results).toEqual([
      'coro1 start',
      'coro1 timeout cancel',
      'coro2 start',
      'parent timeout',
    ]);
  });

  test('the same with block-form timeouts (test_nested_context_timeout)', async () => {
    const results: string[] = [];
    async function coro1() {
      results.push('coro1 start');
      await sleep(1);
      results.push('coro1 done');
    }
    async function coro2() {
      results.push('coro2 start');
      await sleep(1);
      results.push('coro2 done');
    }
    async function child() {
      try {
        await timeoutAfter(5, async () => {
          await coro1();
        });
        results.push('coro1 success');
      } catch (e) {
        if (e instanceof TaskTimeout) results.push('coro1 timeout');
        else if (e instanceof TimeoutCancellationError) results.push('coro1 timeout cancel');
        else throw e;
      }
      await coro2();
      results.push('coro2 success');
    }
    async function parent() {
      try {
        await timeoutAfter(0.75, async () => {
          await child();
        });
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('parent timeout');
      }
    }
    await runVirtual(parent);
    expect(results).toEqual([
      'coro1 start',
      'coro1 timeout cancel',
      'coro2 start',
      'parent timeout',
    ]);
  });

  test('every inner block sees TimeoutCancellationError, the expired one TaskTimeout (test_nested_context_timeout2)', async () => {
    const results: string[] = [];
    async function coro1() {
      try {
        await timeoutAfter(10, async () => {
          await sleep(5);
        });
        results.push('coro1 not timed out');
      } catch (e) {
        results.push(`coro1 ${kind(e)}`);
        throw e;
      }
    }
    async function coro2() {
      try {
        await timeoutAfter(15, async () => {
          await coro1();
        });
        results.push('coro2 not timed out');
      } catch (e) {
        results.push(`coro2 ${kind(e)}`);
        throw e;
      }
    }
    async function parent() {
      try {
        await timeoutAfter(0.1, async () => {
          await coro2();
        });
        results.push('parent not timed out');
      } catch (e) {
        results.push(`parent ${kind(e)}`);
      }
    }
    await runVirtual(parent);
    expect(results).toEqual([
      'coro1 TimeoutCancellationError',
      'coro2 TimeoutCancellationError',
      'parent TaskTimeout',
    ]);
  });

  test('the same with fn+args timeouts (test_nested_context_timeout3)', async () => {
    const results: string[] = [];
    async function coro1() {
      try {
        await timeoutAfter(10, sleep, 5);
        results.push('coro1 not timed out');
      } catch (e) {
        results.push(`coro1 ${kind(e)}`);
        throw e;
      }
    }
    async function coro2() {
      try {
        await timeoutAfter(15, coro1);
        results.push('coro2 not timed out');
      } catch (e) {
        results.push(`coro2 ${kind(e)}`);
        throw e;
      }
    }
    async function parent() {
      try {
        await timeoutAfter(0.1, coro2);
        results.push('parent not timed out');
      } catch (e) {
        results.push(`parent ${kind(e)}`);
      }
    }
    await runVirtual(parent);
    expect(results).toEqual([
      'coro1 TimeoutCancellationError',
      'coro2 TimeoutCancellationError',
      'parent TaskTimeout',
    ]);
  });

  test('a TaskTimeout escaping its own block surfaces as UncaughtTimeoutError (test_nested_timeout_uncaught)', async () => {
    const results: string[] = [];
    async function coro1() {
      results.push('coro1 start');
      await sleep(5);
      results.push('coro1 done');
    }
    async function child() {
      // This causes a TaskTimeout, but it is not caught here.
      await timeoutAfter(1, coro1);
    }
    async function parent() {
      try {
        await timeoutAfter(10, child);
      } catch (e) {
        if (e instanceof TaskTimeout) results.push('parent timeout');
        else if (e instanceof UncaughtTimeoutError) results.push('uncaught timeout');
        else throw e;
      }
    }
    await runVirtual(parent);
    expect(results).toEqual(['coro1 start', 'uncaught timeout']);
  });

  test('the same with block-form timeouts (test_nested_context_timeout_uncaught)', async () => {
    const results: string[] = [];
    async function coro1() {
      results.push('coro1 start');
      await sleep(5);
      results.push('coro1 done');
    }
    async function child() {
      await timeoutAfter(1, async () => {
        await coro1();
      });
    }
    async function parent() {
      try {
        await timeoutAfter(10, async () => {
          await child();
        });
      } catch (e) {
        if (e instanceof TaskTimeout) results.push('parent timeout');
        else if (e instanceof UncaughtTimeoutError) results.push('uncaught timeout');
        else throw e;
      }
    }
    await runVirtual(parent);
    expect(results).toEqual(['coro1 start', 'uncaught timeout']);
  });

  test('an inner timeoutAfter(null) block is unwound by the outer timeout (test_nested_timeout_none)', async () => {
    const results: string[] = [];
    async function coro1() {
      results.push('coro1 start');
      await sleep(2);
      results.push('coro1 done');
    }
    async function coro2() {
      results.push('coro2 start');
      await sleep(1);
      results.push('coro2 done');
    }
    async function child() {
      await timeoutAfter(null, coro1);
      results.push('coro1 success');
      await coro2();
      results.push('coro2 success');
    }
    async function parent() {
      try {
        await timeoutAfter(1, child);
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('parent timeout');
      }
    }
    await runVirtual(parent);
    expect(results).toEqual(['coro1 start', 'parent timeout']);
  });

  test('an outer deadline that passed inside an inner block fires at the next blocking call (DESIGN §6.4)', async () => {
    const results: unknown[] = [];
    await runWithClock(async (clk) => {
      const start = clock();
      try {
        await timeoutAfter(1, async () => {
          await timeoutAfter(5, async () => {
            clk.advance(2); // the outer deadline passes without a blocking call
          });
          results.push('inner block done');
          await sleep(1);
          results.push('not here');
        });
      } catch (e) {
        results.push(`outer ${kind(e)}`);
      }
      results.push(clock() - start < 2.5);
    });
    expect(results).toEqual(['inner block done', 'outer TaskTimeout', true]);
  });

  test('an outer deadline that passed while an expired inner block was shielded raises TaskTimeout (DESIGN §6.4)', async () => {
    // Found by properties.test.ts. The inner deadline (0.1) and the outer one (0.25) both
    // pass while the task sleeps in a shield; the inner block then ends without another
    // blocking call, so it succeeds (test_timeout_badness). The outer deadline has passed:
    // the next blocking call must raise the outer block's TaskTimeout. (Curio 1.6 delivers
    // the stale TaskTimeout of the inner block here, which no block recognises, so it turns
    // into UncaughtTimeoutError; DESIGN §6.4 asks for the outer block's TaskTimeout.)
    const results: string[] = [];
    await runVirtual(async () => {
      try {
        await timeoutAfter(0.25, async () => {
          await timeoutAfter(0.1, async () => {
            await disableCancellation(sleep, 0.5);
          });
          results.push(`inner block exited at ${clock()}`);
          await sleep(0);
          results.push('not here');
        });
      } catch (e) {
        results.push(`outer ${kind(e)} at ${clock()}`);
      }
    });
    expect(results).toEqual(['inner block exited at 0.5', 'outer TaskTimeout at 0.5']);
  });

  test('fields attached to a timeout while unwinding survive both conversions (partial progress)', async () => {
    // Found by @curio/net's property tests: readExactly attaches the bytes it consumed
    // (`bytesRead`) to the TaskTimeout that interrupts it. When an outer block expired, the
    // inner block replaced that error by a TimeoutCancellationError and the outer block
    // replaced that by a new TaskTimeout, so the bytes were lost with the first error.
    const seen: [string, unknown, unknown][] = [];
    await runVirtual(async () => {
      try {
        await timeoutAfter(1, async () => {
          try {
            await timeoutAfter(5, async () => {
              try {
                await sleep(2);
              } catch (e) {
                Object.assign(e as object, { bytesRead: 'abc' });
                seen.push([kind(e), (e as { bytesRead?: unknown }).bytesRead, undefined]);
                throw e;
              }
            });
          } catch (e) {
            seen.push([kind(e), (e as { bytesRead?: unknown }).bytesRead, (e as Error).stack]);
            throw e;
          }
        });
      } catch (e) {
        seen.push([kind(e), (e as { bytesRead?: unknown }).bytesRead, (e as Error).stack]);
      }
    });
    expect(seen.map(([k, b]) => [k, b])).toEqual([
      ['TaskTimeout', 'abc'],
      ['TimeoutCancellationError', 'abc'],
      ['TaskTimeout', 'abc'],
    ]);
    // The replacements keep their own identity: name, code and clock are not copied over.
    expect(String(seen[1]![2])).toMatch(/^TimeoutCancellationError: /);
    expect(String(seen[2]![2])).toMatch(/^TaskTimeout: /);
  });
});

describe('timeouts and cancellation', () => {
  test('cancelling a task clears its pending timeout (test_task_cancel_timeout)', async () => {
    const results: string[] = [];
    async function coro() {
      try {
        await sleep(5);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('cancelled');
        await sleep(1); // crosses the (cleared) deadline of the timeout block
        results.push('done cancel');
        throw e;
      }
    }
    async function child() {
      results.push('child');
      try {
        await timeoutAfter(1, async () => {
          await coro();
        });
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('timeout');
      }
    }
    await runVirtual(async () => {
      const task = await spawn(child);
      await sleep(0.5);
      await task.cancel();
    });
    expect(results).toEqual(['child', 'cancelled', 'done cancel']);
  });

  test('a block that overran its deadline without blocking succeeds (test_timeout_badness)', async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(() => {});
    }
    const results: string[] = [];
    await runWithClock(async (clk) => {
      await timeoutAfter(0.1, async () => {
        clk.advance(0.2); // the timeout takes too long; there is no blocking call to cancel
      });
      results.push('made it');
      await sleep(0.1); // and no timeout is delivered later either: we left the block
      results.push('no late timeout');
    });
    expect(results).toEqual(['made it', 'no late timeout']);
  });

  test('the same on the real clock with a busy wait (test_timeout_badness, real clock)', async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(() => {});
    }
    const results: string[] = [];
    await run({ signals: 'default' }, async () => {
      await timeoutAfter(0.02, async () => {
        const until = performance.now() + 60;
        while (performance.now() < until) {
          // block the event loop past the deadline
        }
      });
      results.push('made it');
      await sleep(0.03);
      results.push('no late timeout');
    });
    expect(results).toEqual(['made it', 'no late timeout']);
  });

  test('a sleep and its timeout expiring in the same cycle do not crash (test_kernel_multischedule)', async () => {
    const results: unknown[] = [];
    async function sleeper() {
      try {
        await timeoutAfter(0.5, async () => {
          await sleep(0.25);
        });
        results.push('block ok');
      } catch (e) {
        results.push(`block ${kind(e)}`);
      }
      await sleep(0.1); // the stale TaskTimeout must not surface here
      results.push('slept');
      return true;
    }
    await runWithClock(async (clk) => {
      const t = await spawn(sleeper);
      await sleep(0.1);
      clk.advance(1); // Curio: time.sleep(1), past both the sleep and the timeout
      results.push(await t.join());
    });
    expect(results).toEqual(['block ok', 'slept', true]);
  });

  test('a timeout inside a cancellation handler is separate from the cancellation', async () => {
    const results: string[] = [];
    async function child() {
      try {
        await sleep(10);
      } catch (e) {
        results.push(kind(e));
        results.push(String(await ignoreAfter(0.5, sleep, 5)));
        throw e;
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await sleep(1);
      await t.cancel();
      results.push(t.exception instanceof TaskCancelled ? 'ended TaskCancelled' : 'other');
      const e = await caught(() => t.join());
      results.push(e ? 'join threw' : 'join ok');
    });
    expect(results).toEqual(['TaskCancelled', 'undefined', 'ended TaskCancelled', 'join threw']);
  });
});
