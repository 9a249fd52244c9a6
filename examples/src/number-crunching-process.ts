// number-crunching-process.ts — "Number Crunching and Blocking Operations", the cure: the kid
// computes each Fibonacci number in a worker process with runInProcess(). The kernel stays
// responsive: the friends play, Ctrl-C starts the shutdown, and cancelling the kid kills the
// process in the middle of a computation.
//
//   pnpm example number-crunching-process   (Ctrl-C to stop)
import { CancelledError, TaskTimeout, timeoutAfter, withTaskGroup } from '@curio/kernel';
import { runInProcess } from '@curio/workers';
import { run } from 'curio';
import { fib, parent, startEvt } from './number-crunching.js';
import { isMain } from './support/is-main.js';
import { friend } from './task-group.js';

export async function kid(): Promise<void> {
  while (true) {
    try {
      console.log('Can I play?');
      await timeoutAfter(1, () => startEvt.wait());
      break;
    } catch (err) {
      if (!(err instanceof TaskTimeout)) throw err;
      console.log('Wha!?!');
    }
  }

  console.log('Building the Millenium Falcon in Minecraft');
  await withTaskGroup(async (f) => {
    await f.spawn(friend, 'Max');
    await f.spawn(friend, 'Lillian');
    await f.spawn(friend, 'Thomas');
    try {
      // biome-ignore lint/correctness/noUnusedVariables: the kid is cancelled before the end
      let total = 0;
      for (let n = 0; n < 50; n++) {
        total += await runInProcess(fib, n);
      }
    } catch (err) {
      if (err instanceof CancelledError) console.log('Fine. Saving my work.');
      throw err;
    }
  });
}

export const main = (): Promise<void> => parent(kid);

if (isMain(import.meta)) {
  await run(main);
}
