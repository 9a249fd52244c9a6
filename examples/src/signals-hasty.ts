// signals-hasty.ts — "Signals": the same program, but the parent closes the SignalEvent once
// it has fired. The first Ctrl-C starts the orderly shutdown; a second one reaches the kernel,
// which cancels every task at once: friends, kid and parent make a hasty exit.
//
//   pnpm example signals-hasty  (then Ctrl-C twice)
import { run, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { SignalEvent } from '@curio/sync';
import { countdown } from './hello.js';
import { kid, startEvt } from './nagging.js';
import { isMain } from './support/is-main.js';

export async function parent(): Promise<void> {
  using goodbye = new SignalEvent('SIGINT', 'SIGTERM');

  const kidTask = await spawn(kid);
  await sleep(5);

  console.log('Yes, go play');
  await startEvt.set();

  await goodbye.wait();
  goodbye.close(); // Removes the Control-C handler

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

export { kid };
export const main = parent;

if (isMain(import.meta)) {
  await run(parent);
}
