// Bad use gets a clear, typed error — never a hang or an unhandled rejection.

import {
  CurioError,
  currentTask,
  ignoreAfter,
  ignoreAt,
  Kernel,
  MockClock,
  run,
  sleep,
  spawn,
  timeoutAfter,
  timeoutAt,
} from '@curio/kernel';
import { afterEach, beforeEach, expect, test } from 'vitest';

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

test('run() inside a running kernel throws CurioError', async () => {
  const err = await run(async () => {
    try {
      await run(async () => 1);
      return undefined;
    } catch (e) {
      return e;
    }
  });
  expect(err).toBeInstanceOf(CurioError);
  expect((err as Error).message).toMatch(/already running/);
});

test('kernel operations outside a task throw CurioError', async () => {
  expect(() => currentTask()).toThrow(CurioError);
  expect(() => currentTask()).toThrow(/not inside a curio task/);
  await expect(sleep(1)).rejects.toThrow(CurioError);
  await expect(spawn(async () => {})).rejects.toThrow(/not inside a curio task/);
});

test('passing a started promise to spawn or run is a CurioError that says what to write', async () => {
  const res = await run(async () => {
    const promise = (async () => 1)();
    try {
      await spawn(promise as unknown as () => Promise<number>);
    } catch (e) {
      return e as Error;
    }
    return undefined;
  });
  expect(res).toBeInstanceOf(CurioError);
  expect(res?.message).toMatch(/instead of spawn\(fn\(arg\)\)/);
  await expect(run(Promise.resolve(1) as unknown as () => number)).rejects.toThrow(CurioError);
});

test('timeoutAfter with a negative or NaN duration is a CurioError', async () => {
  const errors = await run(async () => {
    const out: unknown[] = [];
    for (const bad of [-1, Number.NaN]) {
      try {
        await timeoutAfter(bad, sleep, 0);
      } catch (e) {
        out.push(e instanceof CurioError);
      }
      try {
        await ignoreAfter(bad, sleep, 0);
      } catch (e) {
        out.push(e instanceof CurioError);
      }
    }
    return out;
  });
  expect(errors).toEqual([true, true, true, true]);
});

test('the timeout functions reject the promise they return on misuse, never throw synchronously', async () => {
  const forms = [
    ['timeoutAfter', timeoutAfter],
    ['ignoreAfter', ignoreAfter],
    ['timeoutAt', timeoutAt],
    ['ignoreAt', ignoreAt],
  ] as const;
  const outcome = (call: () => Promise<unknown>): Promise<string> => {
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch {
      return Promise.resolve('threw synchronously');
    }
    return promise.then(
      () => 'fulfilled',
      (e: unknown) => (e instanceof CurioError ? 'CurioError' : String(e)),
    );
  };
  // Outside any task: no kernel to set the deadline on.
  for (const [, fn] of forms) expect(await outcome(() => fn(1, sleep, 0))).toBe('CurioError');
  // Inside a task: a bad duration or deadline.
  const inTask = await run(async () => {
    const out: string[] = [];
    for (const [name, fn] of forms) {
      out.push(`${name} ${await outcome(() => fn(Number.NaN, sleep, 0))}`);
    }
    return out;
  });
  expect(inTask).toEqual([
    'timeoutAfter CurioError',
    'ignoreAfter CurioError',
    'timeoutAt CurioError',
    'ignoreAt CurioError',
  ]);
});

test('cancelling yourself with blocking: true is a CurioError; blocking: false works', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const me = currentTask();
    try {
      await me.cancel();
    } catch (e) {
      results.push(e instanceof CurioError);
    }
    await me.cancel({ blocking: false });
    try {
      await sleep(1);
    } catch (e) {
      results.push((e as Error).name);
    }
  });
  expect(results).toEqual([true, 'TaskCancelled']);
});

test('spawning during shutdown is refused with CurioError', async () => {
  const results: unknown[] = [];
  await run({ clock: new MockClock({ autojump: true }) }, async () => {
    await spawn(async () => {
      try {
        await sleep(100);
      } finally {
        try {
          await spawn(async () => {});
        } catch (e) {
          results.push(e instanceof CurioError, (e as Error).message);
        }
      }
    });
    await sleep(0);
  });
  expect(results).toEqual([true, expect.stringMatching(/shutting down/)]);
});

test('a closed kernel refuses to run again', async () => {
  const k = new Kernel();
  expect(await k.run(async () => 42)).toBe(42);
  await k.close();
  await expect(k.run(async () => 1)).rejects.toThrow(/closed/);
});

test('waiting on two kernel operations at once is a clear CurioError, not a hang', async () => {
  const err = await run({ clock: new MockClock({ autojump: true }) }, async () => {
    try {
      await Promise.all([sleep(0.1), sleep(0.2)]);
    } catch (e) {
      return e as Error;
    }
    return undefined;
  });
  expect(err).toBeInstanceOf(CurioError);
  expect(err?.message).toMatch(/waits for one thing at a time/);
});

test('a kernel on a custom (non-mock) clock still wakes sleepers', async () => {
  const custom = { now: () => performance.now() / 1000 };
  const slept = await run({ clock: custom }, async () => {
    const t0 = custom.now();
    await sleep(0.02);
    return custom.now() - t0;
  });
  expect(slept).toBeGreaterThanOrEqual(0.019);
});
