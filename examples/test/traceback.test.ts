// "Tasks": after 10 seconds the parent asks 'Where are you???', prints the kid's traceback
// (where the kid is stuck: `await sleep(1000)` in `kid`) and quits.
import { expect, test } from 'vitest';
import { main } from '../src/traceback.js';
import { captureOutput, runVirtualWith, transcript } from './helpers.js';

test("traceback: 'Where are you???' and where the kid is", async () => {
  const out = captureOutput();
  await runVirtualWith({ tracebacks: true }, main);
  const where = out.lines.indexOf('Where are you???');
  expect(out.lines.slice(0, where + 1)).toEqual(
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
Where are you???
`),
  );
  // Curio prints the kid's stack, most recent call last, ending at the kid's sleep.
  const traceback = out.lines.slice(where + 1).join('\n');
  expect(traceback).toMatch(
    /^Stack for Task\(id=\d+, name='kid', state='TIME_SLEEP'\) \(most recent call last\):/,
  );
  expect(traceback).toMatch(/in kid$/m);
  expect(traceback).toMatch(/File ".*tasks\.ts", line \d+, in kid/);
  expect(out.lines).not.toContain('Leaving!');
});
