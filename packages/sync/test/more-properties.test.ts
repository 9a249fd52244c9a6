// Property-based tests of the primitives that properties.test.ts does not cover — RLock,
// Condition, BoundedSemaphore and Event — under random schedules of cancellations and
// timeouts, nested timeouts included (a long inner `timeoutAfter(10, ...)` inside a short
// outer block, and a short inner block inside a long outer one).
//
// As in properties.test.ts, every case runs on a fresh kernel under an auto-jumping
// MockClock, so a generated case is deterministic and replayable from its seed. Every
// assertion is about states the API promises on *every* schedule (who holds what, who
// returns, what is left at the end), never about when something happens.
//
// Invariant checks inside the tasks record violations instead of throwing: a throw would
// unwind the task through code under test (and could leave others blocked forever), while a
// recorded violation lets the case finish cleanly and fails it at the end with a message.
import {
  CancelledError,
  CurioError,
  currentTask,
  ignoreAfter,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { BoundedSemaphore, Condition, Event, type Guard, Lock, RLock } from '@curio/sync';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runVirtualNoSignals as runVirtual } from './helpers.js';

const RUNS = { numRuns: 100 };

/** Virtual time after which every task still alive counts as hung (then is cancelled). */
const END = 200;

// ---------------------------------------------------------------------------------------
// Shared generators and helpers
// ---------------------------------------------------------------------------------------

/**
 * How one blocking operation is attempted: after a pause, inside an optional outer
 * `timeoutAfter(outer)` with an optional inner `timeoutAfter(inner)` nested in it. The
 * combinations give a plain call, a single timeout, a long inner block inside a short outer
 * one (the outer expires: the inner block sees `TimeoutCancellationError`), and a short inner
 * block inside a long outer one (the inner expires and is caught inside the outer block).
 */
interface Step {
  pause: number;
  outer: number | null;
  inner: number | null;
}

const step: fc.Arbitrary<Step> = fc.record({
  pause: fc.constantFrom(0, 0, 0, 0.1, 0.2),
  outer: fc.constantFrom(null, null, 0.05, 0.15, 0.25, 10),
  inner: fc.constantFrom(null, null, 10, 10, 0.05, 0.15),
});

/** A cancellation of task `target` (an index, modulo the targets) at virtual time `at`. */
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

/**
 * The index (modulo the targets) of a task to cancel right after an operation that hands
 * something to a waiter (a release, a notify, a set), or null. The waiter it picks may be
 * the one just woken and not yet run: the cancellation must then stay pending, and the
 * waiter must still get (and so give back) what it was handed. Timers rarely hit that
 * window: a timeout due at the same instant as the release is delivered before it.
 */
const kill: fc.Arbitrary<number | null> = fc.option(fc.nat(), { freq: 3 });

/** Cancel (without waiting) the task `k` designates, if any. */
async function cancelNow(targets: Task[], k: number | null): Promise<void> {
  if (k !== null) await targets[k % targets.length]?.cancel({ blocking: false });
}

/** What `attempt` returns when one of its timeout blocks expired. */
const TIMED_OUT: unique symbol = Symbol('timed out');
type Timed<R> = R | typeof TIMED_OUT;

async function catchTimeout<R>(fn: () => Promise<R>): Promise<Timed<R>> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TaskTimeout) return TIMED_OUT;
    throw err;
  }
}

/**
 * Run `fn` as step `s` prescribes; `TIMED_OUT` if a timeout block expired. The inner block's
 * own expiry is caught inside the outer block: escaping it, it would be reported by the
 * outer block as an `UncaughtTimeoutError` (the kernel's rule for a foreign TaskTimeout).
 */
