// tasks.ts — "Tasks": a parent spawns a kid and a countdown, then joins them. The kid is busy
// for the next 1000 seconds, so after "We're leaving!" the program appears to hang.
//
//   pnpm example tasks
import { run, sleep, spawn } from '@curio/kernel';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';

export async function kid(): Promise<void> {
  console.log('Building the Millenium Falcon in Minecraft');
  await sleep(1000);
}

export async function parent(): Promise<void> {
  const kidTask = await spawn(kid);
  await sleep(5);

  console.log("Let's go");
  const countTask = await spawn(countdown, 10);
  await countTask.join();

  console.log("We're leaving!");
  await kidTask.join();
  console.log('Leaving');
}

export const main = parent;

if (isMain(import.meta)) {
  await run(parent);
}
