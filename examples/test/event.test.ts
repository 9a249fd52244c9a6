// "Task Synchronization": the kid asks, waits on the Event until the parent says yes, then plays
// with the friends until the parent's usual shutdown sequence. (The tutorial shows no
// transcript here; this is the task-group transcript with the two new lines.)
import { expect, test } from 'vitest';
import { main } from '../src/event.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test('event: the kid waits for permission to play', async () => {
  const out = captureOutput();
  await runVirtual(main);
  expect(out.lines).toEqual(
    transcript(`
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
  // Permission comes after 5 seconds, the countdown starts 5 seconds later.
  expect(out.printed.find((p) => p.line === 'Building the Millenium Falcon in Minecraft')?.at).toBe(
    5,
  );
  expect(out.printed.find((p) => p.line === "Let's go")?.at).toBe(10);
});
