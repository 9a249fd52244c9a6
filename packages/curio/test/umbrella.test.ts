import * as kernel from '@curio/kernel';
import * as net from '@curio/net';
import * as ssl from '@curio/ssl';
import * as subprocess from '@curio/subprocess';
import * as sync from '@curio/sync';
import * as curio from 'curio';
import { expect, test } from 'vitest';

test('the umbrella re-exports every name of the kernel, sync, net and ssl packages', () => {
  for (const pkg of [kernel, sync, net, ssl]) {
    for (const [name, value] of Object.entries(pkg)) {
      expect((curio as Record<string, unknown>)[name], name).toBe(value);
    }
  }
});

test('the umbrella has @curio/subprocess as the namespace subprocess', () => {
  for (const [name, value] of Object.entries(subprocess)) {
    expect((curio.subprocess as Record<string, unknown>)[name], name).toBe(value);
  }
  // Not mixed into the top level: the kernel's run stays run.
  expect(curio.run).toBe(kernel.run);
  expect(curio.subprocess.run).not.toBe(kernel.run);
});

test('a program can be written against the umbrella alone', async () => {
  const { run, spawn, Queue, MockClock, sleep } = curio;
  const got = await run({ clock: new MockClock({ autojump: true }) }, async () => {
    const q = new Queue<number>();
    const producer = await spawn(async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(1);
        await q.put(i);
      }
    });
    const items = [await q.get(), await q.get(), await q.get()];
    await producer.join();
    return items;
  });
  expect(got).toEqual([0, 1, 2]);
});
