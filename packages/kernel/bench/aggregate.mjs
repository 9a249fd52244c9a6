// Median of several `run.mjs --json` outputs, one table per Node major version.
//   node bench/aggregate.mjs out/*.json
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { table, targets } from './report.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/aggregate.mjs run1.json run2.json ...');
  process.exit(2);
}
const byNode = new Map();
for (const file of files) {
  const run = JSON.parse(readFileSync(file, 'utf8'));
  const major = run.env.node.replace(/^v/, '').split('.')[0];
  if (!byNode.has(major)) byNode.set(major, []);
  byNode.get(major).push(run);
}
for (const [major, runs] of [...byNode].sort()) {
  const { env, workloads } = runs[0];
  const merged = {};
  for (const w of workloads) {
    for (const run of runs) {
      for (const [impl, r] of Object.entries(run.results[w.key] ?? {})) {
        ((merged[w.key] ??= {})[impl] ??= { values: [], n: r.n }).values.push(r.median);
      }
    }
  }
  for (const byImpl of Object.values(merged)) {
    for (const r of Object.values(byImpl)) r.median = median(r.values);
  }
  console.log(
    `### Node ${major} (${env.node}; Effection ${env.effection}, Effect ${env.effect}) — median of ${runs.length} run(s), each the median of ${env.samples} samples, ${env.clock ?? 'wall'} time\n`,
  );
  console.log(table(workloads, merged));
  console.log(`\nTargets:\n${targets(merged)}\n`);
}
