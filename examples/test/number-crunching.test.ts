// "Number Crunching and Blocking Operations": once the kid starts computing, nothing else
// runs — the friends never say hi, Ctrl-C goes unnoticed — until the process is killed.
// It runs in a child process (on the ticking clock of fixtures/ticking.mjs) so the test can
// kill it.
import { beforeAll, expect, test } from 'vitest';
import { fib } from '../src/number-crunching.js';
import { buildExamples, runTickingExample } from './child.js';

beforeAll(buildExamples, 60_000);

test('number-crunching: fib the slow way', () => {
  expect([0, 1, 2, 3, 4, 5, 10].map(fib)).toEqual([1, 1, 2, 3, 5, 8, 89]);
});

test('number-crunching: a task that never blocks holds the whole kernel', async () => {
  const p = runTickingExample('number-crunching');
  try {
    await p.waitFor('Building the Millenium Falcon in Minecraft');
    p.kill('SIGINT'); // Control-C: the SignalEvent never gets to see it
    await new Promise((resolve) => setTimeout(resolve, 100));
    p.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.lines.at(-1)).toBe('Building the Millenium Falcon in Minecraft');
    expect(p.lines).not.toContain('Hi, my name is Max');
    expect(p.lines).not.toContain("Let's go");
    p.kill('SIGKILL'); // curio > signal SIGKILL
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
  } finally {
    await p.stop();
  }
});
