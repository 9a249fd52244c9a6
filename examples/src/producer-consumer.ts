// producer-consumer.ts — "Intertask Communication" (the older tutorial): a producer puts ten
// items on a queue and waits until all are processed; a consumer takes and marks them done.
//
//   pnpm example producer-consumer
import { run, spawn } from '@curio/kernel';
import { Queue } from '@curio/sync';
import { isMain } from './support/is-main.js';

async function producer(queue: Queue<number>): Promise<void> {
  for (let n = 0; n < 10; n++) {
    await queue.put(n);
  }
  await queue.join();
  console.log('Producer done');
}

async function consumer(queue: Queue<number>): Promise<void> {
  while (true) {
    const item = await queue.get();
    console.log('Consumer got', item);
    await queue.taskDone();
  }
}

export async function main(): Promise<void> {
  const q = new Queue<number>();
  const prodTask = await spawn(producer, q);
  const consTask = await spawn(consumer, q);
  await prodTask.join();
  await consTask.cancel();
}

if (isMain(import.meta)) {
  await run(main);
}
