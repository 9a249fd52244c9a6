// Port of TestLock and TestRLock in Curio 1.6 tests/test_sync.py, plus the Lock rules of
// DESIGN §6.6 and §1.4 that Curio's tests do not cover (direct FIFO hand-off, a cancelled
// acquire holds nothing, the Disposable guard, withLock).
//
// Adapted: `async with lck:` → `{ using _ = await lck.acquire(); ... }`; `await lck.release()`
// → `lck.release()` (synchronous here); Python's RuntimeError for misuse → CurioError.
import {
  CancelledError,
  CurioError,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { Lock, RLock } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caught, caughtSync, runVirtual } from './helpers.js';

describe('Lock (Curio test_sync.py)', () => {
  test('workers take the lock in turn (test_lock_sequence)', async () => {
    const results: unknown[] = [];
    async function worker(lck: Lock, label: string) {
      results.push(`${label} wait`);
      results.push(lck.locked());
      {
        using _ = await lck.acquire();
        results.push(`${label} acquire`);
        await sleep(0.25);
      }
      results.push(`${label} release`);
    }
    await runVirtual(async () => {
      const lck = new Lock();
      const t1 = await spawn(worker, lck, 'work1');
      const t2 = await spawn(worker, lck, 'work2');
      const t3 = await spawn(worker, lck, 'work3');
      await t1.join();
      await t2.join();
      await t3.join();
    });
    expect(results).toEqual([
      'work1 wait',
      false,
      'work1 acquire',
      'work2 wait',
      true,
      'work3 wait',
      true,
      'work1 release',
      'work2 acquire',
      'work2 release',
      'work3 acquire',
      'work3 release',
    ]);
  });

  test('a blocked acquire can be cancelled (test_lock_acquire_cancel)', async () => {
    const results: unknown[] = [];
    async function worker(lck: Lock) {
      results.push('lock_wait');
      try {
        using _ = await lck.acquire();
        results.push('never here');
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('lock_cancel');
      }
    }
    async function workerCancel(seconds: number) {
      const lck = new Lock();
      using _ = await lck.acquire();
      const task = await spawn(worker, lck);
      results.push('sleep');
      await sleep(seconds);
      results.push('cancel_start');
      await task.cancel();
      results.push('cancel_done');
    }
    await runVirtual(() => workerCancel(1));
    expect(results).toEqual(['sleep', 'lock_wait', 'cancel_start', 'lock_cancel', 'cancel_done']);
  });

  test('a blocked acquire can time out (test_lock_acquire_timeout)', async () => {
    const results: unknown[] = [];
    async function worker(lck: Lock) {
      results.push('lock_wait');
      try {
        await timeoutAfter(0.5, () => lck.acquire());
        results.push('never here');
        lck.release();
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('lock_timeout');
      }
    }
    async function workerTimeout(seconds: number) {
      const lck = new Lock();
      using _ = await lck.acquire();
      const w = await spawn(worker, lck);
      results.push('sleep');
      await sleep(seconds);
      results.push('sleep_done');
      await w.join();
    }
    await runVirtual(() => workerTimeout(1));
    expect(results).toEqual(['sleep', 'lock_wait', 'lock_timeout', 'sleep_done']);
  });

  test('toString shows the state (test_repr)', async () => {
    const lck = new Lock();
    expect(String(lck)).toBe('Lock(unlocked, waiters=0)');
    await runVirtual(async () => {
      await lck.acquire();
      expect(String(lck)).toBe('Lock(locked, waiters=0)');
      lck.release();
    });
    expect(String(new RLock())).toBe('RLock(unlocked, depth=0, waiters=0)');
  });
});

