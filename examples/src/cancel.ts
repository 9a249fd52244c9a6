// cancel.ts — "Tasks": the parent gives the kid 10 seconds, then cancels them; the kid catches
// the cancellation to save their work, and lets it go on.
//
//   pnpm example cancel
import { CancelledError, run, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';

export async function kid(): Promise<void> {
  try {
    console.log('Building the Millenium Falcon in Minecraft');
    await sleep(1000);
  } catch (err) {
    if (err instanceof CancelledError) console.log('Fine. Saving my work.');
    throw err;
  }
}

export async function parent(): Promise<void> {
  const kidTask = await spawn(kid);
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
