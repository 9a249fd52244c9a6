// asyncThread: a thread when awaited inside a task, a plain call anywhere else.
import { run, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { asyncThread } from '@curio/workers';
import { describe, expect, test } from 'vitest';
import { caught, runK } from './helpers.js';

const fib = asyncThread(function fib(n: number): number {
  return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
});

const whereAmI = asyncThread(() => process.getBuiltinModule('node:worker_threads').threadId);

describe('asyncThread', () => {
  test('inside a task it returns a promise computed in a worker thread', async () => {
    const [result, where] = await runK(async () => {
      const pending = fib(20);
      expect(pending).toBeInstanceOf(Promise);
      return [await pending, await whereAmI()];
    });
    expect(result).toBe(6765);
    expect(where).not.toBe(process.getBuiltinModule('node:worker_threads').threadId);
  });

  test('outside any kernel it calls the function directly', () => {
    expect(fib(10)).toBe(55);
    expect(whereAmI()).toBe(process.getBuiltinModule('node:worker_threads').threadId);
    expect(fib.name).toBe('fib');
  });

  test('the tutorial: a kid computing fib while its parent goes on; a timeout stops it', async () => {
    const events: unknown[] = [];
    await run({ signals: 'default' }, async function parent() {
      const kid = await spawn(async function kid() {
        events.push(`fib(25) = ${await fib(25)}`);
      });
      events.push('parent waits');
      await kid.join();
      const spin = asyncThread(() => {
        for (;;);
      });
      events.push(await caught(() => timeoutAfter(0.05, spin)));
    });
    expect(events[0]).toBe('parent waits');
    expect(events[1]).toBe('fib(25) = 75025');
    expect(events[2]).toBeInstanceOf(TaskTimeout);
  });

  test('built-ins are refused when wrapped', () => {
    expect(() => asyncThread(Math.sqrt)).toThrow(/cannot send sqrt\(\) to a worker/);
  });
});
