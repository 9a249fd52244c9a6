// "Curiouser and Curiouser": a function wrapped by asyncThread() runs in a thread when a task
// awaits it, and directly when ordinary code calls it.
import { run } from '@curio/kernel';
import { beforeAll, expect, test } from 'vitest';
import { fib } from '../src/async-thread.js';
import { buildExamples } from './child.js';
import { expectResponsiveKid } from './responsive-kid.js';

beforeAll(buildExamples, 60_000);

test('async-thread: called outside the kernel, fib simply runs', () => {
  expect(fib(5)).toBe(8); // >>> fib(5)  →  8
});

test('async-thread: awaited in a task, fib runs in a thread', async () => {
  const result = await run(async () => {
    const pending = fib(10);
    expect(pending).toBeInstanceOf(Promise);
    return pending;
  });
  expect(result).toBe(89);
});

test('async-thread: the kernel stays responsive; cancelling stops the thread', async () => {
  await expectResponsiveKid('async-thread');
});
