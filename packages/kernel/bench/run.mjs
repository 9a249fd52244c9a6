// Benchmarks of @curio/kernel against the same workloads on plain promises/async functions,
// Effection 4 and Effect, measured in the same process run.
//
//   node --expose-gc bench/run.mjs [--quick] [--samples N] [--json out.json] [--only workload,...]
//                                  [--impls curio,plain,effection,effect]
//
// Build first (`pnpm --filter @curio/kernel build`): this imports ../dist/index.js.
// Harness: every workload is run once per implementation to warm up, then SAMPLES times,
// implementations interleaved round by round (so drift hits all of them alike); the median
// sample is reported. Switch workloads size themselves to ~TARGET_MS per sample (Effection's
// sleep(0) is a 1 ms setTimeout, so it gets far fewer iterations).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { run as curioRun, sleep as curioSleep, spawn as curioSpawn, WaitQueue } from '../dist/index.js';
import * as effection from 'effection';
import { Deferred, Effect, Fiber } from 'effect';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const QUICK = flag('--quick');
const SAMPLES = Number(option('--samples', QUICK ? 3 : 5));
const TARGET_MS = QUICK ? 40 : 120;
const JSON_OUT = option('--json', undefined);
const ONLY = option('--only', undefined)?.split(',');
const IMPLS_ONLY = option('--impls', undefined)?.split(','); // e.g. --impls curio for profiling
const BATCH = 100_000; // spawn+join batch and idle tasks
const CANCEL_BATCH = QUICK ? 10_000 : 20_000;

if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc: node --expose-gc bench/run.mjs');
  process.exit(2);
}
const gc = () => {
  globalThis.gc();
  globalThis.gc();
};
const now = () => performance.now();

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

