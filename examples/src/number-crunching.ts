// number-crunching.ts — "Number Crunching and Blocking Operations": a kid who computes
// Fibonacci numbers the slow way never gives the kernel back. The friends never get to say
// hi, Ctrl-C is not even noticed: curio does not preempt a task that never blocks.
// (Don't do that: run the work in a worker, as number-crunching-process does.) The monitor still
// answers: run it with CURIOMONITOR=1, then `pnpm monitor` shows the kid RUNNING and where.
//
//   pnpm example number-crunching   (hangs; stop it with kill -9 from another terminal)
import {
  CancelledError,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { Event, SignalEvent } from '@curio/sync';
import { run } from 'curio';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';
import { friend } from './task-group.js';

export const startEvt = new Event();

export function fib(n: number): number {
  if (n < 2) {
    return 1;
  } else {
    return fib(n - 1) + fib(n - 2);
  }
}

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
      // biome-ignore lint/correctness/noUnusedVariables: the kid never gets that far anyway
      let total = 0;
      for (let n = 0; n < 50; n++) {
        total += fib(n);
      }
    } catch (err) {
      if (err instanceof CancelledError) console.log('Fine. Saving my work.');
      throw err;
    }
  });
}

// The kid is a parameter so that the variants of the kid below (in a process, in a thread)
// play with the same parent.
export async function parent(kidFn: () => Promise<void> = kid): Promise<void> {
  using goodbye = new SignalEvent('SIGINT', 'SIGTERM');

  const kidTask = await spawn(kidFn);
  await sleep(5);

  console.log('Yes, go play');
  await startEvt.set();

  await goodbye.wait();

  console.log("Let's go");
  const countTask = await spawn(countdown, 10);
  await countTask.join();
  console.log("We're leaving!");
  try {
    await timeoutAfter(10, () => kidTask.join());
  } catch (err) {
    if (!(err instanceof TaskTimeout)) throw err;
    console.log('I warned you!');
    await kidTask.cancel();
  }
  console.log('Leaving!');
}

export const main = parent;

if (isMain(import.meta)) {
  await run(parent);
}
