// Benchmarks of @curio/kernel against the same workloads on plain promises/async functions,
// Effection 4 and Effect, all measured in the same run.
//
//   node --expose-gc bench/run.mjs [--quick] [--samples N] [--json out.json]
//                                  [--only workload,...] [--impls curio,plain,...]
//
// Build first (`pnpm --filter @curio/kernel build`): the workloads import ../dist/index.js.
//
// Harness. Each implementation runs in its own child process (on Node 20 AsyncLocalStorage,
// which the kernel uses for task identity, turns on promise hooks for the whole process and
// would slow every baseline measured next to it; the 'plain + ALS' column shows that tax).
// The children stay up for the whole run and are driven in lock step: for each workload every
// child warms up (switch workloads also size themselves to ~TARGET_MS per sample), then the
// parent asks each child in turn for one sample, round after round, so load spikes on a
// shared machine hit every implementation alike. The median sample is reported.

import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { fmt, IMPLS, table, targets } from './report.mjs';
import { clockName, gc, median, now, workloads } from './workloads.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const QUICK = flag('--quick');
// Options handed on to the per-implementation child processes.
const passThrough = QUICK ? ['--quick'] : [];
const SAMPLES = Number(option('--samples', QUICK ? 3 : 5));
const TARGET_MS = QUICK ? 60 : 150;
const JSON_OUT = option('--json', undefined);
const ONLY = option('--only', undefined)?.split(',');
const IMPLS_ONLY = option('--impls', undefined)?.split(','); // e.g. --impls curio for profiling

if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc: node --expose-gc bench/run.mjs');
  process.exit(2);
}

const WORKLOADS = workloads({ quick: QUICK });

/** Per-op value in the workload's unit. */
function perOp(unit, n, m) {
  if (unit === 'B') return m.bytes / n;
  const msPerOp = m.ms / n;
  return unit === 'µs' ? msPerOp * 1e3 : msPerOp * 1e6;
}

/** Pick n so one sample takes about TARGET_MS (switch workloads). */
async function calibrate(fn) {
  let n = 256;
  for (;;) {
    const { ms } = await fn(n);
    if (ms >= TARGET_MS / 4 || n >= 1 << 24) {
      const scaled = Math.ceil((n * TARGET_MS) / Math.max(ms, 0.001));
      return Math.max(2, Math.min(scaled, 1 << 24)) & ~1;
    }
    n *= ms < TARGET_MS / 64 ? 16 : 4;
  }
}

/**
 * Warm one workload up in this process and size its samples: returns { n, reps }, where a
 * sample is `reps` back-to-back runs of n operations lasting about TARGET_MS in all (the
 * CPU clock ticks every few ms, so short samples would be imprecise).
 */
async function prepare(w, impl) {
  const fn = w.impls[impl];
  let n;
  if (w.n === 'auto') {
    await fn(256); // warm-up, then size
    n = await calibrate(fn);
  } else {
    n = typeof w.n === 'number' ? w.n : (w.n[impl] ?? w.n.default);
    await fn(Math.max(2, Math.round(n * (w.warmup ?? 1)))); // warm-up
  }
  if (w.unit === 'B') return { n, reps: 1 };
  let total = 0;
  let runs = 0;
  while (total < TARGET_MS / 2 && runs < 1000) {
    total += (await fn(n)).ms;
    runs++;
  }
  return { n, reps: Math.max(1, Math.round((TARGET_MS * runs) / Math.max(total, 0.001))) };
}

/** One sample of one workload in this process: per operation in the workload's unit. */
async function sample(w, impl, n, reps) {
  gc();
  let ms = 0;
  let wallMs = 0;
  let bytes = 0;
  for (let r = 0; r < reps; r++) {
    const m = await w.impls[impl](n);
    ms += m.ms ?? 0;
    wallMs += m.wallMs ?? 0;
    bytes += m.bytes ?? 0;
  }
  const ops = n * reps;
  if (w.unit === 'B') return { value: perOp(w.unit, ops, { bytes }) };
  return { value: perOp(w.unit, ops, { ms }), wall: perOp(w.unit, ops, { ms: wallMs }) };
}

const require = createRequire(import.meta.url);
const versionOf = (pkg) => {
  // Some packages do not export ./package.json: find it above the resolved entry point.
  try {
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8'));
        if (json.name === pkg) return json.version;
      }
      if (dirname(dir) === dir) return '?';
      dir = dirname(dir);
    }
  } catch {
    return '?';
  }
};

