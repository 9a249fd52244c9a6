// traceback.ts — "Tasks": the parent waits 10 seconds for the kid, then prints where the kid
// is stuck and quits.
//
//   pnpm example traceback
import { run, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';
import { kid } from './tasks.js';

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
    console.log('Where are you???');
    console.log(kidTask.traceback());
    return; // Python raises SystemExit; returning ends run(), which cancels the kid
  }
  console.log('Leaving!');
}

export { kid };
export const main = parent;

if (isMain(import.meta)) {
  await run({ tracebacks: true }, parent);
}
