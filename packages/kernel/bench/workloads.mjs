// The benchmark workloads: each implementation is `async (n) => measurement`, where the
// measurement is { ms } (elapsed time for n operations) or { bytes } (heap growth for n idle
// tasks). Used by run.mjs (the suite) and profile.mjs (one workload under --cpu-prof).
// Needs --expose-gc (the memory workload collects garbage before measuring).
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { Deferred, Effect, Fiber } from 'effect';
import * as effection from 'effection';
import {
  anchorShape,
  run as curioRun,
  sleep as curioSleep,
  spawn as curioSpawn,
  WaitQueue,
} from '../dist/index.js';

export const now = () => performance.now();

// Time of an operation = CPU time of this (main) thread + time the event loop sat idle
// waiting for timers or I/O. Unlike wall-clock time, this does not count the time the OS
// gave the CPU to other processes, so results hold on a loaded or shared machine; waiting
// that belongs to the workload (Effection's sleep(0) is a 1 ms timer) still counts.
// Needs Linux's /proc/thread-self/schedstat; elsewhere, or with BENCH_CLOCK=wall, wall time.
const SCHEDSTAT = '/proc/thread-self/schedstat';
const useCpuClock =
  process.env.BENCH_CLOCK !== 'wall' &&
  (() => {
    try {
      return Number.isFinite(threadCpuNs());
    } catch {
      return false;
    }
  })();
function threadCpuNs() {
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
}
/** Which clock the workloads report: 'cpu+idle' or 'wall'. */
export const clockName = useCpuClock ? 'cpu+idle' : 'wall';

/** Start timing the measured part of a workload. */
export function startTimer() {
  return {
    wall: performance.now(),
    cpu: useCpuClock ? threadCpuNs() : 0,
    elu: performance.eventLoopUtilization(),
  };
}

/** Stop timing: { ms } on the chosen clock, and { wallMs } for reference. */
export function elapsed(t) {
  const wallMs = performance.now() - t.wall;
  if (!useCpuClock) return { ms: wallMs, wallMs };
  const cpuMs = (threadCpuNs() - t.cpu) / 1e6;
  const idleMs = performance.eventLoopUtilization(t.elu).idle;
  return { ms: Math.min(wallMs, cpuMs + idleMs), wallMs };
}

/** Full garbage collection (twice, to let finalizers run). Needs --expose-gc. */
export const gc = () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc');
  globalThis.gc();
  globalThis.gc();
};

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

/** A Curio-style Event on the kernel's WaitQueue (what @curio/sync's Event does, without the state name). */
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

// As @curio/sync's Event does: without a live instance, the GC before each sample frees the
// class's hidden class and V8 drops the optimized code of its methods (see anchorShape).
anchorShape(new CurioEvent());

