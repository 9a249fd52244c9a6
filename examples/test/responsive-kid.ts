// The three cures of "Number Crunching and Blocking Operations" (the kid's work in a process,
// in a thread, or through asyncThread) must behave the same: the kernel stays responsive, so
// the friends play, Ctrl-C starts the orderly shutdown, and the kid is cancelled in the middle
// of its work. Each runs as a child process on the sped-up clock of fixtures/ticking.mjs.
import { expect } from 'vitest';
import { runTickingExample } from './child.js';
import { nagging, orderlyShutdown, playing } from './signal-transcripts.js';

export async function expectResponsiveKid(example: string): Promise<void> {
  const p = runTickingExample(example);
  try {
    await p.waitFor('Playing Minecraft', 3);
    p.kill('SIGINT'); // ^C: the parent's SignalEvent hears it, the kid's work goes on
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toEqual([...nagging, ...playing, ...orderlyShutdown]);
    expect(p.stderr).toBe('');
  } finally {
    await p.stop();
  }
}
