// Shared helpers for the @curio/subprocess tests: a kernel per test, and child processes
// written as small Node scripts (this Node binary), so the tests need no other programs
// beyond /bin/sh.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { run } from '@curio/kernel';

/** Run `fn` as the main task of a fresh kernel (SIGINT left to Node). */
export const runSub = <R>(fn: () => Promise<R>): Promise<R> => run({ signals: 'default' }, fn);

/** The arguments that run `code` with this Node binary. */
export const node = (code: string): string[] => [process.execPath, '-e', code];

/** What `fn` threw (fails the test if it did not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

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
