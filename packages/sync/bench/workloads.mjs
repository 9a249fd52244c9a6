// The benchmark workloads of @curio/sync, one function per (workload, implementation).
// Each returns a promise for one complete sample; run.mjs times them with tinybench.
//
// Workload shapes (the same for every implementation):
// - queue:   two tasks, a producer putting N numbers into an unbounded queue and a consumer
//            taking N; the consumer starts first and waits on the empty queue.
// - bounded: the same through a queue of capacity 1, so every item switches tasks twice.
// - lock:    100 tasks each take a lock M times and yield to the scheduler while holding it,
//            so the other 99 are always queued on the lock (every release is a hand-off).
// - event:   two tasks ping-pong through two events (set the other's, wait for and clear
//            one's own), so every wait blocks: N task switches.

import { run as curioRun, schedule as curioSchedule, spawn as curioSpawn } from '@curio/kernel';
import {
  Deferred,
  Effect,
  Queue as EffectQueue,
  Semaphore as EffectSemaphore,
  Fiber,
} from 'effect';
import * as effection from 'effection';
import { Event as CurioEvent, Lock as CurioLock, Queue as CurioQueue } from '../dist/index.js';

export const LOCK_TASKS = 100;

// ---------------------------------------------------------------------------------------
// curio
// ---------------------------------------------------------------------------------------

function curioQueuePair(n, maxsize) {
  return curioRun({ signals: 'default' }, async () => {
    const q = new CurioQueue(maxsize);
    const consumer = await curioSpawn(async () => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += await q.get();
      return sum;
    });
    const producer = await curioSpawn(async () => {
      for (let i = 0; i < n; i++) await q.put(i);
    });
    await producer.join();
    return consumer.join();
  });
}

function curioLock(rounds) {
  return curioRun({ signals: 'default' }, async () => {
    const lock = new CurioLock();
    let held = 0;
    const worker = async () => {
      for (let i = 0; i < rounds; i++) {
        await lock.acquire();
        held++;
        await curioSchedule();
        lock.release();
      }
    };
    const tasks = [];
    for (let t = 0; t < LOCK_TASKS; t++) tasks.push(await curioSpawn(worker));
    for (const t of tasks) await t.join();
    return held;
  });
}

function curioEventPingPong(switches) {
  return curioRun({ signals: 'default' }, async () => {
    const rounds = switches >> 1;
    const evA = new CurioEvent();
    const evB = new CurioEvent();
    let n = 0;
    const a = await curioSpawn(async () => {
      for (let i = 0; i < rounds; i++) {
        evB.set();
        await evA.wait();
        evA.clear();
        n++;
      }
    });
    const b = await curioSpawn(async () => {
      for (let i = 0; i < rounds; i++) {
        await evB.wait();
        evB.clear();
        evA.set();
        n++;
      }
    });
    await a.join();
    await b.join();
    return n;
  });
}

// ---------------------------------------------------------------------------------------
// plain promises: the smallest correct async queue and mutex, no scheduler, no cancellation
// ---------------------------------------------------------------------------------------

class PlainQueue {
  #items = [];
  #head = 0;
  #getters = [];
  put(item) {
    const getter = this.#getters.shift();
    if (getter) getter(item);
    else this.#items.push(item);
  }
  get() {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      return Promise.resolve(item);
    }
    return new Promise((resolve) => this.#getters.push(resolve));
  }
}

async function plainQueue(n) {
  const q = new PlainQueue();
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await q.get();
    return sum;
  })();
  const producer = (async () => {
    for (let i = 0; i < n; i++) {
      q.put(i);
      await undefined;
    }
  })();
  await producer;
  return consumer;
}

class PlainMutex {
  #locked = false;
  #waiters = [];
  acquire() {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  release() {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

async function plainLock(rounds) {
  const lock = new PlainMutex();
  let held = 0;
  const worker = async () => {
    for (let i = 0; i < rounds; i++) {
      await lock.acquire();
      held++;
      await null; // let the others run (and queue up on the lock)
      lock.release();
    }
  };
  await Promise.all(Array.from({ length: LOCK_TASKS }, worker));
  return held;
}

/** A promise and its resolve function (Promise.withResolvers needs Node 22). */
function resolvers() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Event ping-pong over one fresh promise per wait (a plain promise settles only once). */
async function plainEventPingPong(switches) {
  const rounds = switches >> 1;
  let a = resolvers();
  let b = resolvers();
  let n = 0;
  await Promise.all([
    (async () => {
      for (let i = 0; i < rounds; i++) {
        b.resolve();
        await a.promise;
        a = resolvers();
        n++;
      }
    })(),
    (async () => {
      for (let i = 0; i < rounds; i++) {
        await b.promise;
        b = resolvers();
        a.resolve();
        n++;
      }
    })(),
  ]);
  return n;
}

// ---------------------------------------------------------------------------------------
// Effection 4: createQueue (unbounded, synchronous add) between two spawned operations
// ---------------------------------------------------------------------------------------

function effectionQueue(n) {
  return effection.run(function* () {
    const q = effection.createQueue();
    const consumer = yield* effection.spawn(function* () {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (yield* q.next()).value;
      return sum;
    });
    // biome-ignore lint/correctness/useYield: spawn needs an operation; add() is synchronous
    const producer = yield* effection.spawn(function* () {
      for (let i = 0; i < n; i++) q.add(i);
    });
    yield* producer;
    return yield* consumer;
  });
}

// ---------------------------------------------------------------------------------------
// Effect: Queue.unbounded / Queue.bounded and Semaphore, fibers forked from one program
// ---------------------------------------------------------------------------------------

function effectQueuePair(n, capacity) {
  return Effect.runPromise(
    Effect.gen(function* () {
      const q =
        capacity > 0 ? yield* EffectQueue.bounded(capacity) : yield* EffectQueue.unbounded();
      const consumer = yield* Effect.forkChild(
        Effect.gen(function* () {
          let sum = 0;
          for (let i = 0; i < n; i++) sum += yield* EffectQueue.take(q);
          return sum;
        }),
      );
      const producer = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* EffectQueue.offer(q, i);
        }),
      );
      yield* Fiber.join(producer);
      return yield* Fiber.join(consumer);
    }),
  );
}

