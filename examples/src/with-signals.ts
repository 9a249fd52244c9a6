// with-signals.ts — "Signals" in the older tutorial: the kid nags until allowed to play, then
// plays until the parent gets a SIGHUP (`kill -HUP <pid>`, or `signal SIGHUP` in the monitor).
//
//   pnpm example with-signals   (then, from another terminal: kill -HUP <Parent PID>)
import { CancelledError, run, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { Event, SignalEvent } from '@curio/sync';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';

const startEvt = new Event();

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
  try {
    console.log('Building the Millenium Falcon in Minecraft');
    await sleep(1000);
  } catch (err) {
    if (err instanceof CancelledError) console.log('Fine. Saving my work.');
    throw err;
  }
}

export async function parent(): Promise<void> {
  console.log('Parent PID', process.pid);
  const kidTask = await spawn(kid);
  await sleep(5);

  console.log('Yes, go play');
  await startEvt.set();

  using hangup = new SignalEvent('SIGHUP');
  await hangup.wait();

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