describe('RLock (Curio test_sync.py)', () => {
  test('the owner re-enters; others wait their turn (test_rlock_reenter)', async () => {
    const results: unknown[] = [];
    async function inner(lck: RLock, label: string) {
      results.push(lck.locked());
      using _ = await lck.acquire();
      results.push(`${label} inner acquired`);
      results.push(`${label} inner releasing`);
    }
    async function worker(lck: RLock, label: string) {
      results.push(lck.locked());
      results.push(`${label} wait`);
      using _ = await lck.acquire();
      results.push(`${label} acquired`);
      await sleep(0.25);
      await inner(lck, label);
      results.push(`${label} releasing`);
    }
    async function workerSimple(lck: RLock) {
      results.push('simple wait');
      using _ = await lck.acquire();
      results.push('simple acquired');
      results.push('simple releasing');
    }
    await runVirtual(async () => {
      const lck = new RLock();
      const t1 = await spawn(worker, lck, 'work1');
      const t2 = await spawn(worker, lck, 'work2');
      const t3 = await spawn(workerSimple, lck);
      await t1.join();
      await t2.join();
      await t3.join();
    });
    expect(results).toEqual([
      false,
      'work1 wait',
      'work1 acquired',
      true,
      'work2 wait',
      'simple wait',
      true,
      'work1 inner acquired',
      'work1 inner releasing',
      'work1 releasing',
      'work2 acquired',
      true,
      'work2 inner acquired',
      'work2 inner releasing',
      'work2 releasing',
      'simple acquired',
      'simple releasing',
    ]);
  });

  test('only the owner may release (test_rlock_notowner)', async () => {
    const results: unknown[] = [];
    async function child1(lck: RLock) {
      await lck.acquire();
      await sleep(0.25);
      lck.release();
      results.push('child1 released');
    }
    async function child2(lck: RLock) {
      await sleep(0.1);
      const err = caughtSync(() => lck.release());
      results.push(err instanceof CurioError);
      results.push((err as Error).message);
    }
    await runVirtual(async () => {
      const lck = new RLock();
      const err = caughtSync(() => lck.release());
      results.push(err instanceof CurioError);
      results.push((err as Error).message);
      const t1 = await spawn(child1, lck);
      const t2 = await spawn(child2, lck);
      await t1.join();
      await t2.join();
    });
    expect(results).toEqual([
      true,
      'RLock.release() called on an unlocked RLock: acquire it first',
      true,
      "RLock can only be released by the task that holds it: held by Task(id=2, name='child1', state='TIME_SLEEP'), released by Task(id=3, name='child2', state='RUNNING')",
      'child1 released',
    ]);
  });
});

describe('RLock (DESIGN)', () => {
  test('each acquire needs its own release; the last one hands off to the oldest waiter', async () => {
    const results: unknown[] = [];
    async function other(lck: RLock) {
      results.push('other waits');
      using _ = await lck.acquire();
      results.push('other acquired');
    }
    await runVirtual(async () => {
      const lck = new RLock();
      await lck.acquire();
      await lck.acquire();
      const t = await spawn(other, lck);
      await sleep(0.1);
      lck.release();
      results.push(`released once, locked=${lck.locked()}`);
      await sleep(0.1);
      lck.release();
      results.push(`released twice, locked=${lck.locked()}`); // now held by `other`
      const err = await caught(async () => lck.release());
      results.push(err instanceof CurioError);
      await t.join();
      results.push(`locked=${lck.locked()}`);
    });
    expect(results).toEqual([
      'other waits',
      'released once, locked=true',
      'released twice, locked=true',
      true,
      'other acquired',
      'locked=false',
    ]);
  });

  test('release outside any task is refused', () => {
    const lck = new RLock();
    expect(() => lck.release()).toThrow(/unlocked RLock/);
  });
});

