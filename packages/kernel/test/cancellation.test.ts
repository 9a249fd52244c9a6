// Port of the cancellation-control tests of Curio 1.6: tests/test_kernel.py
// (test_task_cancel_poll, test_pending_cancellation) and tests/test_task.py
// (test_defer_cancellation, test_explicit_raise_cancel_disable,
// test_disable_cancellation_function, test_disable_cancellation_explicit_raise,
// test_set_cancellation), plus DESIGN §6.3 (nesting, timeouts inside shields).
//
// Adapted: `async with disable_cancellation(): body` → `await disableCancellation(async () =>
// { body })`; `Event` → the kernel-only `Gate` helper.
// test_pending_cancellation sets `task.cancel_pending` and calls raw traps (`_read_wait`,
// `_future_wait`, `_scheduler_wait`, `_unset_timeout`); here the pending cancellation is set
// with setCancellation() and delivered through the public blocking operations that use those
// traps (sleep, awaitPromise, Task.wait, leaving a timeout block). The `_read_wait` (I/O) case
// has no kernel-level public operation and belongs to @curio/net.
import {
  awaitPromise,
  CancelledError,
  checkCancellation,
  clock,
  currentTask,
  disableCancellation,
  isCancellation,
  setCancellation,
  sleep,
  spawn,
  TaskCancelled,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { describe, expect, test } from 'vitest';
import { caught, Gate, runVirtual } from './helpers.js';

function kind(e: unknown): string {
  if (e instanceof TaskTimeout) return 'TaskTimeout';
  if (e instanceof TaskCancelled) return 'TaskCancelled';
  if (e instanceof CancelledError) return 'CancelledError';
  return `other: ${String(e)}`;
}

describe('disableCancellation', () => {
  test('a cancellation inside the block is pending and can be polled (test_task_cancel_poll)', async () => {
    const results: string[] = [];
    async function child() {
      await disableCancellation(async () => {
        await sleep(0.1);
        results.push('success');
        if (await checkCancellation()) results.push('cancelled');
        else results.push('not cancelled');
      });
    }
    await runVirtual(async () => {
      const task = await spawn(child);
      await task.cancel();
      results.push('done');
    });
    expect(results).toEqual(['success', 'cancelled', 'done']);
  });

  test('the pending cancellation is raised by checkCancellation() after the block (test_defer_cancellation)', async () => {
    const results: string[] = [];
    async function cancelMe(e1: Gate, e2: Gate) {
      try {
        await disableCancellation(async () => {
          e1.set();
          await e2.wait();
          results.push('shielded wait done');
        });
        results.push('block exited');
        await checkCancellation();
        results.push('not here');
      } catch (e) {
        results.push(`checkCancellation raised ${kind(e)}`);
      }
    }
    await runVirtual(async () => {
      const e1 = new Gate();
      const e2 = new Gate();
      const task = await spawn(cancelMe, e1, e2);
      await e1.wait();
      await task.cancel({ blocking: false });
      results.push('cancel requested');
      e2.set();
      await task.join();
      results.push('joined');
    });
    expect(results).toEqual([
      'cancel requested',
      'shielded wait done',
      'block exited',
      'checkCancellation raised TaskCancelled',
      'joined',
    ]);
  });

  test('an explicit TaskCancelled inside a nested block becomes pending (test_explicit_raise_cancel_disable)', async () => {
    const results: string[] = [];
    async function cancelMe(e1: Gate, e2: Gate) {
      try {
        await disableCancellation(async () => {
          await disableCancellation(async () => {
            e1.set();
            await e2.wait();
            throw new TaskCancelled();
          });
          // Even when raised explicitly, TaskCancelled does not propagate out of the inner
          // block: it is deferred until cancellation is enabled again.
          results.push('inner block swallowed it');
          const pending = await checkCancellation();
          results.push(pending instanceof CancelledError ? 'still pending' : 'nothing pending');
        });
        results.push('outer block exited');
        await checkCancellation();
        results.push('not here');
      } catch (e) {
        results.push(`raised ${kind(e)}`);
      }
    }
    await runVirtual(async () => {
      const e1 = new Gate();
      const e2 = new Gate();
      const task = await spawn(cancelMe, e1, e2);
      await e1.wait();
      await task.cancel({ blocking: false });
      e2.set();
      await task.join();
    });
    expect(results).toEqual([
      'inner block swallowed it',
      'still pending',
      'outer block exited',
      'raised TaskCancelled',
    ]);
  });

  test('disableCancellation(fn, ...args) shields a function call (test_disable_cancellation_function)', async () => {
    const results: string[] = [];
    async function cancelIt(e1: Gate, e2: Gate) {
      e1.set();
      await e2.wait();
      results.push('shielded call done');
      return 'value';
    }
    async function cancelMe(e1: Gate, e2: Gate) {
      try {
        results.push(await disableCancellation(cancelIt, e1, e2));
        await checkCancellation();
        results.push('not here');
      } catch (e) {
        results.push(`raised ${kind(e)}`);
      }
    }
    await runVirtual(async () => {
      const e1 = new Gate();
      const e2 = new Gate();
      const task = await spawn(cancelMe, e1, e2);
      await e1.wait();
      await task.cancel({ blocking: false });
      e2.set();
      await task.join();
    });
    expect(results).toEqual(['shielded call done', 'value', 'raised TaskCancelled']);
  });

  test('a CancelledError thrown out of the outermost block propagates (test_disable_cancellation_explicit_raise)', async () => {
    const results: string[] = [];
    await runVirtual(async () => {
      const err = new CancelledError();
      const e = await caught(() =>
        disableCancellation(async () => {
          throw err;
        }),
      );
      results.push(e === err ? 'propagated' : `other: ${String(e)}`);
    });
    expect(results).toEqual(['propagated']);
  });

  test('blocks nest: delivery waits for the first blocking call after the outermost block (DESIGN §6.3)', async () => {
    const results: string[] = [];
    async function child() {
      await disableCancellation(async () => {
        await disableCancellation(async () => {
          await sleep(1);
        });
        results.push('inner exited');
        await sleep(1);
        results.push('outer body still shielded');
      });
      results.push('outer exited');
      try {
        await sleep(1);
        results.push('not here');
      } catch (e) {
        results.push(`delivered at first block: ${kind(e)}`);
        throw e;
      }
    }
    await runVirtual(async () => {
      const start = clock();
      const task = await spawn(child);
      await sleep(0.5);
      await task.cancel();
      results.push(`cancel returned at ${Math.round((clock() - start) * 1000) / 1000}`);
    });
    expect(results).toEqual([
      'inner exited',
      'outer body still shielded',
      'outer exited',
      'delivered at first block: TaskCancelled',
      'cancel returned at 2',
    ]);
  });

  test('a timeout expiring inside a shield is delivered after it (DESIGN §6.3)', async () => {
    const results: string[] = [];
    await runVirtual(async () => {
      const start = clock();
      try {
        await timeoutAfter(1, async () => {
          await disableCancellation(async () => {
            await sleep(2);
            results.push('shielded sleep completed');
          });
          results.push('shield exited');
          await sleep(1);
          results.push('not here');
        });
      } catch (e) {
        results.push(`${kind(e)} at ${Math.round((clock() - start) * 1000) / 1000}`);
      }
    });
    expect(results).toEqual(['shielded sleep completed', 'shield exited', 'TaskTimeout at 2']);
  });
});

describe('checkCancellation / setCancellation', () => {
  test('set, filter by class, deliver, and clear inside a shield (test_set_cancellation)', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      await setCancellation(new CancelledError());
      results.push((await checkCancellation(TaskTimeout)) ?? 'no TaskTimeout pending');
      try {
        await sleep(1);
        results.push('not here');
      } catch (e) {
        results.push(`sleep raised ${kind(e)}`);
      }

      await setCancellation(new CancelledError());
      await disableCancellation(async () => {
        // With a class, the matching pending error is returned and cleared.
        const got = await checkCancellation(CancelledError);
        results.push(got instanceof CancelledError ? 'returned CancelledError' : 'nothing');
        results.push((await checkCancellation()) ?? 'cleared');
      });
      await sleep(1);
      results.push('slept');
    });
    expect(results).toEqual([
      'no TaskTimeout pending',
      'sleep raised CancelledError',
      'returned CancelledError',
      'cleared',
      'slept',
    ]);
  });

  test('setCancellation returns the previously pending error', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const a = new CancelledError();
      const b = new TaskCancelled();
      results.push((await setCancellation(a)) ?? 'none before');
      results.push((await setCancellation(b)) === a);
      await disableCancellation(async () => {
        results.push((await checkCancellation()) === b); // returned, not raised, not cleared
        results.push((await checkCancellation()) === b);
      });
      const e = await caught(() => checkCancellation()); // cancellation allowed again: raised
      results.push(e === b);
      results.push((await checkCancellation()) ?? 'cleared');
    });
    expect(results).toEqual(['none before', true, true, true, true, 'cleared']);
  });

  test('a pending cancellation is delivered by every blocking operation (test_pending_cancellation)', async () => {
    const results: string[] = [];
    async function other() {
      await sleep(100);
    }
    await runVirtual(async () => {
      const t = await spawn(other);

      await setCancellation(new CancelledError());
      // Non-blocking operations do not deliver it.
      clock();
      await currentTask();
      const t2 = await spawn(other);
      results.push('non-blocking calls passed');

      // time wait
      results.push(`sleep: ${kind(await caught(() => sleep(1)))}`);

      // future wait
      await setCancellation(new CancelledError());
      results.push(
        `awaitPromise: ${kind(await caught(() => awaitPromise(new Promise<void>(() => {}))))}`,
      );
      await setCancellation(new CancelledError());
      results.push(
        `awaitPromise(resolved): ${kind(await caught(() => awaitPromise(Promise.resolve(1))))}`,
      );

      // scheduler wait
      await setCancellation(new CancelledError());
      results.push(`Task.wait: ${kind(await caught(() => t.wait()))}`);
      await setCancellation(new CancelledError());
      results.push(`Task.join: ${kind(await caught(() => t.join()))}`);

      // Leaving a timeout block drops a pending TaskTimeout: the task has left the block
      // that the timeout was for (Curio's _unset_timeout).
      await setCancellation(new TaskTimeout());
      await timeoutAfter(10, async () => {});
      results.push('timeout block exited quietly');
      await sleep(0.1);
      results.push('stale TaskTimeout dropped');

      await t.cancel();
      await t2.cancel();
    });
    expect(results).toEqual([
      'non-blocking calls passed',
      'sleep: CancelledError',
      'awaitPromise: CancelledError',
      'awaitPromise(resolved): CancelledError',
      'Task.wait: CancelledError',
      'Task.join: CancelledError',
      'timeout block exited quietly',
      'stale TaskTimeout dropped',
    ]);
  });

  test('checkCancellation() with nothing pending returns nothing', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      results.push((await checkCancellation()) ?? 'nothing');
      results.push((await checkCancellation(TaskCancelled)) ?? 'nothing');
      await disableCancellation(async () => {
        results.push((await checkCancellation()) ?? 'nothing');
      });
    });
    expect(results).toEqual(['nothing', 'nothing', 'nothing']);
  });
});

