// nagging.ts — "Task Synchronization": every blocking operation can take a timeout, so the
// kid nags — asks again every second — until the parent says yes.
//
//   pnpm example nagging
import {
  CancelledError,
  run,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { Event } from '@curio/sync';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';
import { friend } from './task-group.js';

export const startEvt = new Event();

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
      await sleep(1000);
    } catch (err) {
      if (err instanceof CancelledError) console.log('Fine. Saving my work.');
      throw err;
    }
  });
}

export async function parent(): Promise<void> {
  const kidTask = await spawn(kid);
  await sleep(5);

  console.log('Yes, go play');
  await startEvt.set();
  await sleep(5);

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