export const median = (xs) => {
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
      const t0 = startTimer();
      for (let i = 0; i < n; i++) tasks[i] = await curioSpawn(leaf);
      for (let i = 0; i < n; i++) await tasks[i].join();
      return elapsed(t0);
    }),
  plain: async (n) => {
    const leaf = async () => 1;
    const ps = new Array(n);
    const t0 = startTimer();
    for (let i = 0; i < n; i++) ps[i] = leaf();
    for (let i = 0; i < n; i++) await ps[i];
    return elapsed(t0);
  },
  effection: (n) =>
    effectionRun(function* () {
      // biome-ignore lint/correctness/useYield: the task returns at once, like the others
      const leaf = function* () {
        return 1;
      };
      const tasks = new Array(n);
      const t0 = startTimer();
      for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(leaf);
      for (let i = 0; i < n; i++) yield* tasks[i];
      return elapsed(t0);
    }),
  effect: (n) =>
    effectRun(function* () {
      const leaf = Effect.succeed(1);
      const fibers = new Array(n);
      const t0 = startTimer();
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(leaf);
      for (let i = 0; i < n; i++) yield* Fiber.join(fibers[i]);
      return elapsed(t0);
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
      const t0 = startTimer();
      const a = await curioSpawn(body);
      const b = await curioSpawn(body);
      await a.join();
      await b.join();
      return elapsed(t0);
    }),
  plain: async (n) => {
    // The microtask queue is the ready queue: awaiting a fresh resolved promise lets the
    // other function run, and the two alternate.
    const half = n >> 1;
    const body = async () => {
      for (let i = 0; i < half; i++) await new Promise((ok) => ok());
    };
    const t0 = startTimer();
    await Promise.all([body(), body()]);
    return elapsed(t0);
  },
  effection: (n) =>
    effectionRun(function* () {
      const half = n >> 1;
      const body = function* () {
        for (let i = 0; i < half; i++) yield* effection.sleep(0);
      };
      const t0 = startTimer();
      const a = yield* effection.spawn(body);
      const b = yield* effection.spawn(body);
      yield* a;
      yield* b;
      return elapsed(t0);
    }),
  effect: (n) =>
    effectRun(function* () {
      const half = n >> 1;
      const body = Effect.gen(function* () {
        for (let i = 0; i < half; i++) yield* Effect.yieldNow;
      });
      const t0 = startTimer();
      const a = yield* Effect.forkChild(body);
      const b = yield* Effect.forkChild(body);
      yield* Fiber.join(a);
      yield* Fiber.join(b);
      return elapsed(t0);
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
      const t0 = startTimer();
      const ta = await curioSpawn(a);
      const tb = await curioSpawn(b);
      await ta.join();
      await tb.join();
      return elapsed(t0);
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
    const t0 = startTimer();
    await Promise.all([a(), b()]);
    return elapsed(t0);
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
      const t0 = startTimer();
      const ta = yield* effection.spawn(a);
      const tb = yield* effection.spawn(b);
      yield* ta;
      yield* tb;
      return elapsed(t0);
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
      const t0 = startTimer();
      const fa = yield* Effect.forkChild(a);
      const fb = yield* Effect.forkChild(b);
      yield* Fiber.join(fa);
      yield* Fiber.join(fb);
      return elapsed(t0);
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
      const t0 = startTimer();
      const tb = await curioSpawn(b); // b runs first and blocks, so a's first wakeOne finds it
      const ta = await curioSpawn(a);
      await ta.join();
      await tb.join();
      return elapsed(t0);
    }),
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
      const t0 = startTimer();
      for (let i = 0; i < n; i++) await tasks[i].cancel();
      return elapsed(t0);
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
    const t0 = startTimer();
    for (let i = 0; i < n; i++) {
      cancels[i](new Error('cancelled'));
      await ps[i];
    }
    return elapsed(t0);
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
      const t0 = startTimer();
      for (let i = 0; i < n; i++) yield* tasks[i].halt();
      return elapsed(t0);
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
      const t0 = startTimer();
      for (let i = 0; i < n; i++) yield* Fiber.interrupt(fibers[i]);
      return elapsed(t0);
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

// 'plainAls': the plain workload run inside AsyncLocalStorage.run(), as curio tasks are. On
// Node 20 that enables promise hooks (a per-promise tax on everything in the process); on
// Node 24 AsyncLocalStorage uses AsyncContextFrame and it should cost next to nothing.
const als = new AsyncLocalStorage();
for (const impls of [spawnJoin, yieldPingPong, eventPingPong, cancelWait, idleMemory]) {
  impls.plainAls = (n) => als.run({ task: n }, () => impls.plain(n));
}

// n: operations per sample; a number, 'auto' (calibrated to TARGET_MS per sample), or an
// object with per-implementation overrides. Effection's spawn costs ~100× the others, so it
// gets smaller batches to keep a whole run within ~2 minutes (per-op figures stay comparable).
export function workloads({ quick = false } = {}) {
  const BATCH = 100_000; // spawn+join batch and idle tasks
  return [
    {
      key: 'spawnJoin',
      title: '1. spawn + join, batch of 100k (per task)',
      impls: spawnJoin,
      n: { default: BATCH, effection: quick ? 1000 : 2000 },
      unit: 'µs',
    },
    {
      key: 'yieldSwitch',
      title: '2a. sleep(0)/yield ping-pong (per switch)',
      impls: yieldPingPong,
      n: 'auto',
      unit: 'ns',
    },
    {
      key: 'eventSwitch',
      title: '2b. Event ping-pong (per switch)',
      impls: eventPingPong,
      n: 'auto',
      unit: 'ns',
    },
    {
      key: 'waitQueueSwitch',
      title: "2b'. bare WaitQueue ping-pong (per switch)",
      impls: waitQueuePingPong,
      n: 'auto',
      unit: 'ns',
      baseline: 'eventSwitch', // its plain baseline is 2b's
    },
    {
      key: 'cancelWait',
      title: '3. cancel a blocked task + wait (per task)',
      impls: cancelWait,
      n: { default: quick ? 10_000 : 20_000, effection: 2000 },
      unit: 'µs',
    },
    {
      key: 'idleMemory',
      title: '4. heap per idle task, 100k blocked',
      impls: idleMemory,
      n: { default: BATCH, effection: quick ? 2000 : 5000 },
      unit: 'B',
      warmup: 0.05,
    },
  ];
}