describe('isCancellation and task.signal', () => {
  test('isCancellation recognises every CancelledError', async () => {
    expect(isCancellation(new CancelledError())).toBe(true);
    expect(isCancellation(new TaskCancelled())).toBe(true);
    expect(isCancellation(new TaskTimeout())).toBe(true);
    expect(isCancellation(new Error('x'))).toBe(false);
    expect(isCancellation(undefined)).toBe(false);
  });

  test('task.signal aborts with the cancellation error when the task is cancelled', async () => {
    const results: unknown[] = [];
    async function child() {
      const me = await currentTask();
      const signal = me.signal;
      results.push(signal.aborted);
      signal.addEventListener('abort', () => {
        results.push(`aborted with ${kind(signal.reason)}`);
      });
      try {
        await sleep(10);
      } finally {
        results.push(`finally: aborted=${signal.aborted}`);
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await sleep(1);
      await t.cancel();
      results.push('cancelled');
    });
    expect(results).toEqual([
      false,
      'aborted with TaskCancelled',
      'finally: aborted=true',
      'cancelled',
    ]);
  });

  test('awaitPromise(promise, { signal }) is interrupted by a timeout', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const controller = new AbortController();
      try {
        await timeoutAfter(1, () =>
          awaitPromise(new Promise<void>(() => {}), { signal: controller.signal }),
        );
      } catch (e) {
        results.push(kind(e));
      }
    });
    expect(results).toEqual(['TaskTimeout']);
  });
});
