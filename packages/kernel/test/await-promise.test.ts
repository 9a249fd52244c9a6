// awaitPromise and task.signal: foreign promises as cancellation points (DESIGN §3).
import { setTimeout as delay } from 'node:timers/promises';
import {
  awaitPromise,
  currentTask,
  run,
  sleep,
  spawn,
  TaskCancelled,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { expect, test } from 'vitest';

test('awaitPromise resolves with the foreign value and lets other tasks run meanwhile', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const other = await spawn(async () => {
      results.push('other runs');
    });
    const value = await awaitPromise(delay(10, 'foreign'));
    results.push(value);
    await other.join();
  });
  expect(results).toEqual(['other runs', 'foreign']);
});

test('awaitPromise rethrows the foreign rejection', async () => {
  const err = await run(async () => {
    try {
      await awaitPromise(Promise.reject(new Error('boom')));
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  });
  expect(err).toBe('boom');
});

test('a task in awaitPromise shows FUTURE_WAIT and is cancelled at once', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const never = new Promise<void>(() => {});
    const t = await spawn(async () => {
      try {
        await awaitPromise(never);
      } catch (e) {
        results.push((e as Error).name);
        throw e;
      }
    });
    await sleep(0.01);
    results.push(t.state);
    await t.cancel();
    results.push(t.terminated, t.exception instanceof TaskCancelled);
  });
  expect(results).toEqual(['FUTURE_WAIT', 'TaskCancelled', true, true]);
});

test('timeoutAfter interrupts awaitPromise, and task.signal aborts the foreign operation', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const signal = currentTask().signal;
    try {
      await timeoutAfter(0.02, () => awaitPromise(delay(5_000, 'late', { signal })));
    } catch (e) {
      results.push(e instanceof TaskTimeout, signal.aborted);
    }
    // The signal of the next operation is fresh again.
    results.push(currentTask().signal.aborted);
  });
  expect(results).toEqual([true, true, false]);
});

test('awaitPromise with an aborted signal rejects with its reason', async () => {
  const reason = await run(async () => {
    const ctl = new AbortController();
    const p = awaitPromise(new Promise(() => {}), { signal: ctl.signal });
    ctl.abort(new Error('stop'));
    try {
      await p;
    } catch (e) {
      return (e as Error).message;
    }
    return 'resolved';
  });
  expect(reason).toBe('stop');
});

test('cancelling a task aborts its signal with the cancellation error', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const t = await spawn(async () => {
      const signal = currentTask().signal;
      signal.addEventListener('abort', () =>
        results.push(['aborted', (signal.reason as Error).name]),
      );
      await sleep(10);
    });
    await sleep(0.01);
    await t.cancel();
  });
  expect(results).toEqual([['aborted', 'TaskCancelled']]);
});

test('a plain await of a foreign promise gives up the baton: the others run meanwhile', async () => {
  const results: string[] = [];
  await run(async () => {
    const other = await spawn(async () => {
      for (let i = 0; i < 3; i++) {
        results.push(`other ${i}`);
        await sleep(0);
      }
    });
    // Not a trap: the kernel notices the wait (FUTURE_WAIT) and lets `other` run.
    await new Promise((resolve) => setTimeout(resolve, 20));
    results.push('foreign wait over');
    await other.join();
  });
  expect(results).toEqual(['other 0', 'other 1', 'other 2', 'foreign wait over']);
});

test('awaiting already-settled promises keeps the baton: no other task runs', async () => {
  const results: string[] = [];
  await run(async () => {
    await spawn(async () => {
      results.push('other');
    });
    for (let i = 0; i < 100; i++) await Promise.resolve(i);
    results.push('main after 100 settled awaits');
    await sleep(0);
  });
  expect(results).toEqual(['main after 100 settled awaits', 'other']);
});

test('a task that becomes ready later gets the baton from a task awaiting a foreign promise', async () => {
  const results: string[] = [];
  await run(async () => {
    const main = currentTask();
    const other = await spawn(async () => {
      await sleep(0.01);
      results.push(`other woke, main ${main.state}`);
    });
    await sleep(0); // \`other\` starts and blocks in its sleep: nobody else is ready now
    // Not a trap. When \`other\`'s timer fires, the kernel must notice that main waits for
    // something foreign and hand the baton on.
    await new Promise((resolve) => setTimeout(resolve, 60));
    results.push('foreign wait over');
    await other.join();
  });
  expect(results).toEqual(['other woke, main FUTURE_WAIT', 'foreign wait over']);
});
