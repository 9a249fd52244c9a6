// blocking-thread.ts — "Number Crunching and Blocking Operations": the kid now asks a web
// service for each Fibonacci number with a library call that blocks (Python's requests.get).
// runInThread() moves each call to a worker thread, so the kernel stays responsive.
//
//   pnpm example blocking-thread   (Ctrl-C to stop)
import { CancelledError, TaskTimeout, timeoutAfter, withTaskGroup } from '@curio/kernel';
import { runInThread } from '@curio/workers';
import { run } from 'curio';
import { parent, startEvt } from './number-crunching.js';
import { isMain } from './support/is-main.js';
import { friend } from './task-group.js';

/**
 * Stands in for `requests.get(f'http://www.dabeaz.com/cgi-bin/fib.py?n={n}').json()`: a call
 * that blocks its thread while it waits (20 ms here) for the answer. It is sent to the worker
 * as source text, so it uses nothing from outside its own body.
 */
export function fetchFib(n: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  let [a, b] = [1, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
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
      // biome-ignore lint/correctness/noUnusedVariables: the kid is cancelled before the end
      let total = 0;
      for (let n = 0; n < 50; n++) {
        total += await runInThread(fetchFib, n);
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
