// DESIGN §4: the event loop gets a turn between cycles whenever a task waits on the outside
// world, so I/O is delivered between two cycles exactly as Curio's select() is.

import { awaitPromise, run, sleep, spawn } from '@curio/kernel';
import { expect, test } from 'vitest';

test('with a task waiting on I/O, the event loop gets a turn between every two cycles', async () => {
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  await run(async () => {
    let deliver!: () => void;
    const io = new Promise<void>((resolve) => {
      deliver = resolve;
    });
    const waiter = await spawn(() => awaitPromise(io));
    await sleep(0);
    setImmediate(tick);
    const before = turns;
    for (let i = 0; i < 10; i++) await sleep(0);
    ticking = false;
    expect(turns - before).toBeGreaterThanOrEqual(9);
    deliver();
    await waiter.join();
  });
});

test('a sleep(0) loop never starves timers or other tasks', async () => {
  const results: string[] = [];
  await run(async () => {
    const spinner = await spawn(async () => {
      for (;;) await sleep(0);
    });
    await sleep(0.01);
    results.push('timer fired while another task spins');
    await spinner.cancel();
  });
  expect(results).toEqual(['timer fired while another task spins']);
});

test('chained cycles still give the event loop a turn while a task spins and nobody waits on I/O', async () => {
  let spins = 0;
  let spinsBefore = -1;
  let spinsAtCallback = -1;
  await run(async () => {
    const spinner = await spawn(async () => {
      for (;;) {
        spins++;
        await sleep(0);
      }
    });
    await sleep(0);
    // An event-loop callback no task waits for: it runs only when the kernel yields.
    spinsBefore = spins;
    setImmediate(() => {
      spinsAtCallback = spins;
    });
    await sleep(0.05);
    await spinner.cancel();
  });
  // The callback ran while the spinner was spinning: after some spins, and before the last.
  expect(spinsAtCallback).toBeGreaterThan(spinsBefore);
  expect(spins).toBeGreaterThan(spinsAtCallback);
});