function effectLock(rounds) {
  return Effect.runPromise(
    Effect.gen(function* () {
      const sem = yield* EffectSemaphore.make(1);
      let held = 0;
      const critical = EffectSemaphore.withPermits(
        sem,
        1,
      )(
        Effect.suspend(() => {
          held++;
          return Effect.yieldNow;
        }),
      );
      const worker = Effect.gen(function* () {
        for (let i = 0; i < rounds; i++) yield* critical;
      });
      const fibers = [];
      for (let t = 0; t < LOCK_TASKS; t++) fibers.push(yield* Effect.forkChild(worker));
      for (const f of fibers) yield* Fiber.join(f);
      return held;
    }),
  );
}

/** Event ping-pong over Deferreds (one-shot, so a fresh one per wait, as with promises). */
function effectEventPingPong(switches) {
  return Effect.runPromise(
    Effect.gen(function* () {
      const rounds = switches >> 1;
      let a = yield* Deferred.make();
      let b = yield* Deferred.make();
      let n = 0;
      const fa = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < rounds; i++) {
            yield* Deferred.succeed(b, undefined);
            yield* Deferred.await(a);
            a = yield* Deferred.make();
            n++;
          }
        }),
      );
      const fb = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < rounds; i++) {
            yield* Deferred.await(b);
            b = yield* Deferred.make();
            yield* Deferred.succeed(a, undefined);
            n++;
          }
        }),
      );
      yield* Fiber.join(fa);
      yield* Fiber.join(fb);
      return n;
    }),
  );
}

// ---------------------------------------------------------------------------------------

/** Implementations, in table order. */
export const IMPLS = ['curio', 'plain', 'effection', 'effect'];

export const IMPL_TITLES = {
  curio: '@curio/sync',
  plain: 'plain promises',
  effection: 'Effection 4',
  effect: 'Effect',
};

/**
 * Every workload: `items(quick)` is the number of operations per sample (the unit of the
 * reported time; `itemsFor` overrides it per implementation), `impls` the functions per
 * implementation, `check` the expected result.
 */
export const WORKLOADS = [
  {
    key: 'queue',
    title: 'Queue put/get, unbounded, 2 tasks',
    unit: 'µs/item',
    items: (quick) => (quick ? 200_000 : 1_000_000),
    // Effection's createQueue adds with Array.unshift (O(backlog) per add): with the producer
    // running ahead, 1,000,000 items take minutes, so it is measured at 100,000.
    itemsFor: { effection: (quick) => (quick ? 20_000 : 100_000) },
    check: (n, r) => r === (n * (n - 1)) / 2,
    impls: {
      curio: (n) => curioQueuePair(n, 0),
      plain: (n) => plainQueue(n),
      effection: (n) => effectionQueue(n),
      effect: (n) => effectQueuePair(n, 0),
    },
  },
  {
    key: 'bounded',
    title: 'Queue put/get, capacity 1, 2 tasks',
    unit: 'µs/item',
    items: (quick) => (quick ? 20_000 : 100_000),
    check: (n, r) => r === (n * (n - 1)) / 2,
    impls: {
      curio: (n) => curioQueuePair(n, 1),
      effect: (n) => effectQueuePair(n, 1),
    },
  },
  {
    key: 'lock',
    title: `Lock acquire/release, ${LOCK_TASKS} tasks contending`,
    unit: 'µs/acquire',
    items: (quick) => (quick ? 20_000 : 100_000),
    check: (n, r) => r === n,
    impls: {
      curio: (n) => curioLock(n / LOCK_TASKS),
      plain: (n) => plainLock(n / LOCK_TASKS),
      effect: (n) => effectLock(n / LOCK_TASKS),
    },
  },
  {
    key: 'event',
    title: 'Event ping-pong, 2 tasks',
    unit: 'µs/switch',
    items: (quick) => (quick ? 200_000 : 1_000_000),
    check: (n, r) => r === n,
    impls: {
      curio: (n) => curioEventPingPong(n),
      plain: (n) => plainEventPingPong(n),
      effect: (n) => effectEventPingPong(n),
    },
  },
];
