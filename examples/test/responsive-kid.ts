// The three cures of "Number Crunching and Blocking Operations" (the kid's work in a process,
// in a thread, or through asyncThread) must behave the same: the kernel stays responsive, so
// the friends play, Ctrl-C starts the orderly shutdown, and the kid is cancelled in the middle
// of its work. Each runs as a child process on the sped-up clock of fixtures/ticking.mjs.
import { expect } from 'vitest';
import { runTickingExample } from './child.js';
import { transcript } from './helpers.js';

export async function expectResponsiveKid(example: string): Promise<void> {
  const p = runTickingExample(example);
  try {
    await p.waitFor('Playing Minecraft', 3);
    p.kill('SIGINT'); // ^C: the parent's SignalEvent hears it, the kid's work goes on
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toEqual(
      transcript(`
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Yes, go play
Building the Millenium Falcon in Minecraft
Hi, my name is Max
Playing Minecraft
Hi, my name is Lillian
Playing Minecraft
Hi, my name is Thomas
Playing Minecraft
Let's go
T-minus 10
T-minus 9
T-minus 8
T-minus 7
T-minus 6
T-minus 5
T-minus 4
T-minus 3
T-minus 2
T-minus 1
We're leaving!
I warned you!
Fine. Saving my work.
Max going home
Lillian going home
Thomas going home
Leaving!
`),
    );
    expect(p.stderr).toBe('');
  } finally {
    await p.stop();
  }
}
