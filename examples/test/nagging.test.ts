// "Task Synchronization": the kid nags every second — 'Can I play?', 'Wha!?!' — until the
// parent says yes after 5 seconds, then the usual shutdown sequence follows.
//
// The older tutorial shows the real-time transcript: four 'Wha!?!', then 'Yes, go play'
// answers the fifth 'Can I play?'. On a clock that jumps exactly to each deadline the kid's
// fifth timeout (set at 4 s for 1 s) and the parent's sleep(5) end at the very same instant,
// and the kernel delivers both before either task runs: a fifth 'Wha!?!', after which the kid
// finds the event set. Under real time every wake-up is a little late, so the kid's deadline
// falls after the parent's and the parent wins; a clock that ticks in steps, like a real one,
// shows that.
import { beforeEach, expect, test, vi } from 'vitest';
import { captureOutput, runTicking, runVirtual, transcript } from './helpers.js';

// The program keeps its Event in a module variable, as the tutorial does: each test loads a
// fresh copy of the module.
let main: typeof import('../src/nagging.js').main;
beforeEach(async () => {
  vi.resetModules();
  ({ main } = await import('../src/nagging.js'));
});

const shutdown = transcript(`
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
`);

test('nagging: on a ticking clock the kid asks five times, the fifth is answered', async () => {
  const out = captureOutput();
  await runTicking(main);
  expect(out.lines).toEqual([
    ...transcript(`
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
`),
    ...shutdown,
  ]);
});

test('nagging: on a jumping clock the fifth timeout ties with the parent and fires too', async () => {
  const out = captureOutput();
  await runVirtual(main);
  expect(out.lines).toEqual([
    ...transcript(`
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
Wha!?!
Can I play?
`),
    ...shutdown,
  ]);
  expect(out.printed.slice(0, 12).map((p) => p.at)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5]);
});
