// signals.ts — "Signals": the kid and friends play until Ctrl-C (or SIGTERM) arrives; a
// SignalEvent turns the signal into an orderly shutdown — countdown, warning, everyone home.
// Hitting Ctrl-C again during the shutdown changes nothing: the event is already set.
//
//   pnpm example signals        (then Ctrl-C)
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