async function attempt<R>(s: Step, fn: () => Promise<R>): Promise<Timed<R>> {
  if (s.pause > 0) await sleep(s.pause);
  const innerSeconds = s.inner;
  const body: () => Promise<Timed<R>> =
    innerSeconds === null ? fn : () => catchTimeout(() => timeoutAfter(innerSeconds, fn));
  const outerSeconds = s.outer;
  return outerSeconds === null ? body() : catchTimeout(() => timeoutAfter(outerSeconds, body));
}

/** Cancel `targets` as `cancels` says, in time order (a task of its own). */
async function canceller(targets: Task[], cancels: Cancel[]): Promise<void> {
  let now = 0;
  for (const x of [...cancels].sort((a, b) => a.at - b.at)) {
    if (x.at > now) await sleep(x.at - now);
    now = x.at;
    await targets[x.target % targets.length]?.cancel({ blocking: x.blocking });
  }
}

/**
 * Wait (up to END) for `tasks` to finish; returns how many were still alive (hung), after
 * cancelling them and the helper tasks `extra`. Rethrows any task's failure other than a
 * cancellation: an unexpected error in a task is a failed case, not a quiet exit.
 */
async function finish(tasks: Task[], extra: Task[]): Promise<number> {
  await ignoreAfter(END, async () => {
    for (const t of tasks) await t.wait();
  });
  const hung = tasks.filter((t) => !t.terminated).length;
  for (const t of [...extra, ...tasks]) await t.cancel();
  for (const t of tasks) {
    if (t.exception !== undefined && !(t.exception instanceof CancelledError)) throw t.exception;
  }
  return hung;
}

/** The `depth=N` of an RLock's repr (the owner's depth; 0 when unlocked). */
function rlockDepth(lock: RLock): number {
  const m = /depth=(\d+)/.exec(String(lock));
  return m === null ? Number.NaN : Number(m[1]);
}

/**
 * Whether the calling task may use `cond` as the lock holder: `notify(0)` wakes nobody but
 * runs the Condition's ownership check (for an RLock: the calling task is the owner; for a
 * Lock: the lock is held).
 */
