import {
  clock,
  Kernel,
  MockClock,
  run,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { expect, test } from 'vitest';

test('autojump runs an hour of sleeps instantly and in deadline order', async () => {
  const results: unknown[] = [];
  const t0 = performance.now();
  await run({ clock: new MockClock({ autojump: true }) }, async () => {
    const sleeper = async (s: number) => {
      await sleep(s);
      results.push([s, clock()]);
    };
    await spawn(sleeper, 3600);
    await spawn(sleeper, 60);
    await spawn(sleeper, 1);
    await sleep(7200);
  });
  expect(results).toEqual([
    [1, 1],
    [60, 60],
    [3600, 3600],
  ]);
  expect(performance.now() - t0).toBeLessThan(1000);
});

test('advance() moves virtual time and fires due deadlines', async () => {
  const clk = new MockClock({ start: 100 });
  const results: unknown[] = [];
  await run({ clock: clk }, async () => {
    const t = await spawn(async () => {
      try {
        await timeoutAfter(5, sleep, 10);
      } catch (e) {
        results.push(e instanceof TaskTimeout, clock());
      }
    });
    await sleep(0);
    clk.advance(4);
    await sleep(0);
    results.push(t.state);
    clk.advance(1);
    await t.join();
  });
  expect(results).toEqual(['TIME_SLEEP', true, 105]);
});

test('MockClock rejects bad input', () => {
  expect(() => new MockClock({ autojump: -1 })).toThrow(RangeError);
  expect(() => new MockClock().advance(-1)).toThrow(RangeError);
});

test('Kernel instances can run several mains in turn and close once', async () => {
  const kernel = new Kernel({ clock: new MockClock({ autojump: true }) });
  const log: string[] = [];
  await kernel.run(async () => {
    await spawn(async () => {
      try {
        await sleep(1000);
      } finally {
        log.push('background cancelled at close');
      }
    });
  });
  expect(await kernel.run(async () => 'second')).toBe('second');
  await kernel.close();
  expect(log).toEqual(['background cancelled at close']);
});
