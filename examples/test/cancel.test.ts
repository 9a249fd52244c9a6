// "Tasks": the parent waits 10 seconds for the kid, then cancels them; the kid saves their work.
import { expect, test } from 'vitest';
import { main } from '../src/cancel.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test("cancel: 'I warned you!' and 'Fine. Saving my work.'", async () => {
  const out = captureOutput();
  await runVirtual(main);
  expect(out.lines).toEqual(
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
I warned you!
Fine. Saving my work.
Leaving!
`),
  );
  // "We're leaving!" at 15 s, then 10 seconds of patience.
  expect(out.printed.slice(-4).map((p) => p.at)).toEqual([15, 25, 25, 25]);
});