function holdsFor(cond: Condition): boolean {
  try {
    cond.notify(0);
    return true;
  } catch (err) {
    if (err instanceof CurioError) return false;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// RLock
// ---------------------------------------------------------------------------------------

/** One re-entrant acquire of a job, and how long to hold the lock after it. */
interface Level {
  step: Step;
  hold: number;
  /** Hold inside the timeout blocks of the acquire (its timeout can then fire while held). */
  holdInside: boolean;
}

/** One critical section: the levels acquired re-entrantly, outermost first. */
interface Job {
  levels: Level[];
  /** A worker to cancel right after the lock is released (and handed over). */
  kill: number | null;
}

interface RLockCase {
  workers: Job[][];
  cancels: Cancel[];
}

const level: fc.Arbitrary<Level> = fc.record({
  step,
  hold: fc.constantFrom(0, 0, 0.1, 0.2),
  holdInside: fc.boolean(),
});

const rlockCase: fc.Arbitrary<RLockCase> = fc.record({
  workers: fc.array(
    fc.array(fc.record({ levels: fc.array(level, { minLength: 1, maxLength: 4 }), kill }), {
      minLength: 1,
      maxLength: 3,
    }),
    { minLength: 2, maxLength: 4 },
  ),
  cancels: fc.array(cancel, { maxLength: 4 }),
});

interface RLockOutcome {
  violations: string[];
  hung: number;
  repr: string;
  locked: boolean;
}

async function playRLock(c: RLockCase): Promise<RLockOutcome> {
  const lock = new RLock();
  const probe = new Condition(lock); // only for its ownership check (holdsFor)
  const violations: string[] = [];
  let owner: Task | null = null; // who entered the critical section, by our own bookkeeping

  /** The lock is held by the calling task to depth `n` exactly (n = 0: not held by it). */
  function checkHeld(me: Task, n: number, where: string): void {
    const owns = holdsFor(probe);
    if (n === 0) {
      if (owns) violations.push(`${where}: ${me} holds nothing but owns ${lock}`);
      return;
    }
    if (!owns) violations.push(`${where}: ${me} acquired ${n} but does not own ${lock}`);
    else if (rlockDepth(lock) !== n) violations.push(`${where}: ${me} acquired ${n}, ${lock}`);
    if (owner !== me) violations.push(`${where}: ${me} holds ${lock} but ${owner} is inside`);
  }

  const tasks: Task[] = [];

  async function worker(jobs: Job[]): Promise<void> {
    const me = currentTask();
    for (const { levels, kill } of jobs) {
      const guards: Guard[] = [];
      try {
        for (const lv of levels) {
          const r = await attempt(lv.step, async () => {
            const guard = await lock.acquire();
            guards.push(guard);
            if (guards.length === 1) {
              // Entering the critical section: nobody else may be in it.
              if (owner !== null) violations.push(`${me} acquired ${lock} while ${owner} holds it`);
              owner = me;
            }
            checkHeld(me, guards.length, 'after acquire');
            if (lv.holdInside && lv.hold > 0) await sleep(lv.hold);
          });
          // A timed-out acquire holds nothing more than before it (a hold that timed out
          // after the acquire keeps its level: its guard is in `guards`).
          checkHeld(me, guards.length, r === TIMED_OUT ? 'after a timeout' : 'after a level');
          if (r === TIMED_OUT) break;
          if (!lv.holdInside && lv.hold > 0) await sleep(lv.hold);
        }
      } finally {
        // Here after a normal end, a timeout or a cancellation: exactly what was acquired
        // is held, and releasing it that many times leaves the task holding nothing.
        checkHeld(me, guards.length, 'before release');
        for (let g = guards.pop(); g !== undefined; g = guards.pop()) {
          if (guards.length === 0) owner = null; // leaving the critical section
          g.release();
        }
        checkHeld(me, 0, 'after release');
        await cancelNow(tasks, kill);
      }
    }
  }

  return runVirtual(async () => {
    for (const jobs of c.workers) tasks.push(await spawn(worker, jobs));
    const cancelTask = await spawn(canceller, tasks, c.cancels);
    const hung = await finish(tasks, [cancelTask]);
    return { violations, hung, repr: String(lock), locked: lock.locked() };
  });
}

describe('RLock under random re-entrant acquires, cancellations and nested timeouts', () => {
  test('one owner at a time; a cancelled or timed-out acquire holds nothing; unlocked at the end', async () => {
    await fc.assert(
      fc.asyncProperty(rlockCase, async (c) => {
        const o = await playRLock(c);
        expect(o.violations).toEqual([]);
        expect(o.hung).toBe(0);
        expect(o.locked).toBe(false);
        expect(o.repr).toBe('RLock(unlocked, depth=0, waiters=0)');
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Condition
// ---------------------------------------------------------------------------------------

interface ConsumerSpec {
  /** Tokens to take before finishing. */
  need: number;
  /** Extra re-entrant levels held while waiting (RLock only). */
  extra: number;
  /** `waitFor(predicate)`, or a bare `wait()` followed by a check. */
  useWaitFor: boolean;
  /** How each successive wait is attempted; once used up, plain waits. */
  steps: Step[];
  /** How long to keep the lock after taking a token (contention for re-acquirers). */
  hold: number;
}

interface ProducerStep {
  gap: number;
  batch: number;
  mode: 'one' | 'batch' | 'all';
  /** How long to keep the lock after notifying: the notified must wait to re-acquire. */
  hold: number;
  /** A consumer to cancel right after notifying (perhaps one just notified). */
  kill: number | null;
}

interface ConditionCase {
  rlock: boolean;
  consumers: ConsumerSpec[];
  producer: ProducerStep[];
  cancels: Cancel[];
}

const conditionCase: fc.Arbitrary<ConditionCase> = fc.record({
  rlock: fc.boolean(),
  consumers: fc.array(
    fc.record({
      need: fc.integer({ min: 1, max: 3 }),
      extra: fc.integer({ min: 0, max: 2 }),
      useWaitFor: fc.boolean(),
      steps: fc.array(step, { maxLength: 4 }),
      hold: fc.constantFrom(0, 0, 0.1),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  producer: fc.array(
    fc.record({
      gap: fc.constantFrom(0.05, 0.1, 0.2),
      batch: fc.integer({ min: 1, max: 2 }),
      mode: fc.constantFrom<ProducerStep['mode']>('one', 'batch', 'all'),
      hold: fc.constantFrom(0, 0, 0.1, 0.3),
      kill,
    }),
    { minLength: 1, maxLength: 4 },
  ),
  cancels: fc.array(cancel, { maxLength: 3 }),
});

const PLAIN: Step = { pause: 0, outer: null, inner: null };

interface ConditionOutcome {
  violations: string[];
  hung: number;
  got: number[];
  finishedNormally: boolean[];
  produced: number;
  available: number;
  condRepr: string;
  lockRepr: string;
  releaseAtEnd: unknown;
}

async function playCondition(c: ConditionCase): Promise<ConditionOutcome> {
  const lock = c.rlock ? new RLock() : new Lock();
  const cond = new Condition(lock);
  const violations: string[] = [];
  let holder: Task | null = null; // who is inside the critical section, by our bookkeeping
  let available = 0;
  let produced = 0;
  const got = c.consumers.map(() => 0);
  const consumers: Task[] = [];
  // Which waiters a notify() picks: the oldest blocked ones. A consumer blocks on nothing
  // but this condition in state COND_WAIT, and each wait() call gets a sequence number as
  // it blocks, so `notify(n)` picks the n lowest numbers among the tasks in COND_WAIT.
  let seq = 0;
  const waitSeq = new Map<Task, number>();
  const notified = new Set<Task>(); // picked by a notify, and its wait() has not returned yet

  /** The calling task is about to block in `wait()` (called synchronously right before). */
  function willWait(me: Task): void {
    waitSeq.set(me, ++seq);
  }

  /** The calling task's `wait()` returned normally: a notification it got was honoured. */
  function returned(me: Task): void {
    notified.delete(me);
  }

  function notify(me: Task, n: number | 'all'): void {
    const blocked = consumers
      .filter((t) => t.state === 'COND_WAIT')
      .sort((a, b) => (waitSeq.get(a) ?? 0) - (waitSeq.get(b) ?? 0));
    if (!String(cond).endsWith(`waiters=${blocked.length})`))
      violations.push(`${me}: ${blocked.length} tasks in COND_WAIT but ${cond}`);
    for (const t of n === 'all' ? blocked : blocked.slice(0, n)) notified.add(t);
    if (n === 'all') cond.notifyAll();
    else if (n === 1) cond.notify();
    else cond.notify(n);
  }

  function enter(me: Task, where: string): void {
    if (holder !== null) violations.push(`${where}: ${me} entered while ${holder} is inside`);
    if (!cond.locked()) violations.push(`${where}: ${me} entered but ${lock} is not locked`);
    if (!holdsFor(cond)) violations.push(`${where}: ${me} entered but does not hold ${lock}`);
    holder = me;
  }

  function leave(me: Task, where: string): void {
    if (holder !== me) violations.push(`${where}: ${me} left but ${holder} was inside`);
    holder = null;
  }

  async function consumer(k: number, spec: ConsumerSpec): Promise<void> {
    const me = currentTask();
    let n = 0;
    while (got[k] < spec.need) {
      const s = spec.steps[n++] ?? PLAIN;
      if (s.pause > 0) await sleep(s.pause);
      const guards = [await cond.acquire()];
      // Re-entrant levels never block (we own the RLock); wait() must restore them all.
      if (lock instanceof RLock)
        for (let i = 0; i < spec.extra; i++) guards.push(await cond.acquire());
      const depth = guards.length;
      enter(me, 'acquire');
      try {
        // wait() releases the lock: we leave the critical section before calling it.
        leave(me, 'before wait');
        let r: Timed<boolean>;
        try {
          r = await attempt({ ...s, pause: 0 }, async () => {
            if (spec.useWaitFor) {
              return cond.waitFor(() => {
                // The predicate runs holding the lock, before each wait and after each
                // wake (so a call after a wait means that wait returned normally).
                returned(me);
                enter(me, 'predicate');
                leave(me, 'predicate');
                const ok = available > 0;
                if (!ok) willWait(me); // waitFor() calls wait() next
                return ok;
              });
            }
            willWait(me);
            await cond.wait();
            returned(me);
            return available > 0;
          });
        } catch (err) {
          // Woken by a notify, a wait() returns normally even if a cancellation or timeout
          // arrives before it has the lock back (it stays pending): only a wait that was
          // not notified may end this way. Otherwise the notification would be lost.
          if (notified.delete(me)) violations.push(`${me}: a notified wait() raised ${err}`);
          throw err;
        } finally {
          // Returned, timed out or cancelled: the waiter holds the lock again, to its depth.
          enter(me, 'after wait');
          if (lock instanceof RLock && rlockDepth(lock) !== depth)
            violations.push(`after wait: ${me} had depth ${depth}, ${lock}`);
        }
        if (r === true && available === 0)
          violations.push(`${me}: waitFor returned but the predicate is false`);
        if (available > 0) {
          available--;
          got[k]++;
          if (spec.hold > 0) await sleep(spec.hold);
        }
      } finally {
        leave(me, 'release');
        // Each guard releases its level exactly once; the last one frees the lock.
        for (let g = guards.pop(); g !== undefined; g = guards.pop()) g.release();
      }
    }
  }

  async function producer(plan: ProducerStep[]): Promise<void> {
    const me = currentTask();
    // Notify until every consumer has finished (returned or was cancelled): a waiter that
    // was notified but then timed out takes no token, so later notifications must follow.
    for (let i = 0; !consumers.every((t) => t.terminated); i++) {
      const p = plan[i % plan.length];
      await sleep(p.gap);
      const guard = await cond.acquire();
      enter(me, 'producer');
      try {
        available += p.batch;
        produced += p.batch;
        notify(me, p.mode === 'one' ? 1 : p.mode === 'batch' ? p.batch : 'all');
        await cancelNow(consumers, p.kill);
        if (p.hold > 0) await sleep(p.hold);
      } finally {
        leave(me, 'producer');
        guard.release();
      }
    }
  }

  return runVirtual(async () => {
    for (const [k, spec] of c.consumers.entries()) consumers.push(await spawn(consumer, k, spec));
    const producerTask = await spawn(producer, c.producer);
    // Only consumers are cancelled: without its producer a waiter would rightly wait forever.
    const cancelTask = await spawn(canceller, consumers, c.cancels);
    const hung = await finish(consumers, [cancelTask, producerTask]);
    let releaseAtEnd: unknown;
    try {
      cond.release(); // nobody holds the lock: one more release must be refused
    } catch (err) {
      releaseAtEnd = err;
    }
    for (const t of notified) violations.push(`${t} was notified but its wait() never returned`);
    return {
      violations,
      hung,
      got,
      finishedNormally: consumers.map((t) => t.exception === undefined),
      produced,
      available,
      condRepr: String(cond),
      lockRepr: String(lock),
      releaseAtEnd,
    };
  });
}

describe('Condition under random notifications, cancellations and nested timeouts', () => {
  test('waiters hold the lock when they resume; none is lost; the lock is free at the end', async () => {
    await fc.assert(
      fc.asyncProperty(conditionCase, async (c) => {
        const o = await playCondition(c);
        expect(o.violations).toEqual([]);
        expect(o.hung).toBe(0); // every consumer finished: no waiter lost
        // Tokens are conserved, and only a cancelled consumer may have taken fewer than needed.
        expect(o.produced).toBe(o.available + o.got.reduce((a, b) => a + b, 0));
        for (const [k, spec] of c.consumers.entries()) {
          expect(o.got[k]).toBeLessThanOrEqual(spec.need);
          if (o.finishedNormally[k]) expect(o.got[k]).toBe(spec.need);
        }
        expect(o.condRepr).toBe('Condition(unlocked, waiters=0)');
        expect(o.lockRepr).toBe(
          c.rlock ? 'RLock(unlocked, depth=0, waiters=0)' : 'Lock(unlocked, waiters=0)',
        );
        expect(o.releaseAtEnd).toBeInstanceOf(CurioError);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------
// BoundedSemaphore
// ---------------------------------------------------------------------------------------

interface SemaStep {
  step: Step;
  hold: number;
  holdInside: boolean;
  /** Release once more through the same guard (must be a no-op). */
  doubleRelease: boolean;
  /** Before acquiring, try a release without holding anything (refused when value is full). */
  rogueRelease: boolean;
  /** A worker to cancel right after the release (perhaps the one handed the permit). */
  kill: number | null;
}

interface SemaCase {
  permits: number;
  workers: SemaStep[][];
  cancels: Cancel[];
}

const semaCase: fc.Arbitrary<SemaCase> = fc.record({
  permits: fc.integer({ min: 1, max: 3 }),
  workers: fc.array(
    fc.array(
      fc.record({
        step,
        hold: fc.constantFrom(0, 0.1, 0.2),
        holdInside: fc.boolean(),
        doubleRelease: fc.boolean(),
        rogueRelease: fc.boolean(),
        kill,
      }),
      { minLength: 1, maxLength: 4 },
    ),
    { minLength: 2, maxLength: 5 },
  ),
  cancels: fc.array(cancel, { maxLength: 4 }),
});

const TOO_MANY = /^BoundedSemaphore released too many times/;

interface SemaOutcome {
  violations: string[];
  hung: number;
  maxHolders: number;
  refused: number;
  value: number;
  repr: string;
  releaseAtEnd: unknown;
  valueAfterRefusal: number;
}

async function playSema(c: SemaCase): Promise<SemaOutcome> {
  const sema = new BoundedSemaphore(c.permits);
  const violations: string[] = [];
  let holders = 0; // tasks between a resolved acquire and their release
  let maxHolders = 0;
  let refused = 0;

  /** The value stays within its bound, counting the permits the holders have. */
  function observe(where: string): void {
    const v = sema.value;
    if (v < 0 || v > sema.bound) violations.push(`${where}: value out of range, ${sema}`);
    if (v + holders > sema.bound) violations.push(`${where}: ${holders} holders and ${sema}`);
    if (sema.locked() !== (v === 0))
      violations.push(`${where}: locked()=${sema.locked()}, ${sema}`);
  }

  /** A release by a task holding nothing, when every permit is back: must be refused. */
  function rogueRelease(where: string): void {
    if (sema.value !== sema.bound) return; // someone holds a permit: a release would be legal
    try {
      sema.release();
      violations.push(`${where}: a release above the bound was accepted, ${sema}`);
    } catch (err) {
      if (!(err instanceof CurioError && TOO_MANY.test(err.message))) throw err;
      refused++;
    }
    observe(`${where} (after a refused release)`);
  }

  const tasks: Task[] = [];

  async function worker(steps: SemaStep[]): Promise<void> {
    for (const s of steps) {
      if (s.rogueRelease) rogueRelease('worker');
      let guard: Guard | undefined;
      try {
        const r = await attempt(s.step, async () => {
          guard = await sema.acquire();
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          observe('after acquire');
          if (s.holdInside && s.hold > 0) await sleep(s.hold);
        });
        observe(r === TIMED_OUT ? 'after a timeout' : 'after a step');
        if (r !== TIMED_OUT && !s.holdInside && s.hold > 0) await sleep(s.hold);
      } finally {
        // Normal end, timeout or cancellation: give back exactly the permit taken, if any.
        if (guard !== undefined) {
          holders--;
          guard.release();
          if (s.doubleRelease) guard.release(); // a guard releases at most once
        }
        observe('after release');
        await cancelNow(tasks, s.kill);
      }
    }
  }

  return runVirtual(async () => {
    for (const steps of c.workers) tasks.push(await spawn(worker, steps));
    const cancelTask = await spawn(canceller, tasks, c.cancels);
    const hung = await finish(tasks, [cancelTask]);
    let releaseAtEnd: unknown;
    try {
      sema.release();
    } catch (err) {
      releaseAtEnd = err;
    }
    return {
      violations,
      hung,
      maxHolders,
      refused,
      value: sema.value,
      repr: String(sema),
      releaseAtEnd,
      valueAfterRefusal: sema.value,
    };
  });
}

describe('BoundedSemaphore under random cancellations and nested timeouts', () => {
  test('never above its bound; extra releases refused; every permit back at the end', async () => {
    await fc.assert(
      fc.asyncProperty(semaCase, async (c) => {
        const o = await playSema(c);
        expect(o.violations).toEqual([]);
        expect(o.hung).toBe(0);
        expect(o.maxHolders).toBeLessThanOrEqual(c.permits);
        expect(o.value).toBe(c.permits);
        expect(o.repr).toBe(`BoundedSemaphore(value=${c.permits}, waiters=0)`);
        expect(o.releaseAtEnd).toBeInstanceOf(CurioError);
        expect((o.releaseAtEnd as Error).message).toMatch(TOO_MANY);
        expect(o.valueAfterRefusal).toBe(c.permits);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Event
// ---------------------------------------------------------------------------------------

/**
 * What Event promises (src/event.ts): `wait()` on a set event returns at once (it is not a
 * cancellation point then); otherwise it blocks until the next `set()`. `set()` wakes every
 * task blocked at that moment, and each of them returns normally — even if the event is
 * cleared, or the waiter is cancelled or times out, before it gets to run (the wake was
 * delivered first; the cancellation stays pending for its next blocking call). `clear()`
 * only affects later calls. So every wait call ends exactly once, and:
 * - it returns normally if the event was set at the call, or some task was blocked in it when
 *   `set()` was called (no lost wake-up);
 * - it returns normally only if the event was set at the call or `set()` was called while it
 *   was outstanding (no spurious or stale wake-up, e.g. a second wake from an earlier set);
 * - otherwise it ends by its timeout or a cancellation.
 */
interface EventOp {
  at: number;
  /** `pulse`: `set()` then `clear()` in the same step (waiters run after the clear). */
  op: 'set' | 'clear' | 'pulse';
  /** A waiter to cancel right after the operation (perhaps one just woken). */
  kill: number | null;
}

interface EventCase {
  waiters: Step[][];
  script: EventOp[];
  cancels: Cancel[];
}

const eventCase: fc.Arbitrary<EventCase> = fc.record({
  waiters: fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 6,
  }),
  script: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 30 }).map((n) => n * 0.05),
      op: fc.constantFrom<EventOp['op']>('set', 'clear', 'clear', 'pulse', 'pulse'),
      kill,
    }),
    { maxLength: 8 },
  ),
  cancels: fc.array(cancel, { maxLength: 4 }),
});

/** Virtual time of the final `set()`, after every scripted operation. */
const FINAL_SET = 5;

interface WaitRecord {
  task: Task;
  setAtCall: boolean;
  setsAtCall: number;
  /** A `set()` was called while this wait was blocked in the event. */
  mustReturn: boolean;
  outcome: 'pending' | 'returned' | 'timed out' | 'cancelled';
  setsAtEnd: number;
}

async function playEvent(c: EventCase): Promise<{
  records: WaitRecord[];
  violations: string[];
  hung: number;
  repr: string;
}> {
  const evt = new Event();
  const violations: string[] = [];
  const records: WaitRecord[] = [];
  const current = new Map<Task, WaitRecord>(); // each waiter's outstanding wait
  let sets = 0;
  const waiters: Task[] = [];

  function set(): void {
    // Who is blocked in the event right now: each of them must return from this wait.
    const blocked = waiters.filter((t) => t.state === 'EVENT_WAIT');
    if (!String(evt).endsWith(`waiters=${blocked.length})`))
      violations.push(`${blocked.length} tasks in EVENT_WAIT but ${evt}`);
    for (const t of blocked) {
      const rec = current.get(t);
      if (rec === undefined) violations.push(`${t} is in EVENT_WAIT outside a wait call`);
      else rec.mustReturn = true;
    }
    sets++;
    evt.set();
  }

  async function waiter(steps: Step[]): Promise<void> {
    const me = currentTask();
    for (const s of steps) {
      if (s.pause > 0) await sleep(s.pause);
      const rec: WaitRecord = {
        task: me,
        setAtCall: evt.isSet(),
        setsAtCall: sets,
        mustReturn: false,
        outcome: 'pending',
        setsAtEnd: Number.NaN,
      };
      records.push(rec);
      current.set(me, rec);
      try {
        const r = await attempt({ ...s, pause: 0 }, () => evt.wait());
        rec.outcome = r === TIMED_OUT ? 'timed out' : 'returned';
      } catch (err) {
        if (err instanceof CancelledError) rec.outcome = 'cancelled';
        throw err;
      } finally {
        rec.setsAtEnd = sets;
        current.delete(me);
      }
    }
  }

  async function script(ops: EventOp[]): Promise<void> {
    let now = 0;
    for (const x of [...ops].sort((a, b) => a.at - b.at)) {
      if (x.at > now) await sleep(x.at - now);
      now = x.at;
      if (x.op === 'clear') evt.clear();
      else {
        set();
        if (x.op === 'pulse') evt.clear();
      }
      await cancelNow(waiters, x.kill);
    }
    if (FINAL_SET > now) await sleep(FINAL_SET - now);
    set(); // and it stays set: every later wait returns at once
  }

  return runVirtual(async () => {
    for (const steps of c.waiters) waiters.push(await spawn(waiter, steps));
    const scriptTask = await spawn(script, c.script);
    const cancelTask = await spawn(canceller, waiters, c.cancels);
    // The script always runs to its final set(), which every waiter still blocked must see.
    const hung = await finish([...waiters, scriptTask], [cancelTask]);
    return { records, violations, hung, repr: String(evt) };
  });
}

describe('Event under random set/clear cycles, cancellations and nested timeouts', () => {
  test('set() wakes every blocked waiter exactly once; no spurious or lost wake-ups', async () => {
    await fc.assert(
      fc.asyncProperty(eventCase, async (c) => {
        const o = await playEvent(c);
        expect(o.violations).toEqual([]);
        expect(o.hung).toBe(0);
        for (const rec of o.records) {
          const what = `${rec.task}: ${JSON.stringify({ ...rec, task: undefined })}`;
          expect(rec.outcome, what).not.toBe('pending');
          // Lost wake-up: blocked at a set() (or set at the call), yet did not return.
          if (rec.setAtCall || rec.mustReturn) expect(rec.outcome, what).toBe('returned');
          // Spurious wake-up: returned with no set() to account for it.
          if (rec.outcome === 'returned')
            expect(rec.setAtCall || rec.setsAtEnd > rec.setsAtCall, what).toBe(true);
        }
        expect(o.repr).toBe('Event(set, waiters=0)');
      }),
      RUNS,
    );
  });
});
