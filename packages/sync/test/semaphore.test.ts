// Port of TestSemaphore in Curio 1.6 tests/test_sync.py, plus DESIGN §6.6 (direct FIFO
// hand-off) and BoundedSemaphore (Curio < 1.0) over-release.
//
// Adapted: `async with sema:` → `{ using _ = await sema.acquire(); ... }`; `assert` inside a
// task → a result entry checked by the final `toEqual`.
import { CancelledError, CurioError, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { BoundedSemaphore, Semaphore } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caughtSync, runVirtual } from './helpers.js';

describe('Semaphore (Curio test_sync.py)', () => {
  test('a Semaphore(1) admits one worker at a time (test_sema_sequence)', async () => {
    const results: unknown[] = [];
    async function worker(sema: Semaphore, label: string) {
      results.push(`${label} wait`);
      results.push(sema.locked());
      {
        using _ = await sema.acquire();
        if (sema.value !== 0) results.push(`value is ${sema.value}`);
        results.push(`${label} acquire`);
        await sleep(0.25);
      }
      results.push(`${label} release`);
    }
    await runVirtual(async () => {
      const sema = new Semaphore();
      const t1 = await spawn(worker, sema, 'work1');
      const t2 = await spawn(worker, sema, 'work2');
      const t3 = await spawn(worker, sema, 'work3');
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

  test('a Semaphore(2) admits two workers at a time (test_sema_sequence2)', async () => {
    const results: unknown[] = [];
    async function worker(sema: Semaphore, label: string, seconds: number) {
      results.push(`${label} wait`);
      results.push(sema.locked());
      {
        using _ = await sema.acquire();
        results.push(`${label} acquire`);
        await sleep(seconds);
      }
      results.push(`${label} release`);
    }
    await runVirtual(async () => {
      const sema = new Semaphore(2);
      const t1 = await spawn(worker, sema, 'work1', 0.25);
      const t2 = await spawn(worker, sema, 'work2', 0.3);
      const t3 = await spawn(worker, sema, 'work3', 0.35);
      await t1.join();
      await t2.join();
      await t3.join();
    });
    expect(results).toEqual([
      'work1 wait', // both work1 and work2 admitted
      false,
      'work1 acquire',
      'work2 wait',
      false,
      'work2 acquire',
      'work3 wait',
      true,
      'work1 release',
      'work3 acquire',
      'work2 release',
      'work3 release',
    ]);
  });

  test('a blocked acquire can be cancelled (test_sema_acquire_cancel)', async () => {
    const results: unknown[] = [];
    async function worker(lck: Semaphore) {
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
      const lck = new Semaphore();
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

  test('a blocked acquire can time out (test_sema_acquire_timeout)', async () => {
    const results: unknown[] = [];
    async function worker(lck: Semaphore) {
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
      const lck = new Semaphore();
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

  test('toString shows the state (test_repr)', () => {
    expect(String(new Semaphore(2))).toBe('Semaphore(value=2, waiters=0)');
    expect(String(new BoundedSemaphore())).toBe('BoundedSemaphore(value=1, waiters=0)');
  });
});

describe('Semaphore (DESIGN §6.6)', () => {
  test('release hands the permit to the oldest waiter: the value stays 0', async () => {
    const results: unknown[] = [];
    async function waiter(sema: Semaphore, name: string) {
      using _ = await sema.acquire();
      results.push(`${name} acquired`);
    }
    await runVirtual(async () => {
      const sema = new Semaphore(1);
      await sema.acquire();
      const a = await spawn(waiter, sema, 'a');
      const b = await spawn(waiter, sema, 'b');
      await sleep(0.1);
      expect([a.state, b.state]).toEqual(['SEMA_ACQUIRE', 'SEMA_ACQUIRE']);
      sema.release();
      results.push(`released, value=${sema.value}`);
      const c = await spawn(waiter, sema, 'c'); // arrives after the hand-off: waits behind b
      await a.join();
      await b.join();
      await c.join();
      results.push(`value=${sema.value}`);
    });
    expect(results).toEqual([
      'released, value=0',
      'a acquired',
      'b acquired',
      'c acquired',
      'value=1',
    ]);
  });

  test('a negative or fractional value is refused', () => {
    expect(() => new Semaphore(-1)).toThrow(CurioError);
    expect(() => new Semaphore(1.5)).toThrow(/whole number of permits >= 0/);
    expect(new Semaphore(0).locked()).toBe(true);
  });
});

describe('BoundedSemaphore', () => {
  test('releasing more than was acquired is a CurioError', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const sema = new BoundedSemaphore(2);
      const err = caughtSync(() => sema.release());
      results.push(err instanceof CurioError, (err as Error).message);
      await sema.acquire();
      await sema.acquire();
      sema.release();
      sema.release();
      results.push(sema.value);
      results.push(caughtSync(() => sema.release()) instanceof CurioError, sema.value);
    });
    expect(results).toEqual([
      true,
      'BoundedSemaphore released too many times: its value is already 2, its initial value',
      2,
      true,
      2,
    ]);
  });

  test('a release with waiters hands the permit over', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const sema = new BoundedSemaphore(1);
      await sema.acquire();
      const t = await spawn(async () => {
        using _ = await sema.acquire();
        results.push('waiter acquired');
      });
      await sleep(0.1);
      sema.release();
      await t.join();
      results.push(sema.value, sema.bound);
    });
    expect(results).toEqual(['waiter acquired', 1, 1]);
  });
});
