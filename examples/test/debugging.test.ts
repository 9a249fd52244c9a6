// "Debugging Tips": `run({ debug: schedtrace() }, countdown, 3)` logs the countdown task's
// life: created, then run and suspended once per sleep, then terminated.
import { MockClock, run, schedtrace } from '@curio/kernel';
import { expect, test, vi } from 'vitest';
import { main } from '../src/debugging.js';
import { captureOutput } from './helpers.js';

test('debugging: schedtrace logs every scheduling step of the countdown', async () => {
  const out = captureOutput();
  const trace: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: string) => {
    trace.push(line);
  });
  // The example's run line, on a virtual clock.
  await run({ debug: schedtrace(), clock: new MockClock({ autojump: true }) }, main, 3);
  expect(out.lines).toEqual(['T-minus 3', 'T-minus 2', 'T-minus 1']);
  const task = (state: string) => `Task(id=1, name='countdown', state='${state}')`;
  expect(trace).toEqual([
    `CREATE: ${task('READY')}`,
    `RUN: ${task('RUNNING')}`,
    `SUSPEND: ${task('TIME_SLEEP')}`,
    `RUN: ${task('RUNNING')}`,
    `SUSPEND: ${task('TIME_SLEEP')}`,
    `RUN: ${task('RUNNING')}`,
    `SUSPEND: ${task('TIME_SLEEP')}`,
    `RUN: ${task('RUNNING')}`,
    `SUSPEND: ${task('TERMINATED')}`,
    `TERMINATED: ${task('TERMINATED')}`,
  ]);
});
