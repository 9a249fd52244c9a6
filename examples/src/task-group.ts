// task-group.ts — "Task Groups": the kid invites friends over. When the parent cancels the
// kid, the task group cancels every friend before the kid's block ends.
//
//   pnpm example task-group
import {
  CancelledError,
  run,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';

export async function friend(name: string): Promise<void> {
  console.log('Hi, my name is', name);
  console.log('Playing Minecraft');
  try {
    await sleep(1000);
  } catch (err) {
    if (err instanceof CancelledError) console.log(name, 'going home');
    throw err;
  }
}

export async function kid(): Promise<void> {
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