/** Child mode: answer the parent's { prepare | sample | exit } messages for one implementation. */
function child(impl) {
  const byKey = Object.fromEntries(WORKLOADS.map((w) => [w.key, w]));
  process.on('message', async (msg) => {
    try {
      if (msg.cmd === 'exit') process.disconnect();
      else if (msg.cmd === 'prepare') process.send(await prepare(byKey[msg.key], impl));
      else if (msg.cmd === 'sample')
        process.send(await sample(byKey[msg.key], impl, msg.n, msg.reps));
    } catch (err) {
      process.send({ error: String(err?.stack ?? err) });
    }
  });
}

/** A child process running one implementation; `ask(msg)` resolves to its reply. */
function startChild(impl) {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', impl, ...passThrough], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending;
  proc.on('message', (reply) => {
    const p = pending;
    pending = undefined;
    if (reply.error) p?.reject(new Error(`${impl}: ${reply.error}`));
    else p?.resolve(reply);
  });
  proc.on('exit', (code) => {
    if (pending) pending.reject(new Error(`${impl}: child exited with code ${code}`));
  });
  return {
    impl,
    ask(msg) {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        proc.send(msg);
      });
    },
    stop() {
      proc.send({ cmd: 'exit' });
    },
  };
}

/**
 * Run every selected workload, each in fresh child processes (one per implementation, so
 * one workload's JIT and heap state cannot colour the next), interleaving samples round by
 * round.
 */
async function measure(impls) {
  const results = {};
  for (const w of WORKLOADS) {
    if (ONLY && !ONLY.includes(w.key)) continue;
    const t0 = now();
    const active = impls.filter((impl) => w.impls[impl]).map(startChild);
    try {
      results[w.key] = await measureWorkload(w, active);
    } finally {
      for (const c of active) c.stop();
    }
    const summary = active
      .map((c) => {
        const r = results[w.key][c.impl];
        return `${c.impl} ${fmt(r.median, w.unit)} (n=${r.n}×${r.reps})`;
      })
      .join(', ');
    console.error(`  ${w.key}: ${summary} [${((now() - t0) / 1000).toFixed(1)} s]`);
  }
  return results;
}

async function measureWorkload(w, active) {
  const sizes = {};
  for (const c of active) sizes[c.impl] = await c.ask({ cmd: 'prepare', key: w.key });
  const samples = Object.fromEntries(active.map((c) => [c.impl, []]));
  const walls = Object.fromEntries(active.map((c) => [c.impl, []]));
  for (let s = 0; s < SAMPLES; s++) {
    for (const c of active) {
      const { value, wall } = await c.ask({ cmd: 'sample', key: w.key, ...sizes[c.impl] });
      samples[c.impl].push(value);
      if (wall !== undefined) walls[c.impl].push(wall);
    }
  }
  const result = {};
  for (const c of active) {
    result[c.impl] = {
      median: median(samples[c.impl]),
      n: sizes[c.impl].n,
      reps: sizes[c.impl].reps,
      samples: samples[c.impl],
      wallMedian: walls[c.impl].length > 0 ? median(walls[c.impl]) : undefined,
    };
  }
  return result;
}

async function main() {
  const started = now();
  const env = {
    node: process.version,
    effection: versionOf('effection'),
    effect: versionOf('effect'),
    samples: SAMPLES,
    clock: clockName,
  };
  console.log(
    `# @curio/kernel benchmarks — Node ${env.node}, Effection ${env.effection}, Effect ${env.effect}; median of ${SAMPLES} samples, ${clockName} time\n`,
  );
  const results = await measure(IMPLS.filter((impl) => !IMPLS_ONLY || IMPLS_ONLY.includes(impl)));
  console.log(table(WORKLOADS, results));
  const checks = targets(results);
  if (checks) console.log(`\nTargets (set for Node 24):\n${checks}`);
  console.log(
    `\nTime per operation (${clockName === 'wall' ? 'wall clock' : 'CPU time of the main thread + event-loop idle time'}); memory: heap bytes per idle task. In parentheses: ratio to plain promises (lower is better).\nTotal ${((now() - started) / 1000).toFixed(1)} s.`,
  );
  if (JSON_OUT) {
    const workloads = WORKLOADS.map(({ key, title, unit, baseline }) => ({
      key,
      title,
      unit,
      baseline,
    }));
    writeFileSync(JSON_OUT, JSON.stringify({ env, workloads, results }, null, 2));
  }
}

const CHILD = option('--child', undefined);
if (CHILD) {
  if (!IMPLS.includes(CHILD)) throw new Error(`--child: unknown implementation ${CHILD}`);
  child(CHILD);
} else {
  await main();
}
