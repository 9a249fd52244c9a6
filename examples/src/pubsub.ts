// pubsub.ts — "Intertask Communication": a little publish-subscribe service built from a
// queue, a dispatcher task and a publish function.
//
//   pnpm example pubsub
import { run, sleep, withTaskGroup } from '@curio/kernel';
import { Queue } from '@curio/sync';
import { isMain } from './support/is-main.js';

const messages = new Queue<number>();
const subscribers = new Set<Queue<number>>();

// Dispatch task that forwards incoming messages to subscribers
async function dispatcher(): Promise<void> {
  for await (const msg of messages) {
    for (const q of [...subscribers]) {
      await q.put(msg);
    }
  }
}

// Publish a message
async function publish(msg: number): Promise<void> {
  await messages.put(msg);
}

// A sample subscriber task
async function subscriber(name: string): Promise<void> {
  const queue = new Queue<number>();
  subscribers.add(queue);
  try {
    for await (const msg of queue) {
      console.log(name, 'got', msg);
    }
  } finally {
    subscribers.delete(queue);
  }
}

// A sample producer task
async function producer(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await publish(i);
    await sleep(0.1);
  }
}

export async function main(): Promise<void> {
  await withTaskGroup(async (g) => {
    await g.spawn(dispatcher);
    await g.spawn(subscriber, 'child1');
    await g.spawn(subscriber, 'child2');
    await g.spawn(subscriber, 'child3');
    const ptask = await g.spawn(producer);
    await ptask.join();
    await g.cancelRemaining();
  });
}

if (isMain(import.meta)) {
  await run(main);
}
