// hello.ts — "Getting Started": one task that prints a countdown while you wait for your kid
// to put their shoes on.
//
//   pnpm example hello
import { run, sleep } from '@curio/kernel';
import { isMain } from './support/is-main.js';

export async function countdown(n: number): Promise<void> {
  while (n > 0) {
    console.log('T-minus', n);
    await sleep(1);
    n--;
  }
}

export const main = countdown;

if (isMain(import.meta)) {
  await run(countdown, 10);
}
