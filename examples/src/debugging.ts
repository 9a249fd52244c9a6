// debugging.ts — "Debugging Tips": the countdown with the scheduler traced. schedtrace() logs
// every task creation, run, suspension and termination; traptrace() every blocking operation.
//
//   pnpm example debugging              (scheduler trace, on stderr)
//   pnpm example debugging traptrace    (trap trace)
import { run, schedtrace, traptrace } from '@curio/kernel';
import { countdown } from './hello.js';
import { isMain } from './support/is-main.js';

export const main = countdown;

if (isMain(import.meta)) {
  if (process.argv[2] === 'traptrace') {
    await run({ debug: traptrace() }, countdown, 3);
  } else {
    await run({ debug: schedtrace() }, countdown, 3);
  }
}
