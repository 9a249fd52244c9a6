// Cost per task as the number of tasks grows: a check that bulk operations stay linear
// (a per-task cost that grows with N means something is quadratic).
//   node --expose-gc bench/scaling.mjs [dist=../dist] [sizes=10000,40000,160000]
// Build first (`pnpm --filter @curio/kernel build`). Each cell is the best of 3 runs, in µs
// per task, wall clock. Workloads:
// - group, join each:  N members of one TaskGroup, spawned, then each joined in spawn order
// - group, iterate:    N members, then `for await (const t of group)` until none is left
// - group, wait all:   N members, left to the group's join at the end of withTaskGroup
// - shutdown waiters:  N daemon tasks blocked on one WaitQueue when run() ends; the kernel
//                      cancels them newest first, each leaving the queue
// - timeouts in order: N tasks blocked on one WaitQueue under the same timeout (virtual
//                      clock), which expires for all at once, oldest first, each leaving
//                      the queue
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [distArg, sizesArg] = process.argv.slice(2);
const dist = distArg ?? new URL('../dist', import.meta.url).pathname;
const sizes = (sizesArg ?? '10000,40000,160000').split(',').map(Number);
const { run, spawn, sleep, timeoutAfter, withTaskGroup, WaitQueue, MockClock } = await import(
  pathToFileURL(`${dist}/index.js`).href
);

const leaf = async () => 1;

const workloads = {
  'group, join each': (n) =>
    run(() =>
      withTaskGroup(async (g) => {
        const tasks = [];
        for (let i = 0; i < n; i++) tasks.push(await g.spawn(leaf));
        for (const t of tasks) await t.join();
      }),
    ),
  'group, iterate': (n) =>
    run(() =>
      withTaskGroup(async (g) => {
        for (let i = 0; i < n; i++) await g.spawn(leaf);
        let seen = 0;
        for await (const _ of g) seen++;
        if (seen !== n) throw new Error(`iterated ${seen} of ${n}`);
      }),
    ),
  'group, wait all': (n) =>
    run(() =>
      withTaskGroup(async (g) => {
        for (let i = 0; i < n; i++) await g.spawn(leaf);
      }),
    ),
  'shutdown waiters': (n) =>
    run(async () => {
      const queue = new WaitQueue();
      const wait = () => queue.wait('EVENT_WAIT');
      for (let i = 0; i < n; i++) await spawn({ daemon: true }, wait);
      await sleep(0);
    }),
  'timeouts in order': (n) =>
    run({ clock: new MockClock({ autojump: true }) }, async () => {
      const queue = new WaitQueue();
      const tasks = [];
      const waitAtMostOneSecond = async () => {
        try {
          await timeoutAfter(1, () => queue.wait('EVENT_WAIT'));
        } catch {
          // expected: every wait times out
        }
      };
      for (let i = 0; i < n; i++) tasks.push(await spawn(waitAtMostOneSecond));
      for (const t of tasks) await t.join();
    }),
};

const header = ['workload', ...sizes.map((n) => `N=${n}`)];
console.log(`node ${process.version}, ${dist}: µs per task (best of 3)`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const [name, fn] of Object.entries(workloads)) {
  const cells = [];
  for (const n of sizes) {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      globalThis.gc?.();
      const t0 = performance.now();
      await fn(n);
      best = Math.min(best, performance.now() - t0);
    }
    cells.push(((best * 1000) / n).toFixed(2));
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
