// "Tasks": the parent joins the countdown, then the kid, who is busy for 1000 seconds — the
// program "hangs" after "We're leaving!" until the kid is done.
import { expect, test } from 'vitest';
import { main } from '../src/tasks.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test('tasks: prints the transcript, then hangs on the kid', async () => {
  const out = captureOutput();
  await runVirtual(main);
  // The tutorial's transcript, up to ".... hangs ....".
  expect(out.lines.slice(0, -1)).toEqual(
    transcript(`
Building the Millenium Falcon in Minecraft
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
`),
  );
  // The hang: nothing more happens until the kid's 1000 seconds are up.
  const leaving = out.printed.at(-2)!;
  expect(leaving).toEqual({ line: "We're leaving!", at: 15 });
  expect(out.printed.at(-1)).toEqual({ line: 'Leaving', at: 1000 });
});
