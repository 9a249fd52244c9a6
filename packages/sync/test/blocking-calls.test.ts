// The blocking calls of Event, Lock, RLock and Semaphore are plain functions returning the
// kernel's promise (not async functions), and a released lock or permit reaches its waiter
// with the waiter's guard. These tests pin down what the async versions guaranteed for
// free: misuse rejects the returned promise (never a synchronous throw), and the guard
// handed over releases exactly once.
import { CurioError, sleep, spawn } from '@curio/kernel';
import { Event, Lock, RLock, Semaphore } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { runVirtual } from './helpers.js';

/** Calls `fn` (which must not throw synchronously) and returns its rejection reason. */
async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = fn();
  } catch (err) {
    throw new Error(`threw synchronously instead of rejecting: ${String(err)}`);
  }
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise was fulfilled');
    },
    (err: unknown) => err,
  );
}

describe('blocking calls outside any task reject with a CurioError', () => {
  test('Event.wait on an unset event', async () => {
    const err = await rejectionOf(() => new Event().wait());
    expect(err).toBeInstanceOf(CurioError);
    expect((err as Error).message).toMatch(/not inside a curio task/);
  });

  test('Lock.acquire on a held lock (a free lock is taken without a task)', async () => {
    const lock = new Lock();
    const guard = await lock.acquire();
    const err = await rejectionOf(() => lock.acquire());
    expect(err).toBeInstanceOf(CurioError);
    guard.release();
    expect(lock.locked()).toBe(false);
  });

  test('RLock.acquire (it needs to know the owner)', async () => {
    const err = await rejectionOf(() => new RLock().acquire());
    expect(err).toBeInstanceOf(CurioError);
    expect((err as Error).message).toMatch(/not inside a curio task/);
  });

  test('Semaphore.acquire with no permit left', async () => {
    const sema = new Semaphore(0);
    const err = await rejectionOf(() => sema.acquire());
    expect(err).toBeInstanceOf(CurioError);
    expect(sema.value).toBe(0);
  });
});

describe('a release hands the waiter its guard', () => {
  for (const [name, make] of [
    ['Lock', () => new Lock()],
    ['RLock', () => new RLock()],
    ['Semaphore', () => new Semaphore(1)],
  ] as const) {
    test(`${name}: the woken waiter's guard releases once, to the next waiter`, async () => {
      const results: string[] = [];
      await runVirtual(async () => {
        const lock = make();
        const first = await lock.acquire();
        const waiter = async (label: string) => {
          const guard = await lock.acquire();
          results.push(`${label} holds, locked=${lock.locked()}`);
          await sleep(1);
          guard.release();
          guard.release(); // a second release of the same guard does nothing
          results.push(`${label} released`);
        };
        const a = await spawn(waiter, 'a');
        const b = await spawn(waiter, 'b');
        await sleep(0.5);
        first.release();
        await a.join();
        await b.join();
        results.push(`locked=${lock.locked()}`);
      });
      expect(results).toEqual([
        'a holds, locked=true',
        'a released',
        'b holds, locked=true',
        'b released',
        'locked=false',
      ]);
    });
  }
});
