// Property-based tests of "nothing is lost" (DESIGN §1.4) and the hand-off rules (§6.6):
// random interleavings of producers, consumers, cancellations and timeouts, each run on a
// fresh kernel under an auto-jumping MockClock so that every generated case is
// deterministic and replayable from its seed.
//
// What "in order" means with several consumers: items leave a FIFO queue in the order they
// were put (a put with a waiting getter hands its item over at once), but two consumers may
// record what they took in either order. So the order is checked per consumer: each one
// receives the items of the queue in increasing put order — in particular the items of each
// producer in the order it put them. With one consumer that is the global order.
import {
  CancelledError,
  ignoreAfter,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { type BaseQueue, LifoQueue, Lock, PriorityQueue, Queue, Semaphore } from '@curio/sync';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runVirtualNoSignals as runVirtual } from './helpers.js';

/** One blocking step of a generated task: pause first, then the operation with a timeout. */
interface Step {
  pause: number;
  timeout: number | null;
}

const step: fc.Arbitrary<Step> = fc.record({
  pause: fc.constantFrom(0, 0, 0.1, 0.2, 0.3),
  timeout: fc.constantFrom(null, null, 0.05, 0.15, 0.25),
});

/** A cancellation of task `target` (an index into every task of the case) at time `at`. */
interface Cancel {
  at: number;
  target: number;
  blocking: boolean;
}

const cancel: fc.Arbitrary<Cancel> = fc.record({
  at: fc.integer({ min: 0, max: 30 }).map((n) => n * 0.05),
  target: fc.nat(),
  blocking: fc.boolean(),
});

interface QueueCase {
  maxsize: number;
  producers: Step[][];
  consumers: Step[][];
  cancels: Cancel[];
}

const queueCase = (maxsize: fc.Arbitrary<number>): fc.Arbitrary<QueueCase> =>
  fc.record({
    maxsize,
    producers: fc.array(fc.array(step, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
    consumers: fc.array(fc.array(step, { maxLength: 10 }), { minLength: 1, maxLength: 3 }),
    cancels: fc.array(cancel, { maxLength: 4 }),
  });

/** Time after which every task still blocked is cancelled and the queue drained. */
const END = 100;

async function withTimeout<R>(s: Step, fn: () => Promise<R>): Promise<R> {
  if (s.pause > 0) await sleep(s.pause);
  return s.timeout === null ? fn() : timeoutAfter(s.timeout, fn);
}

interface QueueOutcome {
  sent: string[]; // items whose put() returned, in the order the puts returned
  received: string[][]; // per consumer, in the order its gets returned
  drained: string[]; // what was left in the queue at the end
  fullAtEnd: boolean;
  joined: boolean;
}

/** Run one generated case against `queue`; items are `"p:i"` (producer p, its i-th item). */
async function playQueue(queue: BaseQueue<string>, c: QueueCase): Promise<QueueOutcome> {
  const sent: string[] = [];
  const received: string[][] = c.consumers.map(() => []);

  async function producer(p: number, steps: Step[]) {
    for (let i = 0; i < steps.length; i++) {
      const item = `${p}:${i}`;
      try {
        await withTimeout(steps[i] as Step, () => queue.put(item));
      } catch (err) {
        if (err instanceof TaskTimeout) continue; // not put: never to be received
        throw err;
      }
      sent.push(item);
    }
  }

  async function consumer(k: number, steps: Step[]) {
    for (const s of steps) {
      let item: string;
      try {
        item = await withTimeout(s, () => queue.get());
      } catch (err) {
        if (err instanceof TaskTimeout) continue; // took nothing
        throw err;
      }
      (received[k] as string[]).push(item);
      queue.taskDone();
    }
  }

  return runVirtual(async () => {
    const tasks: Task[] = [];
    for (const [p, steps] of c.producers.entries()) tasks.push(await spawn(producer, p, steps));
    for (const [k, steps] of c.consumers.entries()) tasks.push(await spawn(consumer, k, steps));
    const canceller = await spawn(async () => {
      let now = 0;
      for (const x of [...c.cancels].sort((a, b) => a.at - b.at)) {
        if (x.at > now) await sleep(x.at - now);
        now = x.at;
        await tasks[x.target % tasks.length]?.cancel({ blocking: x.blocking });
      }
    });
    await ignoreAfter(END, async () => {
      for (const t of tasks) await t.wait();
    });
    for (const t of [canceller, ...tasks]) await t.cancel();
    for (const t of tasks) {
      if (t.terminated && t.exception !== undefined && !(t.exception instanceof CancelledError))
        throw t.exception;
    }
    const drained: string[] = [];
    while (!queue.empty()) {
      drained.push(queue.getNowait());
      queue.taskDone();
    }
    const joined =
      (await ignoreAfter(1, async () => {
        await queue.join();
        return true;
      })) === true;
    return { sent, received, drained, fullAtEnd: queue.full(), joined };
  });
}

/** Every item put is received exactly once, and nothing that was not put shows up. */
function expectExactlyOnce(o: QueueOutcome): void {
  const got = [...o.received.flat(), ...o.drained];
  expect(new Set(got).size).toBe(got.length);
  expect([...got].sort()).toEqual([...o.sent].sort());
  expect(o.fullAtEnd).toBe(false);
  expect(o.joined).toBe(true);
}

/** Each consumer (and the final drain) receives items in increasing put order. */
function expectFifoPerConsumer(o: QueueOutcome): void {
  const order = new Map(o.sent.map((item, i) => [item, i]));
  for (const seq of [...o.received, o.drained]) {
    const idx = seq.map((item) => order.get(item) as number);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  }
}

const RUNS = { numRuns: 100 };

describe('queues lose nothing under random cancellations and timeouts', () => {
  test('unbounded Queue: every item exactly once, in put order per consumer', async () => {
    await fc.assert(
      fc.asyncProperty(queueCase(fc.constant(0)), async (c) => {
        const o = await playQueue(new Queue<string>(), c);
        expectExactlyOnce(o);
        expectFifoPerConsumer(o);
      }),
      RUNS,
    );
  });

  test('bounded Queue: every item exactly once, in put order per consumer', async () => {
    await fc.assert(
      fc.asyncProperty(queueCase(fc.integer({ min: 1, max: 3 })), async (c) => {
        const o = await playQueue(new Queue<string>(c.maxsize), c);
        expectExactlyOnce(o);
        expectFifoPerConsumer(o);
      }),
      RUNS,
    );
  });

  test('single consumer: each producer’s items arrive in the order it put them', async () => {
    const oneConsumer = queueCase(fc.integer({ min: 0, max: 2 })).map((c) => ({
      ...c,
      consumers: [c.consumers.flat()],
    }));
    await fc.assert(
      fc.asyncProperty(oneConsumer, async (c) => {
        const o = await playQueue(new Queue<string>(c.maxsize), c);
        expectExactlyOnce(o);
        const all = [...(o.received[0] as string[]), ...o.drained];
        for (let p = 0; p < c.producers.length; p++) {
          const mine = all
            .filter((item) => item.startsWith(`${p}:`))
            .map((item) => Number(item.split(':')[1]));
          expect(mine).toEqual([...mine].sort((a, b) => a - b));
        }
      }),
      RUNS,
    );
  });

  test('PriorityQueue and LifoQueue, bounded and unbounded: every item exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(queueCase(fc.integer({ min: 0, max: 3 })), fc.boolean(), async (c, lifo) => {
        const q = lifo ? new LifoQueue<string>(c.maxsize) : new PriorityQueue<string>(c.maxsize);
        expectExactlyOnce(await playQueue(q, c));
      }),
      RUNS,
    );
  });
});