describe('Lock (DESIGN §6.6, §1.4)', () => {
  test('release hands the lock to the oldest waiter: the releaser cannot take it back', async () => {
    const results: unknown[] = [];
    async function waiter(lck: Lock, name: string) {
      using _ = await lck.acquire();
      results.push(`${name} acquired`);
    }
    await runVirtual(async () => {
      const lck = new Lock();
      await lck.acquire();
      const a = await spawn(waiter, lck, 'a');
      const b = await spawn(waiter, lck, 'b');
      await sleep(0.1);
      expect([a.state, b.state]).toEqual(['LOCK_ACQUIRE', 'LOCK_ACQUIRE']);
      lck.release();
      results.push(`released, locked=${lck.locked()}, a is ${a.state}`);
      {
        using _ = await lck.acquire(); // queued behind b
        results.push('main acquired again');
      }
      await a.join();
      await b.join();
    });
    expect(results).toEqual([
      'released, locked=true, a is READY',
      'a acquired',
      'b acquired',
      'main acquired again',
    ]);
  });

  test('an uncontended acquire never lets another task run', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const lck = new Lock();
      await spawn(async () => {
        results.push('child ran');
      });
      {
        using _ = await lck.acquire();
        results.push('acquired');
      }
      results.push('released');
      await sleep(0);
    });
    expect(results).toEqual(['acquired', 'released', 'child ran']);
  });

  test('a cancelled waiter holds nothing and is skipped by the hand-off', async () => {
    const results: unknown[] = [];
    async function waiter(lck: Lock, name: string) {
      try {
        using _ = await lck.acquire();
        results.push(`${name} acquired`);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push(`${name} cancelled, locked=${lck.locked()}`);
      }
    }
    await runVirtual(async () => {
      const lck = new Lock();
      await lck.acquire();
      const a = await spawn(waiter, lck, 'a');
      const b = await spawn(waiter, lck, 'b');
      await sleep(0.1);
      await a.cancel();
      lck.release();
      await b.join();
      results.push(`locked=${lck.locked()}`);
    });
    expect(results).toEqual(['a cancelled, locked=true', 'b acquired', 'locked=false']);
  });

  test('a waiter woken by the hand-off keeps the lock even if cancelled before it runs', async () => {
    const results: unknown[] = [];
    let a!: Task;
    async function waiter(lck: Lock) {
      try {
        await lck.acquire();
        results.push(`a acquired, locked=${lck.locked()}`);
        await sleep(0.1); // the pending cancellation lands here
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        results.push('a cancelled while holding it');
        lck.release();
      }
    }
    await runVirtual(async () => {
      const lck = new Lock();
      await lck.acquire();
      a = await spawn(waiter, lck);
      await sleep(0.1);
      lck.release(); // a is now READY and owns the lock
      await a.cancel();
      results.push(`locked=${lck.locked()}`);
    });
    expect(results).toEqual([
      'a acquired, locked=true',
      'a cancelled while holding it',
      'locked=false',
    ]);
  });

  test('release() of an unlocked Lock is a CurioError', () => {
    const err = caughtSync(() => new Lock().release());
    expect(err).toBeInstanceOf(CurioError);
    expect((err as Error).message).toBe(
      'Lock.release() called on an unlocked Lock: acquire it first',
    );
  });

  test('the guard releases once: guard.release() then block exit is fine', async () => {
    await runVirtual(async () => {
      const lck = new Lock();
      {
        using guard = await lck.acquire();
        guard.release();
        expect(lck.locked()).toBe(false);
      }
      expect(lck.locked()).toBe(false);
    });
  });

  test('withLock(fn, ...args) holds the lock while fn runs and releases it on error', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const lck = new Lock();
      const sum = await lck.withLock(
        async (x: number, y: number) => {
          results.push(lck.locked());
          await sleep(0.1);
          return x + y;
        },
        2,
        3,
      );
      results.push(sum, lck.locked());
      const err = await caught(() =>
        lck.withLock(() => {
          throw new Error('boom');
        }),
      );
      results.push((err as Error).message, lck.locked());
    });
    expect(results).toEqual([true, 5, false, 'boom', false]);
  });

  test('withLock on an RLock', async () => {
    await runVirtual(async () => {
      const lck = new RLock();
      const depth = await lck.withLock(() => lck.withLock(() => String(lck)));
      expect(depth).toBe('RLock(locked, depth=2, waiters=0)');
      expect(lck.locked()).toBe(false);
    });
  });
});
