// monitor.ts — "Tasks", run with the monitor: the same parent and kid as tasks.ts. Connect
// with `curio-monitor` from another terminal, `ps`, `where 3`, then `cancel 3` the kid, and
// the parent's join() fails with a TaskError whose cause is the kid's TaskCancelled.
//
//   pnpm example monitor          (then, in another terminal: pnpm monitor)
import { run } from 'curio';
import { isMain } from './support/is-main.js';
import { parent } from './tasks.js';

export { kid, parent } from './tasks.js';
export const main = parent;

if (isMain(import.meta)) {
  await run({ withMonitor: true }, parent);
}