interface LockCase {
  permits: number;
  workers: { step: Step; hold: number }[][];
  cancels: Cancel[];
}

const lockCase: fc.Arbitrary<LockCase> = fc.record({
  permits: fc.integer({ min: 1, max: 3 }),
  workers: fc.array(
    fc.array(fc.record({ step, hold: fc.constantFrom(0, 0.1, 0.2) }), {
      minLength: 1,
      maxLength: 4,
    }),
    { minLength: 2, maxLength: 5 },
  ),
  cancels: fc.array(cancel, { maxLength: 4 }),
});

/** Run a lock case: returns the most holders seen at once, and the primitive's state after. */
async function playLock(
  lock: { acquire(): Promise<Disposable> },
  c: LockCase,
): Promise<{ maxHolders: number; acquired: number }> {
  let holders = 0;
  let maxHolders = 0;
  let acquired = 0;
  async function worker(steps: { step: Step; hold: number }[]) {
    for (const { step: s, hold } of steps) {
      let guard: Disposable;
      try {
        guard = await withTimeout(s, () => lock.acquire());
      } catch (err) {
        if (err instanceof TaskTimeout) continue;
        throw err;
      }
      using _ = guard;
      acquired++;
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      try {
        if (hold > 0) await sleep(hold);
      } finally {
        holders--;
      }
    }
  }
  return runVirtual(async () => {
    const tasks: Task[] = [];
    for (const steps of c.workers) tasks.push(await spawn(worker, steps));
    const canceller = await spawn(async () => {
      let now = 0;
      for (const x of [...c.cancels].sort((a, b) => a.at - b.at)) {
        if (x.at > now) await sleep(x.at - now);
        now = x.at;
        await tasks[x.target % tasks.length]?.cancel({ blocking: x.blocking });
      }
    });
    for (const t of tasks) await t.wait();
    await canceller.cancel();
    for (const t of tasks) {
      if (t.exception !== undefined && !(t.exception instanceof CancelledError)) throw t.exception;
    }
    return { maxHolders, acquired };
  });
}

describe('locks hold nothing after a cancelled or timed-out acquire', () => {
  test('Lock: one holder at a time; unlocked at the end', async () => {
    await fc.assert(
      fc.asyncProperty(lockCase, async (c) => {
        const lock = new Lock();
        const { maxHolders } = await playLock(lock, c);
        expect(maxHolders).toBeLessThanOrEqual(1);
        expect(lock.locked()).toBe(false);
        expect(String(lock)).toBe('Lock(unlocked, waiters=0)');
      }),
      RUNS,
    );
  });

  test('Semaphore: at most `value` holders; every permit back at the end', async () => {
    await fc.assert(
      fc.asyncProperty(lockCase, async (c) => {
        const sema = new Semaphore(c.permits);
        const { maxHolders } = await playLock(sema, c);
        expect(maxHolders).toBeLessThanOrEqual(c.permits);
        expect(sema.value).toBe(c.permits);
      }),
      RUNS,
    );
  });
});
