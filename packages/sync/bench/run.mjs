// Benchmarks of @curio/sync against the same workloads on plain promises, Effection 4 and
// Effect, measured in the same run (workloads.mjs describes them).
//
//   node --expose-gc bench/run.mjs [--quick] [--runs N] [--samples N] [--json out.json]
//
// Build first (`pnpm --filter @curio/sync... build`): this imports ../dist/index.js.
// Harness: each implementation runs in its own child process (so one library's JIT and GC
// state cannot slow another's), and the runs are interleaved: run 1 of every implementation,
// then run 2, ... In a child, tinybench times each workload: 1 warm-up sample, then
// `--samples` samples, each preceded by a full GC; the child reports the median. The table
// shows, per workload and implementation, the median over `--runs` runs, and the ratio to
// Effect.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { IMPL_TITLES, IMPLS, WORKLOADS } from './workloads.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const QUICK = args.includes('--quick');
const RUNS = Number(option('--runs', QUICK ? 1 : 3));
const SAMPLES = Number(option('--samples', QUICK ? 3 : 5));
const CHILD = option('--child', undefined);
const JSON_OUT = option('--json', undefined);

if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc: node --expose-gc bench/run.mjs');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** In a child: time every workload `impl` implements; print `{ key: µs per op }` as JSON. */
async function child(impl) {
  const bench = new Bench({
    time: 0,
    iterations: SAMPLES,
    warmupTime: 0,
    warmupIterations: 1,
    throws: true,
  });
  const sizes = {};
  for (const w of WORKLOADS) {
    const fn = w.impls[impl];
    if (fn === undefined) continue;
    const n = (w.itemsFor?.[impl] ?? w.items)(QUICK);
    sizes[w.key] = n;
    bench.add(
      w.key,
      async () => {
        const r = await fn(n);
        if (!w.check(n, r)) throw new Error(`${impl} ${w.key}: wrong result ${r}`);
      },
      {
        beforeEach: () => {
          globalThis.gc();
          globalThis.gc();
        },
      },
    );
  }
  await bench.run();
  const out = {};
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed')
      throw new Error(`${impl} ${task.name}: ${r.state} ${r.error ?? ''}`);
    out[task.name] = (r.latency.p50 * 1000) / sizes[task.name]; // ms per sample → µs per op
  }
  process.stdout.write(JSON.stringify(out));
}

function fmt(v) {
  if (v === undefined) return '—';
  return v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

async function parent() {
  const self = fileURLToPath(import.meta.url);
  const passOn = [...(QUICK ? ['--quick'] : []), '--samples', String(SAMPLES)];
  const runs = Object.fromEntries(IMPLS.map((impl) => [impl, []]));
  for (let run = 1; run <= RUNS; run++) {
    for (const impl of IMPLS) {
      process.stderr.write(`run ${run}/${RUNS}: ${IMPL_TITLES[impl]}...\n`);
      const stdout = execFileSync(
        process.execPath,
        ['--expose-gc', self, '--child', impl, ...passOn],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      runs[impl].push(JSON.parse(stdout));
    }
  }
  const results = {};
  for (const w of WORKLOADS) {
    results[w.key] = {};
    for (const impl of IMPLS) {
      const values = runs[impl].map((r) => r[w.key]).filter((v) => v !== undefined);
      if (values.length > 0) results[w.key][impl] = { median: median(values), runs: values };
    }
  }
  const env = {
    node: process.versions.node,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
  };
  const lines = [
    `Node ${env.node} (${env.platform}); median of ${RUNS} run(s) × ${SAMPLES} samples; ratio = / Effect`,
    '',
    `| workload | ${IMPLS.map((k) => IMPL_TITLES[k]).join(' | ')} |`,
    `|---|${IMPLS.map(() => '---').join('|')}|`,
  ];
  for (const w of WORKLOADS) {
    const r = results[w.key];
    const base = r.effect?.median;
    const cells = IMPLS.map((impl) => {
      const v = r[impl]?.median;
      if (v === undefined) return 'n/a';
      if (impl === 'effect' || base === undefined) return `${fmt(v)}`;
      return `${fmt(v)} (${(v / base).toFixed(2)}×)`;
    });
    lines.push(`| ${w.title} (${w.unit}) | ${cells.join(' | ')} |`);
  }
  console.log(lines.join('\n'));
  if (JSON_OUT) {
    writeFileSync(
      JSON_OUT,
      `${JSON.stringify({ env, runs: RUNS, samples: SAMPLES, quick: QUICK, results }, null, 2)}\n`,
    );
  }
}

if (CHILD) await child(CHILD);
else await parent();
