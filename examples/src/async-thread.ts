// async-thread.ts — "Curiouser and Curiouser": asyncThread() turns the blocking fib into a
// function that, awaited in a task, runs in a worker thread — and called from ordinary code
// outside the kernel, simply runs.
//
//   pnpm example async-thread          (Ctrl-C to stop)
//   pnpm example async-thread direct   (calls fib(5) outside any kernel: prints 8)
import { CancelledError, TaskTimeout, timeoutAfter, withTaskGroup } from '@curio/kernel';
import { asyncThread } from '@curio/workers';
import { run } from 'curio';
import { fetchFib } from './blocking-thread.js';
import { parent, startEvt } from './number-crunching.js';
import { isMain } from './support/is-main.js';
import { friend } from './task-group.js';

export const fib = asyncThread(fetchFib);

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
        total += await fib(n);
      }
    } catch (err) {
      if (err instanceof CancelledError) console.log('Fine. Saving my work.');
      throw err;
    }
  });
}

export const main = (): Promise<void> => parent(kid);

if (isMain(import.meta)) {
  if (process.argv[2] === 'direct') {
    console.log(fib(5));
  } else {
    await run(main);
  }
}
