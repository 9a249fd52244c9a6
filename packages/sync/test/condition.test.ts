// Port of TestCondition in Curio 1.6 tests/test_sync.py, plus DESIGN §6.6: the lock is
// re-acquired even when the wait is cancelled, notify() without waiters is a no-op, FIFO
// wake order, and a Condition over an RLock keeps its depth.
//
// Adapted: `async with cond:` → `{ using _ = await cond.acquire(); ... }`; `await
// cond.notify()` → `cond.notify()` (synchronous); `deque` → an array; `None` → `null`;
// Python's RuntimeError for misuse → CurioError.
import { CancelledError, CurioError, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { Condition, Lock, RLock } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caught, caughtSync, runVirtual } from './helpers.js';

describe('Condition (Curio test_sync.py)', () => {
  test('consumers and a producer take turns (test_cond_sequence)', async () => {
    const results: unknown[] = [];
    async function consumer(cond: Condition, q: (number | null)[], label: string) {
      for (;;) {
        using _ = await cond.acquire();
        if (q.length === 0) {
          results.push(`${label} wait`);
          await cond.wait();
        }
        const item = q.shift();
        if (item === null) break;
        results.push([label, item]);
      }
      results.push(`${label} done`);
    }
    async function producer(
      cond: Condition,
      q: (number | null)[],
      count: number,
      nproducers: number,
    ) {
      for (let n = 0; n < count; n++) {
        {
          using _ = await cond.acquire();
          q.push(n);
          results.push(['producing', n]);
          cond.notify();
        }
        await sleep(0.1);
      }
      for (let n = 0; n < nproducers; n++) {
        {
          using _ = await cond.acquire();
          q.push(null);
          results.push(['ending', n]);
          cond.notify();
        }
        await sleep(0.1);
      }
    }
    await runVirtual(async () => {
      const cond = new Condition(new Lock());
      const q: (number | null)[] = [];
      const t1 = await spawn(consumer, cond, q, 'cons1');
      const t2 = await spawn(consumer, cond, q, 'cons2');
      const t3 = await spawn(producer, cond, q, 4, 2);
      await t1.join();
      await t2.join();
      await t3.join();
    });
    expect(results).toEqual([
      'cons1 wait',
      'cons2 wait',
      ['producing', 0],
      ['cons1', 0],
      'cons1 wait',
      ['producing', 1],
      ['cons2', 1],
      'cons2 wait',
      ['producing', 2],
      ['cons1', 2],
      'cons1 wait',
      ['producing', 3],
      ['cons2', 3],
      'cons2 wait',
      ['ending', 0],
      'cons1 done',
      ['ending', 1],
      'cons2 done',
    ]);
  });

  test('a waiting task can be cancelled (test_cond_wait_cancel)', async () => {
    const results: unknown[] = [];
    async function worker(cond: Condition) {
      try {
        using _ = await cond.acquire();
        results.push('cond_wait');
        await cond.wait();
        results.push('never here');
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('worker_cancel');
      }
    }
    async function workerCancel(seconds: number) {
      const cond = new Condition();
      const task = await spawn(worker, cond);
      results.push('sleep');
      await sleep(seconds);
      results.push('cancel_start');
      await task.cancel();
      results.push('cancel_done');
    }
    await runVirtual(() => workerCancel(1));
    expect(results).toEqual(['sleep', 'cond_wait', 'cancel_start', 'worker_cancel', 'cancel_done']);
  });

  test('a wait can time out (test_cond_wait_timeout)', async () => {
    const results: unknown[] = [];
    async function worker(cond: Condition) {
      try {
        using _ = await cond.acquire();
        results.push('cond_wait');
        await timeoutAfter(0.25, () => cond.wait());
        results.push('never here');
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('worker_timeout');
      }
    }
    async function workerCancel(seconds: number) {
      const cond = new Condition();
      const task = await spawn(worker, cond);
      results.push('sleep');
      await sleep(seconds);
      results.push('done');
      await task.join();
    }
    await runVirtual(() => workerCancel(1));
    expect(results).toEqual(['sleep', 'cond_wait', 'worker_timeout', 'done']);
  });

  test('notifyAll wakes every waiter (test_cond_notify_all)', async () => {
    const results: unknown[] = [];
    async function worker(cond: Condition) {
      using _ = await cond.acquire();
      results.push('cond_wait');
      await cond.wait();
      results.push('wait_done');
    }
    async function workerNotify(seconds: number) {
      const cond = new Condition();
      const t1 = await spawn(worker, cond);
      const t2 = await spawn(worker, cond);
      const t3 = await spawn(worker, cond);
      results.push('sleep');
      await sleep(seconds);
      {
        using _ = await cond.acquire();
        results.push('notify');
        cond.notifyAll();
      }
      results.push('done');
      await t1.join();
      await t2.join();
      await t3.join();
    }
    await runVirtual(() => workerNotify(1));
    expect(results).toEqual([
      'sleep',
      'cond_wait',
      'cond_wait',
      'cond_wait',
      'notify',
      'done',
      'wait_done',
      'wait_done',
      'wait_done',
    ]);
  });

  test('waitFor rechecks its predicate after every notify (test_cond_waitfor)', async () => {
    const results: unknown[] = [];
    async function consumer(cond: Condition, q: number[], label: string) {
      {
        using _ = await cond.acquire();
        results.push(`${label} waitfor`);
        await cond.waitFor(() => q.length > 2);
        results.push([label, q.length]);
      }
      results.push(`${label} done`);
    }
    async function producer(cond: Condition, q: number[], count: number) {
      for (let n = 0; n < count; n++) {
        {
          using _ = await cond.acquire();
          q.push(n);
          results.push(['producing', n]);
          cond.notify();
        }
        await sleep(0.1);
      }
    }
    await runVirtual(async () => {
      const cond = new Condition();
      const q: number[] = [];
      const t1 = await spawn(consumer, cond, q, 'cons1');
      const t2 = await spawn(consumer, cond, q, 'cons2');
      const t3 = await spawn(producer, cond, q, 4);
      await t1.join();
      await t2.join();
      await t3.join();
    });
    expect(results).toEqual([
      'cons1 waitfor',
      'cons2 waitfor',
      ['producing', 0],
      ['producing', 1],
      ['producing', 2],
      ['cons1', 3],
      'cons1 done',
      ['producing', 3],
      ['cons2', 4],
      'cons2 done',
    ]);
  });

  test('notify and wait without the lock are errors (test_condition_error)', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const c = new Condition();
      const e1 = caughtSync(() => c.notify());
      results.push(e1 instanceof CurioError, (e1 as Error).message);
      const e2 = await caught(() => c.wait());
      results.push(e2 instanceof CurioError, (e2 as Error).message);
    });
    expect(results).toEqual([
      true,
      "Condition.notify() needs the condition's lock: acquire it first (using _ = await cond.acquire())",
      true,
      "Condition.wait() needs the condition's lock: acquire it first (using _ = await cond.acquire())",
    ]);
  });

  test('toString shows the state (test_repr)', () => {
    expect(String(new Condition())).toBe('Condition(unlocked, waiters=0)');
  });
});