/** Promise.withResolvers for Node 20. */
function resolvers() {
  let resolve;
  let reject;
  const promise = new Promise((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A Curio-style Event on the kernel's WaitQueue (what @curio/sync's Event does). */
class CurioEvent {
  #set = false;
  #waiters = new WaitQueue();
  set() {
    this.#set = true;
    this.#waiters.wakeAll();
  }
  clear() {
    this.#set = false;
  }
  wait() {
    if (this.#set) return Promise.resolve();
    return this.#waiters.wait('EVENT_WAIT');
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------
// Workloads. Each implementation is `async (n) => measurement`, where the measurement is
// { ms } (elapsed time for n operations) or { bytes } (heap growth for n idle tasks).
// ---------------------------------------------------------------------------------------

const effectRun = (gen) => Effect.runPromise(Effect.gen(gen));
const effectionRun = (gen) => effection.run(gen);

/** 1. Spawn n tasks that return at once, then join each. */
const spawnJoin = {
  curio: (n) =>
    curioRun(async () => {
      const leaf = async () => 1;
      const tasks = new Array(n);
      const t0 = now();
      for (let i = 0; i < n; i++) tasks[i] = await curioSpawn(leaf);
      for (let i = 0; i < n; i++) await tasks[i].join();
      return { ms: now() - t0 };
    }),
  plain: async (n) => {
    const leaf = async () => 1;
    const ps = new Array(n);
    const t0 = now();
    for (let i = 0; i < n; i++) ps[i] = leaf();
    for (let i = 0; i < n; i++) await ps[i];
    return { ms: now() - t0 };
  },
  effection: (n) =>
    effectionRun(function* () {
      const leaf = function* () {
        return 1;
      };
      const tasks = new Array(n);
      const t0 = now();
      for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(leaf);
      for (let i = 0; i < n; i++) yield* tasks[i];
      return { ms: now() - t0 };
    }),
  effect: (n) =>
    effectRun(function* () {
      const leaf = Effect.succeed(1);
      const fibers = new Array(n);
      const t0 = now();
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(leaf);
      for (let i = 0; i < n; i++) yield* Fiber.join(fibers[i]);
      return { ms: now() - t0 };
    }),
};

/** 2a. Two tasks, each yielding n/2 times: n task switches. */
const yieldPingPong = {
  curio: (n) =>
    curioRun(async () => {
      const half = n >> 1;
      const body = async () => {
        for (let i = 0; i < half; i++) await curioSleep(0);
      };
      const t0 = now();
      const a = await curioSpawn(body);
      const b = await curioSpawn(body);
      await a.join();
      await b.join();
      return { ms: now() - t0 };
    }),
  plain: async (n) => {
    // The microtask queue is the ready queue: awaiting a fresh resolved promise lets the
    // other function run, and the two alternate.
    const half = n >> 1;
    const body = async () => {
      for (let i = 0; i < half; i++) await new Promise((ok) => ok());
    };
    const t0 = now();
    await Promise.all([body(), body()]);
    return { ms: now() - t0 };
  },
  effection: (n) =>
    effectionRun(function* () {
      const half = n >> 1;
      const body = function* () {
        for (let i = 0; i < half; i++) yield* effection.sleep(0);
      };
      const t0 = now();
      const a = yield* effection.spawn(body);
      const b = yield* effection.spawn(body);
      yield* a;
      yield* b;
      return { ms: now() - t0 };
    }),
  effect: (n) =>
    effectRun(function* () {
      const half = n >> 1;
      const body = Effect.gen(function* () {
        for (let i = 0; i < half; i++) yield* Effect.yieldNow;
      });
      const t0 = now();
      const a = yield* Effect.forkChild(body);
      const b = yield* Effect.forkChild(body);
      yield* Fiber.join(a);
      yield* Fiber.join(b);
      return { ms: now() - t0 };
    }),
};

/**
 * 2b. Event ping-pong: A wakes B and blocks until B wakes it; n/2 rounds, n switches.
 * Plain/Effection/Effect use a fresh one-shot (promise / withResolvers / Deferred) per
 * wake-up: each side replaces its own one-shot after waking, before it signals the other.
 */
const eventPingPong = {
  curio: (n) =>
    curioRun(async () => {
      const rounds = n >> 1;
      const evA = new CurioEvent();
      const evB = new CurioEvent();
      const a = async () => {
        for (let i = 0; i < rounds; i++) {
          evB.set();
          await evA.wait();
          evA.clear();
        }
      };
      const b = async () => {
        for (let i = 0; i < rounds; i++) {
          await evB.wait();
          evB.clear();
          evA.set();
        }
      };
      const t0 = now();
      const ta = await curioSpawn(a);
      const tb = await curioSpawn(b);
      await ta.join();
      await tb.join();
      return { ms: now() - t0 };
    }),
  plain: async (n) => {
    const rounds = n >> 1;
    let dA = resolvers();
    let dB = resolvers();
    const a = async () => {
      for (let i = 0; i < rounds; i++) {
        dB.resolve();
        await dA.promise;
        dA = resolvers();
      }
    };
    const b = async () => {
      for (let i = 0; i < rounds; i++) {
        await dB.promise;
        dB = resolvers();
        dA.resolve();
      }
    };
    const t0 = now();
    await Promise.all([a(), b()]);
    return { ms: now() - t0 };
  },
  effection: (n) =>
    effectionRun(function* () {
      const rounds = n >> 1;
      let dA = effection.withResolvers();
      let dB = effection.withResolvers();
      const a = function* () {
        for (let i = 0; i < rounds; i++) {
          dB.resolve();
          yield* dA.operation;
          dA = effection.withResolvers();
        }
      };
      const b = function* () {
        for (let i = 0; i < rounds; i++) {
          yield* dB.operation;
          dB = effection.withResolvers();
          dA.resolve();
        }
      };
      const t0 = now();
      const ta = yield* effection.spawn(a);
      const tb = yield* effection.spawn(b);
      yield* ta;
      yield* tb;
      return { ms: now() - t0 };
    }),
  effect: (n) =>
    effectRun(function* () {
      const rounds = n >> 1;
      let dA = Deferred.makeUnsafe();
      let dB = Deferred.makeUnsafe();
      const a = Effect.gen(function* () {
        for (let i = 0; i < rounds; i++) {
          yield* Deferred.succeed(dB, undefined);
          yield* Deferred.await(dA);
          dA = Deferred.makeUnsafe();
        }
      });
      const b = Effect.gen(function* () {
        for (let i = 0; i < rounds; i++) {
          yield* Deferred.await(dB);
          dB = Deferred.makeUnsafe();
          yield* Deferred.succeed(dA, undefined);
        }
      });
      const t0 = now();
      const fa = yield* Effect.forkChild(a);
      const fb = yield* Effect.forkChild(b);
      yield* Fiber.join(fa);
      yield* Fiber.join(fb);
      return { ms: now() - t0 };
    }),
};

/** 2b'. The same ping-pong on two bare WaitQueues (wakeOne/wait), no Event flag. */
const waitQueuePingPong = {
  curio: (n) =>
    curioRun(async () => {
      const rounds = n >> 1;
      const qA = new WaitQueue();
      const qB = new WaitQueue();
      const b = async () => {
        for (let i = 0; i < rounds; i++) {
          await qB.wait('EVENT_WAIT');
          qA.wakeOne();
        }
      };
      const a = async () => {
        for (let i = 0; i < rounds; i++) {
          qB.wakeOne();
          await qA.wait('EVENT_WAIT');
        }
      };
      const t0 = now();
      const tb = await curioSpawn(b); // b runs first and blocks, so a's first wakeOne finds it
      const ta = await curioSpawn(a);
      await ta.join();
      await tb.join();
      return { ms: now() - t0 };
    }),
  plain: (n) => eventPingPong.plain(n),
};

/**
 * 3. Cancel a blocked task and wait for its end: n tasks blocked forever (each on its own
 * WaitQueue / promise), then each is cancelled and waited for in turn. Only that loop is timed.
 */
const cancelWait = {
  curio: (n) =>
    curioRun(async () => {
      let started = 0;
      const blocked = async () => {
        started++;
        await new WaitQueue().wait('EVENT_WAIT');
      };
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = await curioSpawn(blocked);
      while (started < n) await curioSleep(0);
      const t0 = now();
      for (let i = 0; i < n; i++) await tasks[i].cancel();
      return { ms: now() - t0 };
    }),
  plain: async (n) => {
    // An async function blocked on a promise whose rejecter is its "cancel": reject with an
    // error, then wait for the function to unwind.
    const cancels = new Array(n);
    const ps = new Array(n);
    const blocked = async (i) => {
      await new Promise((_, fail) => {
        cancels[i] = fail;
      });
    };
    for (let i = 0; i < n; i++) ps[i] = blocked(i).catch(() => {});
    await new Promise((ok) => setImmediate(ok));
    const t0 = now();
    for (let i = 0; i < n; i++) {
      cancels[i](new Error('cancelled'));
      await ps[i];
    }
    return { ms: now() - t0 };
  },
  effection: (n) =>
    effectionRun(function* () {
      let started = 0;
      const blocked = function* () {
        started++;
        yield* effection.suspend();
      };
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(blocked);
      while (started < n) yield* effection.sleep(0);
      const t0 = now();
      for (let i = 0; i < n; i++) yield* tasks[i].halt();
      return { ms: now() - t0 };
    }),
  effect: (n) =>
    effectRun(function* () {
      let started = 0;
      const blocked = Effect.suspend(() => {
        started++;
        return Effect.never;
      });
      const fibers = new Array(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(blocked);
      while (started < n) yield* Effect.yieldNow;
      const t0 = now();
      for (let i = 0; i < n; i++) yield* Fiber.interrupt(fibers[i]);
      return { ms: now() - t0 };
    }),
};

/**
 * 4. Heap per idle task: n tasks blocked on one Event/WaitQueue (plain: n pending async
 * functions awaiting one promise). Heap growth after GC over the baseline, divided by n.
 * Handles (Task / promise / Fiber) are kept in an array, as an owner would.
 */
const heapUsed = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const idleMemory = {
  curio: (n) =>
    curioRun(async () => {
      const queue = new WaitQueue();
      let started = 0;
      const idle = async () => {
        started++;
        await queue.wait('EVENT_WAIT');
      };
      const tasks = new Array(n);
      const h0 = heapUsed();
      for (let i = 0; i < n; i++) tasks[i] = await curioSpawn(idle);
      while (started < n) await curioSleep(0);
      const h1 = heapUsed();
      queue.wakeAll();
      for (let i = 0; i < n; i++) await tasks[i].join();
      return { bytes: h1 - h0 };
    }),
  plain: async (n) => {
    const gate = resolvers();
    let started = 0;
    const idle = async () => {
      started++;
      await gate.promise;
    };
    const ps = new Array(n);
    const h0 = heapUsed();
    for (let i = 0; i < n; i++) ps[i] = idle();
    if (started !== n) throw new Error('plain idle tasks did not start');
    const h1 = heapUsed();
    gate.resolve();
    await Promise.all(ps);
    return { bytes: h1 - h0 };
  },
  effection: (n) =>
    effectionRun(function* () {
      const gate = effection.withResolvers();
      let started = 0;
      const idle = function* () {
        started++;
        yield* gate.operation;
      };
      const tasks = new Array(n);
      const h0 = heapUsed();
      for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(idle);
      while (started < n) yield* effection.sleep(0);
      const h1 = heapUsed();
      gate.resolve();
      for (let i = 0; i < n; i++) yield* tasks[i];
      return { bytes: h1 - h0 };
    }),
  effect: (n) =>
    effectRun(function* () {
      const gate = Deferred.makeUnsafe();
      let started = 0;
      const idle = Effect.suspend(() => {
        started++;
        return Deferred.await(gate);
      });
      const fibers = new Array(n);
      const h0 = heapUsed();
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(idle);
      while (started < n) yield* Effect.yieldNow;
      const h1 = heapUsed();
      yield* Deferred.succeed(gate, undefined);
      for (let i = 0; i < n; i++) yield* Fiber.join(fibers[i]);
      return { bytes: h1 - h0 };
    }),
};

// ---------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------

const IMPLS = ['curio', 'plain', 'effection', 'effect'];

// n: operations per sample; a number, 'auto' (calibrated to TARGET_MS per sample), or an
// object with per-implementation overrides. Effection's spawn costs ~100× the others, so it
// gets smaller batches to keep a whole run within ~2 minutes (per-op figures stay comparable).
const WORKLOADS = [
  {
    key: 'spawnJoin',
    title: '1. spawn + join, batch of 100k (per task)',
    impls: spawnJoin,
    n: { default: BATCH, effection: QUICK ? 1000 : 2000 },
    unit: 'µs',
  },
  { key: 'yieldSwitch', title: '2a. sleep(0)/yield ping-pong (per switch)', impls: yieldPingPong, n: 'auto', unit: 'ns' },
  { key: 'eventSwitch', title: '2b. Event ping-pong (per switch)', impls: eventPingPong, n: 'auto', unit: 'ns' },
  {
    key: 'waitQueueSwitch',
    title: "2b'. bare WaitQueue ping-pong (per switch)",
    impls: waitQueuePingPong,
    n: 'auto',
    unit: 'ns',
  },
  {
    key: 'cancelWait',
    title: '3. cancel a blocked task + wait (per task)',
    impls: cancelWait,
    n: { default: CANCEL_BATCH, effection: 2000 },
    unit: 'µs',
  },
  {
    key: 'idleMemory',
    title: '4. heap per idle task, 100k blocked',
    impls: idleMemory,
    n: { default: BATCH, effection: QUICK ? 2000 : 5000 },
    unit: 'B',
    warmup: 0.05,
  },
];

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

async function runWorkload(w) {
  const names = IMPLS.filter((k) => w.impls[k] && (!IMPLS_ONLY || IMPLS_ONLY.includes(k)));
  const sizes = {};
  for (const k of names) {
    if (w.n === 'auto') {
      await w.impls[k](256); // warm-up, then size
      sizes[k] = await calibrate(w.impls[k]);
    } else {
      sizes[k] = typeof w.n === 'number' ? w.n : (w.n[k] ?? w.n.default);
      await w.impls[k](Math.max(2, Math.round(sizes[k] * (w.warmup ?? 1)))); // warm-up
    }
  }
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let s = 0; s < SAMPLES; s++) {
    for (const k of names) {
      gc();
      const m = await w.impls[k](sizes[k]);
      samples[k].push(perOp(w.unit, sizes[k], m));
    }
  }
  const result = {};
  for (const k of names) result[k] = { median: median(samples[k]), n: sizes[k], samples: samples[k] };
  return result;
}

function fmt(value, unit) {
  if (value === undefined) return '—';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function table(results) {
  const lines = [
    '| workload | curio | plain promises | Effection 4 | Effect |',
    '|---|---|---|---|---|',
  ];
  for (const w of WORKLOADS) {
    const r = results[w.key];
    if (!r) continue;
    const base = r.plain?.median;
    const cells = IMPLS.map((k) => {
      const v = r[k]?.median;
      if (v === undefined) return '—';
      if (k === 'plain' || !base) return fmt(v, w.unit);
      return `${fmt(v, w.unit)} (${(v / base).toFixed(2)}×)`;
    });
    lines.push(`| ${w.title} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
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

async function main() {
  const started = now();
  const env = {
    node: process.version,
    effection: versionOf('effection'),
    effect: versionOf('effect'),
    samples: SAMPLES,
  };
  console.log(
    `# @curio/kernel benchmarks — Node ${env.node}, Effection ${env.effection}, Effect ${env.effect}, ${SAMPLES} samples (median)\n`,
  );
  const results = {};
  for (const w of WORKLOADS) {
    if (ONLY && !ONLY.includes(w.key)) continue;
    const t0 = now();
    results[w.key] = await runWorkload(w);
    const summary = IMPLS.filter((k) => results[w.key][k])
      .map((k) => `${k} ${fmt(results[w.key][k].median, w.unit)} (n=${results[w.key][k].n})`)
      .join(', ');
    console.error(`  ${w.key}: ${summary} [${((now() - t0) / 1000).toFixed(1)} s]`);
  }
  console.log(table(results));
  console.log(`\nRatios are to plain promises (lower is better). Total ${((now() - started) / 1000).toFixed(1)} s.`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ env, results }, null, 2));
}

await main();
