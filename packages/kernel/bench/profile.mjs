// Run one workload of one implementation (default curio) over and over for a few seconds,
// to profile it without the rest of the suite:
//   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs eventSwitch [seconds] [impl]
// Workloads: spawnJoin, yieldSwitch, eventSwitch, waitQueueSwitch, cancelWait, idleMemory.
import process from 'node:process';
import { median, now, workloads } from './workloads.mjs';

const [key = 'eventSwitch', seconds = '3', impl = 'curio'] = process.argv.slice(2);
const w = workloads().find((x) => x.key === key);
if (!w?.impls[impl]) {
  console.error(`no workload ${key} for ${impl}`);
  process.exit(2);
}
const fn = w.impls[impl];
const n = w.n === 'auto' ? 200_000 : typeof w.n === 'number' ? w.n : (w.n[impl] ?? w.n.default);
const perOp = [];
const end = now() + Number(seconds) * 1000;
while (now() < end) {
  const m = await fn(n);
  perOp.push(m.bytes !== undefined ? m.bytes / n : (m.ms / n) * (w.unit === 'ns' ? 1e6 : 1e3));
}
console.log(
  `${impl} ${key}: median ${median(perOp).toFixed(2)} ${w.unit}, min ${Math.min(...perOp).toFixed(2)} ${w.unit}, ${perOp.length} samples of n=${n}`,
);
