// Shared helpers for the @curio/workers tests: a kernel per test, deterministic waits on
// conditions (never fixed sleeps), and shared memory the tests and workers both see.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { run, sleep } from '@curio/kernel';
import { setMaxWorkers } from '@curio/workers';
import { afterEach, expect } from 'vitest';
import { liveWorkerCount } from '../src/internal/worker-handle.js';

// The workspace leak check cannot see idle workers (they are unref'd): every test file that
// imports these helpers also checks that no worker outlived its kernel.
afterEach(() => {
  expect(liveWorkerCount(), 'workers left running after the test').toBe(0);
});

/** Run `fn` as the main task of a fresh kernel (SIGINT left to Node). */
export const runK = <R>(fn: () => Promise<R>): Promise<R> => run({ signals: 'default' }, fn);

/** What `fn` threw (fails the test if it did not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** Inside a task: poll `condition` until it holds (a few ms apart, at most 5 s). */
export async function waitUntil(condition: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(0.002);
  }
}

/** `n` shared 32-bit integers, all 0. */
export const sharedInts = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * n));

/** Whether process `pid` is gone (or a zombie nobody has reaped yet). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Tests that change the pool sizes get the defaults back afterwards. */
export function restoreMaxWorkersAfterEach(): void {
  const defaults = setMaxWorkers({});
  afterEach(() => {
    setMaxWorkers(defaults);
  });
}
