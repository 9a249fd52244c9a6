// "Task Groups": cancelling the kid cancels the friends in the group; they go home in the order
// they came (Max, Lillian, Thomas) before the kid's block ends and the parent leaves.
import { expect, test } from 'vitest';
import { main } from '../src/task-group.js';
import { captureOutput, runVirtual, transcript } from './helpers.js';

test('task-group: all the friends go home, in the order they came', async () => {
  const out = captureOutput();
  await runVirtual(main);
  expect(out.lines).toEqual(
    transcript(`
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
});