describe('Condition (DESIGN §6.6)', () => {
  test('a cancelled wait takes the lock back before the error propagates, even if it must wait for it', async () => {
    const results: unknown[] = [];
    async function worker(cond: Condition) {
      try {
        using _ = await cond.acquire();
        await cond.wait();
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push(`worker: cancelled, released`);
      }
    }
    await runVirtual(async () => {
      const cond = new Condition();
      const task = await spawn(worker, cond);
      await sleep(0.1);
      await cond.acquire(); // hold the lock while the worker is cancelled
      await task.cancel({ blocking: false });
      await sleep(0.1);
      results.push(`worker is ${task.state}`);
      cond.release();
      await task.join().catch(() => {});
      results.push(`locked=${cond.locked()}`);
    });
    expect(results).toEqual([
      'worker is LOCK_ACQUIRE',
      'worker: cancelled, released',
      'locked=false',
    ]);
  });

  test('a timeout that fires while the lock is being retaken stays pending until the next blocking call', async () => {
    const results: unknown[] = [];
    async function worker(cond: Condition) {
      using _ = await cond.acquire();
      await cond.wait(); // notified at 0.1; the lock only comes back at 0.5
      results.push(`worker: woke holding the lock=${cond.locked()}`);
      try {
        await sleep(0);
      } catch (err) {
        results.push(`worker: ${(err as Error).name} at the next blocking call`);
      }
    }
    await runVirtual(async () => {
      const cond = new Condition();
      const task = await spawn(async () => {
        try {
          await timeoutAfter(0.3, worker, cond);
        } catch (err) {
          results.push(`outer: ${(err as Error).name}`);
        }
      });
      await sleep(0.1);
      {
        using _ = await cond.acquire();
        cond.notify();
        await sleep(0.4);
      }
      await task.join();
    });
    expect(results).toEqual([
      'worker: woke holding the lock=true',
      'worker: TaskTimeout at the next blocking call',
    ]);
  });

  test('notify() with no waiters is a no-op; notify(n) wakes the n oldest', async () => {
    const results: unknown[] = [];
    async function waiter(cond: Condition, name: string) {
      using _ = await cond.acquire();
      await cond.wait();
      results.push(name);
    }
    await runVirtual(async () => {
      const cond = new Condition();
      {
        using _ = await cond.acquire();
        cond.notify();
        cond.notifyAll();
      }
      const tasks = [];
      for (const name of ['a', 'b', 'c']) tasks.push(await spawn(waiter, cond, name));
      await sleep(0.1);
      expect(tasks.map((t) => t.state)).toEqual(['COND_WAIT', 'COND_WAIT', 'COND_WAIT']);
      {
        using _ = await cond.acquire();
        cond.notify(2);
      }
      await sleep(0.1);
      results.push('then');
      {
        using _ = await cond.acquire();
        cond.notify(5);
      }
      for (const t of tasks) await t.join();
    });
    expect(results).toEqual(['a', 'b', 'then', 'c']);
  });

  test('over an RLock, wait releases every level and restores the depth', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const lock = new RLock();
      const cond = new Condition(lock);
      const waiter = await spawn(async () => {
        using _a = await cond.acquire();
        using _b = await cond.acquire();
        await cond.wait();
        results.push(String(lock));
      });
      await sleep(0.1);
      results.push(`while waiting: locked=${lock.locked()}`);
      {
        using _ = await cond.acquire();
        cond.notify();
      }
      await waiter.join();
      results.push(`after: locked=${lock.locked()}`);
    });
    expect(results).toEqual([
      'while waiting: locked=false',
      'RLock(locked, depth=2, waiters=0)',
      'after: locked=false',
    ]);
  });

  test('over an RLock, only the owner may wait or notify', async () => {
    await runVirtual(async () => {
      const cond = new Condition(new RLock());
      await cond.acquire();
      const other = await spawn(async () => caughtSync(() => cond.notify()));
      expect(await other.join()).toBeInstanceOf(CurioError);
      cond.release();
    });
  });

  test('a Condition needs a Lock or an RLock', () => {
    expect(() => new Condition({} as Lock)).toThrow(/needs a Lock or an RLock/);
  });
});
