// Port of TestResult in Curio 1.6 tests/test_sync.py, plus the rules Curio leaves open: a
// Result is set once, unwrap() waits as RESULT_WAIT and is a cancellation point.
//
// Adapted: `await r.set_value(v)` → `r.setValue(v)` (synchronous here); Python's `2 + "3"`
// TypeError → the `add` helper.
// Not ported (threads and asyncio live in @curio/workers): TestUniversalResult.
import { CancelledError, CurioError, sleep, spawn } from '@curio/kernel';
import { Result } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { add, caught, caughtSync, runVirtual } from './helpers.js';

describe('Result (Curio test_sync.py)', () => {
  test('unwrap returns the value another task set (test_value)', async () => {
    async function work(x: unknown, y: unknown, r: Result<unknown>) {
      r.setValue(add(x, y));
    }
    const value = await runVirtual(async () => {
      const r = new Result<unknown>();
      await spawn(work, 2, 3, r);
      return await r.unwrap();
    });
    expect(value).toBe(5);
  });

  test('unwrap throws the error another task set (test_error)', async () => {
    async function work(x: unknown, y: unknown, r: Result<unknown>) {
      try {
        r.setValue(add(x, y));
      } catch (err) {
        r.setException(err);
      }
    }
    const err = await runVirtual(async () => {
      const r = new Result<unknown>();
      await spawn(work, 2, '3', r);
      return await caught(() => r.unwrap());
    });
    expect(err).toBeInstanceOf(TypeError);
  });

  test('toString shows the state (test_repr)', () => {
    const r = new Result<number>();
    expect(String(r)).toBe('Result(not set)');
    r.setValue(5);
    expect(String(r)).toBe('Result(value=5)');
    const e = new Result();
    e.setException(new TypeError('bad'));
    expect(String(e)).toBe('Result(error=TypeError: bad)');
  });
});

describe('Result (DESIGN)', () => {
  test('waiters block as RESULT_WAIT and all wake, oldest first, when it is set', async () => {
    const results: unknown[] = [];
    async function waiter(r: Result<string>, name: string) {
      results.push(`${name}: ${await r.unwrap()}`);
    }
    await runVirtual(async () => {
      const r = new Result<string>();
      const a = await spawn(waiter, r, 'a');
      const b = await spawn(waiter, r, 'b');
      await sleep(0.1);
      results.push(a.state, r.isSet());
      r.setValue('v');
      results.push(r.isSet());
      await a.join();
      await b.join();
      results.push(await r.unwrap()); // set: returns at once
    });
    expect(results).toEqual(['RESULT_WAIT', false, true, 'a: v', 'b: v', 'v']);
  });

  test('a Result is set once', () => {
    const r = new Result<number>();
    r.setValue(1);
    const err = caughtSync(() => r.setException(new Error('late')));
    expect(err).toBeInstanceOf(CurioError);
    expect((err as Error).message).toBe(
      'Result.setException() called on a Result that is already set: a Result is set once',
    );
    expect(() => r.setValue(2)).toThrow(CurioError);
  });

  test('unwrap is a cancellation point', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const r = new Result<number>();
      const t = await spawn(async () => {
        try {
          await r.unwrap();
        } catch (err) {
          results.push(err instanceof CancelledError);
        }
      });
      await sleep(0.1);
      await t.cancel();
      r.setValue(1); // nobody waits any more
    });
    expect(results).toEqual([true]);
  });
});
