// Shared helpers for the examples' tests: capture what an example prints, run it on virtual
// time, and write transcripts the way the tutorial shows them.
import { format } from 'node:util';
import { clock, currentTask, type KernelOptions, MockClock, run } from '@curio/kernel';
import { afterEach, vi } from 'vitest';

/** One printed line and the kernel clock when it was printed (`undefined` outside a task). */
export interface Printed {
  line: string;
  at: number | undefined;
}

/**
 * Capture `console.log` for the rest of the test: the returned array fills with the printed
 * lines (as `console.log` would format them; a print holding newlines gives several lines).
 */
export function captureOutput(): { lines: string[]; printed: Printed[] } {
  const lines: string[] = [];
  const printed: Printed[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const at = insideTask() ? clock() : undefined;
    for (const line of format(...args).split('\n')) {
      lines.push(line);
      printed.push({ line, at });
    }
  });
  return { lines, printed };
}

afterEach(() => {
  vi.restoreAllMocks();
});

function insideTask(): boolean {
  try {
    currentTask();
    return true;
  } catch {
    return false;
  }
}

/** A transcript as the tutorial prints it: one line per line, surrounding blank lines dropped. */
export function transcript(text: string): string[] {
  return text.replace(/^\n+|\n\s*$/g, '').split('\n');
}

/** Run `fn(...args)` as the main task of a kernel on an auto-jumping virtual clock. */
export function runVirtual<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  ...args: A
): Promise<R> {
  return run({ clock: new MockClock({ autojump: true }) }, fn, ...args);
}

/** Like {@link runVirtual} with extra kernel options. */
export function runVirtualWith<A extends unknown[], R>(
  options: KernelOptions,
  fn: (...args: A) => R | Promise<R>,
  ...args: A
): Promise<R> {
  return run({ clock: new MockClock({ autojump: true }), ...options }, fn, ...args);
}

/**
 * Seconds of virtual time a {@link runTicking} clock moves at each turn of Node's event loop.
 * Not a divisor of one second: as under real time, a task woken at a deadline wakes a little
 * late, so deadlines set from different wake-ups do not coincide (see nagging.test.ts). A
 * binary fraction, so the arithmetic — and the test — is exact.
 */
export const TICK = 0.1875;

/**
 * Run `fn(...args)` on a virtual clock that moves {@link TICK} seconds at every turn of the
 * event loop: a real clock sped up, lateness included. Use it where a program's output
 * depends on the small delays of real time; {@link runVirtual} jumps exactly to each deadline.
 */
export async function runTicking<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  ...args: A
): Promise<R> {
  const clock = new MockClock();
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    clock.advance(TICK);
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return await run({ clock }, fn, ...args);
  } finally {
    ticking = false;
  }
}
