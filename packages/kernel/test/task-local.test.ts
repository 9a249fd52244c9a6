import { MockClock, run, sleep, spawn, TaskLocal } from '@curio/kernel';
import { expect, test } from 'vitest';

test('a spawned task starts with a copy of its parent values; changes do not leak', async () => {
  const local = new TaskLocal('initial');
  const results: unknown[] = [];
  await run({ clock: new MockClock({ autojump: true }) }, async () => {
    results.push(local.value);
    local.value = 'parent';
    const kid = await spawn(async () => {
      results.push(['kid sees', local.value]);
      local.value = 'kid';
      await sleep(1);
      results.push(['kid has', local.value]);
    });
    local.value = 'parent2';
    await kid.join();
    results.push(['parent has', local.value]);
  });
  expect(results).toEqual([
    'initial',
    ['kid sees', 'parent'],
    ['kid has', 'kid'],
    ['parent has', 'parent2'],
  ]);
});
