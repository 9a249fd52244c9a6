import {
  currentTask,
  MockClock,
  run,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { expect, test } from 'vitest';

test('smoke: parent/child ordering', async () => {
  const results: unknown[] = [];
  await run(async () => {
    const child = async (n: number) => {
      results.push(['child start', n]);
      await sleep(0);
      results.push(['child end', n]);
      return n * 2;
    };
    const t = await spawn(child, 1);
    results.push('parent after spawn');
    results.push(await t.join());
  });
  expect(results).toEqual(['parent after spawn', ['child start', 1], ['child end', 1], 2]);
});

test('smoke: virtual clock timeout', async () => {
  const results: unknown[] = [];
  await run({ clock: new MockClock({ autojump: true }) }, async () => {
    try {
      await timeoutAfter(5, sleep, 10);
    } catch (e) {
      results.push(e instanceof TaskTimeout, currentTask().kernel.now());
    }
    const g = await withTaskGroup(async (g) => {
      await g.spawn(async () => {
        await sleep(1);
        return 1;
      });
      await g.spawn(async () => {
        await sleep(2);
        return 2;
      });
    });
    results.push(g.results);
  });
  expect(results).toEqual([true, 5, [1, 2]]);
});

test('smoke: real clock sleep', async () => {
  const t0 = performance.now();
  const r = await run(async () => {
    await sleep(0.05);
    return 'done';
  });
  expect(r).toBe('done');
  expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
});
