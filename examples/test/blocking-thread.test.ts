// "Number Crunching and Blocking Operations": a blocking library call moved to a thread with
// runInThread() no longer blocks the kernel (see responsive-kid.ts).
import { run } from '@curio/kernel';
import { runInThread } from '@curio/workers';
import { beforeAll, expect, test } from 'vitest';
import { fetchFib } from '../src/blocking-thread.js';
import { buildExamples } from './child.js';
import { expectResponsiveKid } from './responsive-kid.js';

beforeAll(buildExamples, 60_000);

test('blocking-thread: fetchFib answers like fib, in a thread too', async () => {
  expect([0, 1, 2, 5, 10].map(fetchFib)).toEqual([1, 1, 2, 8, 89]);
  expect(await run(() => runInThread(fetchFib, 10))).toBe(89);
});

test('blocking-thread: the kernel stays responsive; cancelling stops the thread', async () => {
  await expectResponsiveKid('blocking-thread');
});
