// More property tests: the kernel features properties.test.ts does not exercise, under random
// schedules. Each property runs random programs and checks invariants that must hold on every
// schedule; violations are recorded inside the tasks (never thrown there), so a failing case
// still ends cleanly and fast-check can shrink it.
//
// 1. join()/wait() on other tasks, under random (nested) timeouts and cancellations, on the
//    virtual clock: what join() returns or throws, that joined targets have ended, crash logs.
// 2. TaskGroup result APIs (nextDone, nextResult, for await, addTask, cancelRemaining, join,
//    completed/result/results/exceptions/TaskGroupError), on the virtual clock.
// 3. awaitPromise() on foreign promises (settled, timers, immediates, never) with random
//    signals, timeouts and cancellations, and task.signal; on the real clock with delays of at
//    most 2 ms (every assertion is independent of timing).
// 4. Tasks awaiting foreign promises (not traps) mixed with tasks doing sleep(0) and WaitQueue
//    waits: task identity is never mixed up, and the ready queue stays FIFO (DESIGN §4).
import {
  Activation,
  awaitPromise,
  CancelledError,
  CurioError,
  clock,
  currentTask,
  currentTaskOrUndefined,
  MockClock,
  run,
  sleep,
  spawn,
  type Task,
  TaskCancelled,
  TaskError,
  type TaskGroup,
  TaskGroupError,
  TaskTimeout,
  TimeoutCancellationError,
  timeoutAfter,
  type WaitPolicy,
  withTaskGroup,
} from '@curio/kernel';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Gate } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Shared machinery
// ---------------------------------------------------------------------------------------------

class Boom extends Error {
  constructor(readonly who: string) {
    super(`boom from ${who}`);
    this.name = 'Boom';
  }
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}(${e.message})` : String(e);
}

/** What a task did, as it recorded it itself just before ending. */
type Outcome<V = unknown> =
  | { kind: 'returned'; value: V }
  | { kind: 'threw'; error: Boom }
  | { kind: 'cancelled'; error: CancelledError };

function describeOutcome(out: Outcome | undefined): string {
  if (out === undefined) return 'has no recorded outcome';
  if (out.kind === 'returned') return `returned ${String(out.value)}`;
  return `${out.kind} ${describeError(out.error)}`;
}

/** The task's own state agrees with what it recorded. */
function checkTaskOutcome(task: Task, out: Outcome | undefined, where: string, v: string[]): void {
  if (!task.terminated) {
    v.push(`${where}: ${task} has not terminated`);
    return;
  }
  if (out === undefined) {
    v.push(`${where}: ${task} ended without recording its outcome`);
  } else if (out.kind === 'returned') {
    if (task.exception !== undefined || task.result !== out.value)
      v.push(`${where}: ${task} returned ${String(out.value)}, the task says otherwise`);
  } else if (task.exception !== out.error) {
    v.push(`${where}: ${task} ${describeOutcome(out)}, task.exception is ${task.exception}`);
  }
}

/** How many `Task Crash` reports name this task. */
function crashReports(logs: readonly string[], task: Task): number {
  const prefix = `Task Crash: Task(id=${task.id},`;
  return logs.filter((line) => line.startsWith(prefix)).length;
}

class Registry extends Activation {
  readonly tasks: Task[] = [];
  override created(task: Task): void {
    this.tasks.push(task);
  }
}

interface RunReport {
  /** `returned <value>`, or `raised <error>`, or `run() did not settle`. */
  outcome: string;
  /** Every task the kernel created. */
  created: Task[];
  /** Messages the kernel logged (crash reports). */
  logs: string[];
}

/**
 * Runs `main` on a fresh kernel (virtual auto-jumping clock, or the real one), capturing crash
 * logs and the tasks created; gives up after a few real seconds (a hang is a failure).
 */
async function runProgram(virtual: boolean, main: () => Promise<unknown>): Promise<RunReport> {
  const registry = new Registry();
  const logs: string[] = [];
  const settled = run(
    {
      clock: virtual ? new MockClock({ start: 0, autojump: true }) : undefined,
      signals: 'default',
      activations: [registry],
      log: (message) => logs.push(message),
    },
    main,
  ).then(
    (value) => `returned ${String(value)}`,
    (e) => `raised ${describeError(e)}`,
  );
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    settled,
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('run() did not settle'), 5_000);
    }),
  ]);
  clearTimeout(timer);
  // Let foreign timers still pending (<= 2 ms) fire, and stray rejections surface.
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
  return { outcome, created: registry.tasks, logs };
}

function checkAllTerminated(report: RunReport, v: string[]): void {
  for (const t of report.created) if (!t.terminated) v.push(`${t} alive after run() settled`);
}

/** A timeout around an operation: none, one block, or a long inner block in a short outer one. */
type Timeout = { kind: 'none' } | { kind: 'single'; d: number } | { kind: 'nested'; d: number };

const INNER = 10; // seconds: the long inner block of a nested timeout

/**
 * Runs `op` under `tmo` (durations in seconds). `blocks` receives the deadlines of the blocks
 * entered (as computed here, never later than the kernel's), removed when they are left.
 * The inner block of a nested timeout must never be the one that expires.
 */
async function withTimeout<T>(
  tmo: Timeout,
  op: () => Promise<T>,
  blocks: number[],
  where: string,
  v: string[],
): Promise<T> {
  if (tmo.kind === 'none') return op();
  const block = async <U>(d: number, body: () => Promise<U>): Promise<U> => {
    blocks.push(clock() + d);
    try {
      return await timeoutAfter(d, body);
    } finally {
      blocks.pop();
    }
  };
  if (tmo.kind === 'single') return block(tmo.d, op);
  return block(tmo.d, async () => {
    try {
      return await block(INNER, op);
    } catch (e) {
      if (e instanceof TaskTimeout)
        v.push(`${where}: inner ${INNER} s block raised TaskTimeout inside a ${tmo.d} s one`);
      throw e;
    }
  });
}

const quarter = fc.integer({ min: 0, max: 8 }).map((n) => n / 4);
const timeoutArb = (d: fc.Arbitrary<number>): fc.Arbitrary<Timeout> =>
  fc.oneof(
    fc.constant<Timeout>({ kind: 'none' }),
    fc.record({ kind: fc.constant('single' as const), d }),
    fc.record({ kind: fc.constant('nested' as const), d }),
  );

// ---------------------------------------------------------------------------------------------
// 1. join() and wait() on other tasks
// ---------------------------------------------------------------------------------------------

type JoinStep =
  | { t: 'sleep'; d: number }
  | { t: 'join'; target: number; mode: 'join' | 'wait'; timeout: Timeout };

interface Joiner {
  steps: JoinStep[];
  end: 'return' | 'throw';
}

interface CancelStep {
  d: number;
  target: number;
  blocking: boolean;
}

interface JoinProgram {
  workers: Joiner[];
  cancels: CancelStep[];
  /** How long main lives: the rest is cancelled at shutdown. */
  mainSleep: number;
}

const joinProgram: fc.Arbitrary<JoinProgram> = fc.record({
  workers: fc.array(
    fc.record({
      steps: fc.array(
        fc.oneof(fc.record({ t: fc.constant('sleep' as const), d: quarter }), {
          arbitrary: fc.record({
            t: fc.constant('join' as const),
            target: fc.nat(7),
            mode: fc.constantFrom<'join' | 'wait'>('join', 'wait'),
            timeout: timeoutArb(quarter),
          }),
          weight: 2,
        }),
        { maxLength: 4 },
      ),
      end: fc.constantFrom<'return' | 'throw'>('return', 'throw'),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  cancels: fc.array(fc.record({ d: quarter, target: fc.nat(7), blocking: fc.boolean() }), {
    maxLength: 3,
  }),
  mainSleep: fc.constantFrom(0, 0.5, 1, 2, 1000),
});

interface JoinCall {
  joiner: number;
  target: number;
  mode: 'join' | 'wait';
  /** The target had not terminated when the call started. */
  beforeEnd: boolean;
  result: 'pending' | 'value' | 'TaskError' | 'timeout' | 'cancelled' | 'other';
}

interface JoinObservation {
  report: RunReport;
  violations: string[];
  workers: Task[];
  outcomes: Map<number, Outcome<number>>;
  calls: JoinCall[];
}

async function observeJoins(prog: JoinProgram): Promise<JoinObservation> {
  const v: string[] = [];
  const workers: Task[] = [];
  const outcomes = new Map<number, Outcome<number>>();
  const calls: JoinCall[] = [];

  async function joinStep(i: number, where: string, s: JoinStep & { t: 'join' }): Promise<void> {
    const me = currentTask();
    const j = s.target % i; // only tasks spawned earlier: no cycles
    const target = workers[j]!;
    const call: JoinCall = {
      joiner: i,
      target: j,
      mode: s.mode,
      beforeEnd: !target.terminated,
      result: 'pending',
    };
    calls.push(call);
    const start = clock();
    const op = s.mode === 'join' ? () => target.join() : () => target.wait();
    try {
      const value: unknown = await withTimeout(s.timeout, op, [], where, v);
      call.result = 'value';
      if (!target.terminated) v.push(`${where}: ${s.mode}() returned before w${j} terminated`);
      const out = outcomes.get(j);
      if (s.mode === 'join' && (out?.kind !== 'returned' || out.value !== value))
        v.push(`${where}: join() returned ${String(value)}, but w${j} ${describeOutcome(out)}`);
      if (s.mode === 'wait' && value !== undefined)
        v.push(`${where}: wait() returned ${String(value)}`);
    } catch (e) {
      if (e instanceof TaskError) {
        call.result = 'TaskError';
        const out = outcomes.get(j);
        if (s.mode === 'wait') v.push(`${where}: wait() threw ${describeError(e)}`);
        if (!target.terminated) v.push(`${where}: join() threw before w${j} terminated`);
        if (out === undefined || out.kind === 'returned' || e.cause !== out.error)
          v.push(
            `${where}: TaskError caused by ${describeError(e.cause)}, w${j} ${describeOutcome(out)}`,
          );
      } else if (e instanceof TaskTimeout) {
        call.result = 'timeout';
        if (s.timeout.kind === 'none') v.push(`${where}: TaskTimeout without a timeout block`);
        else if (clock() < start + s.timeout.d || e.clock < start + s.timeout.d)
          v.push(`${where}: TaskTimeout at ${e.clock}, before the deadline ${start + s.timeout.d}`);
      } else if (e instanceof TaskCancelled) {
        call.result = 'cancelled';
        if (!me.cancelled) v.push(`${where}: ${s.mode}() threw TaskCancelled, nobody cancelled it`);
        throw e;
      } else {
        call.result = 'other';
        v.push(`${where}: ${s.mode}() threw ${describeError(e)}`);
        throw e;
      }
    }
  }

  async function worker(i: number, spec: Joiner): Promise<number> {
    const me = currentTask();
    try {
      for (const [k, s] of spec.steps.entries()) {
        if (s.t === 'sleep') await sleep(s.d);
        else if (i > 0) await joinStep(i, `w${i}.${k}`, s);
        if (currentTask() !== me) v.push(`w${i}.${k}: currentTask() is ${currentTask()}`);
      }
    } catch (e) {
      if (!(e instanceof TaskCancelled && me.cancelled))
        v.push(`w${i}: ended with unexpected ${describeError(e)}`);
      if (e instanceof CancelledError) outcomes.set(i, { kind: 'cancelled', error: e });
      throw e;
    }
    if (spec.end === 'return') {
      outcomes.set(i, { kind: 'returned', value: 100 + i });
      return 100 + i;
    }
    const boom = new Boom(`w${i}`);
    outcomes.set(i, { kind: 'threw', error: boom });
    throw boom;
  }

  async function canceller(): Promise<void> {
    for (const [k, c] of prog.cancels.entries()) {
      await sleep(c.d);
      const victim = workers[c.target % workers.length]!;
      await victim.cancel({ blocking: c.blocking });
      if (c.blocking && !victim.terminated)
        v.push(`cancel ${k}: cancel() returned before ${victim} terminated`);
    }
  }

  const report = await runProgram(true, async () => {
    for (const [i, spec] of prog.workers.entries())
      workers.push(await spawn({ name: `w${i}` }, worker, i, spec));
    await spawn({ name: 'canceller' }, canceller);
    await sleep(prog.mainSleep);
    return 'ok';
  });
  return { report, violations: v, workers, outcomes, calls };
}

describe('1. join() and wait() under random timeouts and cancellations', () => {
  test('join returns the value or TaskError(cause), waits for the end; nothing leaks', async () => {
    await fc.assert(
      fc.asyncProperty(joinProgram, async (prog) => {
        const obs = await observeJoins(prog);
        const v = obs.violations;
        checkAllTerminated(obs.report, v);
        for (const [i, t] of obs.workers.entries())
          checkTaskOutcome(t, obs.outcomes.get(i), `w${i}`, v);
        for (const c of obs.calls)
          if (c.result === 'pending') v.push(`w${c.joiner}: ${c.mode}(w${c.target}) never ended`);
        expect(obs.report.outcome).toBe('returned ok');
        expect(v).toEqual([]);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  test('a crash nobody joins is logged once; one a join() waited for is not', async () => {
    await fc.assert(
      fc.asyncProperty(joinProgram, async (prog) => {
        const obs = await observeJoins(prog);
        const v: string[] = [];
        const logs = obs.report.logs;
        for (const t of obs.report.created) {
          const w = obs.workers.indexOf(t);
          const n = crashReports(logs, t);
          const out = w < 0 ? undefined : obs.outcomes.get(w);
          if (out?.kind !== 'threw') {
            if (n > 0) v.push(`${t} did not crash (${describeOutcome(out)}), logged ${n}×`);
            continue;
          }
          const joins = obs.calls.filter((c) => c.target === w && c.mode === 'join');
          // A join() that was waiting when the task crashed reports the crash itself.
          const collected = joins.some((c) => c.beforeEnd && c.result === 'TaskError');
          if (joins.length === 0 && n !== 1)
            v.push(`w${w} crashed, nobody called join(), logged ${n}× (expected once)`);
          else if (collected && n !== 0)
            v.push(`w${w} crashed while a join() waited for it, still logged ${n}×`);
          else if (n > 1) v.push(`w${w} logged ${n}×`);
        }
        expect(v).toEqual([]);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  test('a hand-written schedule: nested timeout around a join, then a cancelled joiner', async () => {
    const prog: JoinProgram = {
      workers: [
        { steps: [{ t: 'sleep', d: 2 }], end: 'throw' },
        {
          steps: [{ t: 'join', target: 0, mode: 'join', timeout: { kind: 'nested', d: 0.5 } }],
          end: 'return',
        },
        {
          steps: [
            { t: 'join', target: 1, mode: 'join', timeout: { kind: 'none' } },
            { t: 'join', target: 0, mode: 'join', timeout: { kind: 'none' } },
          ],
          end: 'return',
        },
        {
          steps: [{ t: 'join', target: 0, mode: 'join', timeout: { kind: 'none' } }],
          end: 'return',
        },
      ],
      cancels: [{ d: 1, target: 3, blocking: true }],
      mainSleep: 1000,
    };
    const obs = await observeJoins(prog);
    expect(obs.violations).toEqual([]);
    expect(obs.calls.map((c) => `w${c.joiner}→w${c.target} ${c.result}`)).toEqual([
      'w1→w0 timeout',
      'w2→w1 value',
      'w3→w0 cancelled',
      'w2→w0 TaskError',
    ]);
    expect(obs.report.logs).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. TaskGroup result APIs
// ---------------------------------------------------------------------------------------------

interface MemberSpec {
  daemon: boolean;
  d: number;
  end: 'value' | 'undefined' | 'throw';
}

type GroupStep =
  | { t: 'sleep'; d: number }
  | { t: 'take'; api: 'nextDone' | 'nextResult' | 'iterate'; timeout: Timeout }
  | { t: 'join'; target: number; timeout: Timeout }
  | { t: 'add'; free: number }
  | { t: 'cancelRemaining' }
  | { t: 'throw' };

interface GroupProgram {
  wait: WaitPolicy;
  members: MemberSpec[];
  /** Tasks spawned outside the group, which the body may add with addTask. */
  free: MemberSpec[];
  body: GroupStep[];
  cancels: CancelStep[];
}

const memberDuration = fc.oneof(quarter, fc.constant(50));
const memberSpec: fc.Arbitrary<MemberSpec> = fc.record({
  daemon: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  d: memberDuration,
  end: fc.constantFrom<MemberSpec['end']>('value', 'undefined', 'throw'),
});

const groupProgram: fc.Arbitrary<GroupProgram> = fc.record({
  wait: fc.constantFrom<WaitPolicy>('all', 'any', 'object', 'none'),
  members: fc.array(memberSpec, { maxLength: 5 }),
  free: fc.array(memberSpec, { maxLength: 2 }),
  body: fc.array(
    fc.oneof(
      fc.record({ t: fc.constant('sleep' as const), d: quarter }),
      {
        arbitrary: fc.record({
          t: fc.constant('take' as const),
          api: fc.constantFrom<'nextDone' | 'nextResult' | 'iterate'>(
            'nextDone',
            'nextResult',
            'iterate',
          ),
          timeout: timeoutArb(quarter),
        }),
        weight: 4,
      },
      fc.record({
        t: fc.constant('join' as const),
        target: fc.nat(7),
        timeout: timeoutArb(quarter),
      }),
      fc.record({ t: fc.constant('add' as const), free: fc.nat(3) }),
      fc.record({ t: fc.constant('cancelRemaining' as const) }),
      { arbitrary: fc.record({ t: fc.constant('throw' as const) }), weight: 1 },
    ),
    { maxLength: 5 },
  ),
  cancels: fc.array(fc.record({ d: quarter, target: fc.nat(7), blocking: fc.boolean() }), {
    maxLength: 2,
  }),
});

/** One task the group property follows: a member, or a free task the body may add. */
interface Tracked {
  name: string;
  spec: MemberSpec;
  task: Task<number | undefined>;
  /** In the group now (spawned into it or added, and not yet taken or removed). */
  inGroup: boolean;
  added: boolean;
  outcome?: Outcome<number | undefined>;
  yielded: number;
  /** The consumer received the task's crash (nextDone/iteration, nextResult, join). */
  reported: boolean;
}

interface GroupObservation {
  report: RunReport;
  violations: string[];
  tracked: Tracked[];
  raised: unknown;
  bodyBoom: Boom | undefined;
}

async function observeGroup(prog: GroupProgram): Promise<GroupObservation> {
  const v: string[] = [];
  const tracked: Tracked[] = [];
  // Model of the group's queue of finished members, oldest first.
  let finished: Tracked[] = [];
  let raised: unknown;
  let bodyBoom: Boom | undefined;
  let bodyDone = false;

  async function member(m: Tracked): Promise<number | undefined> {
    const me = currentTask();
    const end = (out: Outcome<number | undefined>) => {
      m.outcome = out;
      if (m.inGroup && !m.spec.daemon) finished.push(m);
    };
    try {
      await sleep(m.spec.d);
    } catch (e) {
      if (!(e instanceof TaskCancelled && me.cancelled))
        v.push(`${m.name}: ended with unexpected ${describeError(e)}`);
      if (e instanceof CancelledError) end({ kind: 'cancelled', error: e });
      throw e;
    }
    if (m.spec.end === 'throw') {
      const boom = new Boom(m.name);
      end({ kind: 'threw', error: boom });
      throw boom;
    }
    const value = m.spec.end === 'value' ? tracked.indexOf(m) : undefined;
    end({ kind: 'returned', value });
    return value;
  }

  const runningInGroup = () =>
    tracked.filter((m) => m.inGroup && !m.spec.daemon && !m.task.terminated);

  /** The consumer received `task` from nextDone()/iteration (or undefined: none left). */
  function taken(task: Task | undefined, where: string): Tracked | undefined {
    if (task === undefined) {
      if (finished.length > 0 || runningInGroup().length > 0)
        v.push(
          `${where}: nothing left, but ${[...finished, ...runningInGroup()].map((m) => m.name)} are`,
        );
      return undefined;
    }
    const m = tracked.find((x) => x.task === task);
    if (m === undefined) {
      v.push(`${where}: yielded ${task}, which is no member`);
      return undefined;
    }
    if (finished[0] !== m)
      v.push(`${where}: yielded ${m.name}, the first member to finish is ${finished[0]?.name}`);
    if (m.yielded++ > 0) v.push(`${where}: yielded ${m.name} a second time`);
    finished = finished.filter((x) => x !== m);
    m.inGroup = false;
    m.reported = true;
    checkTaskOutcome(task, m.outcome, `${where} (${m.name})`, v);
    return m;
  }

  async function take(g: TaskGroup<number | undefined>, api: string, where: string) {
    if (api === 'nextDone') {
      taken(await g.nextDone(), where);
    } else if (api === 'iterate') {
      for await (const task of g) taken(task, where);
      taken(undefined, `${where} (iteration over)`);
    } else {
      let got: { ok: true; value: number | undefined } | { ok: false; error: unknown };
      try {
        got = { ok: true, value: await g.nextResult() };
      } catch (e) {
        if (e instanceof TaskTimeout || e instanceof TimeoutCancellationError) throw e;
        if (e instanceof CurioError) {
          taken(undefined, `${where} (nextResult() found nothing: ${describeError(e)})`);
          return;
        }
        got = { ok: false, error: e };
      }
      const what = got.ok ? `returned ${got.value}` : `threw ${describeError(got.error)}`;
      const head = finished[0];
      if (head === undefined) {
        v.push(`${where}: nextResult() ${what}, but no member had finished`);
        return;
      }
      const out = head.outcome;
      const same = got.ok
        ? out?.kind === 'returned' && out.value === got.value
        : out !== undefined && 'error' in out && out.error === got.error;
      if (!same)
        v.push(
          `${where}: nextResult() ${what}, the first to finish, ${head.name}, ${describeOutcome(out)}`,
        );
      taken(head.task, where);
    }
  }

  async function body(g: TaskGroup<number | undefined>): Promise<void> {
    for (const [i, spec] of prog.members.entries()) {
      const m: Tracked = {
        name: `m${i}`,
        spec,
        inGroup: true,
        added: true,
        yielded: 0,
        reported: false,
        task: undefined as unknown as Task<number | undefined>,
      };
      tracked.push(m);
      m.task = await g.spawn({ daemon: spec.daemon, name: m.name }, member, m);
    }
    for (const [k, s] of prog.body.entries()) {
      const where = `body.${k}`;
      switch (s.t) {
        case 'sleep':
          await sleep(s.d);
          break;
        case 'take':
          try {
            await withTimeout(s.timeout, () => take(g, s.api, `${where} ${s.api}`), [], where, v);
          } catch (e) {
            if (!(e instanceof TaskTimeout)) throw e;
          }
          break;
        case 'join': {
          if (tracked.length === 0) break;
          const m = tracked[s.target % tracked.length]!;
          try {
            const value = await withTimeout(s.timeout, () => m.task.join(), [], where, v);
            if (m.outcome?.kind !== 'returned' || m.outcome.value !== value)
              v.push(
                `${where}: join(${m.name}) returned ${value}, it ${describeOutcome(m.outcome)}`,
              );
          } catch (e) {
            if (e instanceof TaskTimeout) break;
            if (!(e instanceof TaskError)) throw e;
            if (m.outcome === undefined || !('error' in m.outcome) || e.cause !== m.outcome.error)
              v.push(
                `${where}: join(${m.name}) threw ${describeError(e.cause)}, it ${describeOutcome(m.outcome)}`,
              );
            if (m.outcome?.kind === 'threw') m.reported = true;
          }
          // A joined task leaves its group.
          finished = finished.filter((x) => x !== m);
          m.inGroup = false;
          break;
        }
        case 'add': {
          const m = tracked.find((x) => x.name === `f${s.free}`);
          if (m === undefined || m.added) break;
          m.added = m.inGroup = true;
          if (m.task.terminated && !m.spec.daemon) finished.push(m);
          await g.addTask(m.task);
          break;
        }
        case 'cancelRemaining': {
          const running = runningInGroup();
          await g.cancelRemaining();
          for (const m of running) {
            if (!m.task.terminated) v.push(`${where}: ${m.name} running after cancelRemaining()`);
            if (!m.task.cancelled) v.push(`${where}: cancelRemaining() did not cancel ${m.name}`);
            finished = finished.filter((x) => x !== m);
            m.inGroup = false;
          }
          break;
        }
        case 'throw':
          bodyBoom = new Boom('body');
          throw bodyBoom;
      }
    }
    bodyDone = true;
  }

  async function canceller(): Promise<void> {
    for (const c of prog.cancels) {
      await sleep(c.d);
      if (tracked.length === 0) continue;
      await tracked[c.target % tracked.length]!.task.cancel({ blocking: c.blocking });
    }
  }

  const report = await runProgram(true, async () => {
    for (const [i, spec] of prog.free.entries()) {
      const m: Tracked = {
        name: `f${i}`,
        spec,
        inGroup: false,
        added: false,
        yielded: 0,
        reported: false,
        task: undefined as unknown as Task<number | undefined>,
      };
      tracked.push(m);
      m.task = await spawn({ daemon: spec.daemon, name: m.name }, member, m);
    }
    await spawn({ name: 'canceller' }, canceller);
    let group: TaskGroup<number | undefined> | undefined;
    try {
      await withTaskGroup<number | undefined>({ wait: prog.wait }, async (g) => {
        group = g;
        await body(g);
      });
    } catch (e) {
      raised = e;
    }
    checkGroupEnd(group!);
    return 'ok';
  });

  function checkGroupEnd(g: TaskGroup<number | undefined>): void {
    // After the group, nothing it owned runs.
    for (const m of tracked)
      if ((m.added || m.name.startsWith('m')) && !m.task.terminated)
        v.push(`${m.name} still running after its group ended`);
    if (!g.joined) v.push('the group has not joined after its block');
    if (bodyBoom !== undefined) {
      if (raised !== bodyBoom)
        v.push(`the block raised ${describeError(raised)}, not the body's Boom`);
      return;
    }
    if (!bodyDone) v.push('the body did not finish');
    const remaining = tracked
      .filter((m) => m.inGroup && !m.spec.daemon)
      .sort((a, b) => a.task.id - b.task.id);
    const names = (ms: Tracked[]) => ms.map((m) => m.name).join(',');
    const tasks = g.tasks.map((t) => tracked.find((m) => m.task === t)?.name ?? String(t));
    if (tasks.join(',') !== names(remaining))
      v.push(`group.tasks is [${tasks}], expected [${names(remaining)}]`);
    for (const m of remaining) checkTaskOutcome(m.task, m.outcome, `group member ${m.name}`, v);
    const exceptions = g.exceptions;
    for (const [i, m] of remaining.entries()) {
      const out = m.outcome;
      const expected = out && 'error' in out ? out.error : undefined;
      if (exceptions[i] !== expected) v.push(`group.exceptions[${i}] is not ${m.name}'s outcome`);
    }
    // Failures of the members still in the group make the block raise TaskGroupError.
    const failures = remaining.filter((m) => m.outcome?.kind === 'threw');
    if (failures.length === 0) {
      if (raised !== undefined) v.push(`the block raised ${describeError(raised)}`);
    } else if (!(raised instanceof TaskGroupError)) {
      v.push(`${names(failures)} failed, the block raised ${describeError(raised)}`);
    } else {
      const errors = new Set(raised.errors);
      const expected = new Set(failures.map((m) => (m.outcome as { error: Boom }).error));
      if (errors.size !== expected.size || [...expected].some((e) => !errors.has(e)))
        v.push(
          `TaskGroupError.errors: ${raised.errors.map(describeError)}, failed ${names(failures)}`,
        );
      for (const m of failures) m.reported = true;
    }
    // `completed`: the first member the join took from the finished queue (all, any), or the
    // first with a result or an error (object); none for 'none'. Here `finished` holds the
    // members in the order they reached that queue, including those that ended during join.
    const first =
      prog.wait === 'none'
        ? undefined
        : prog.wait === 'object'
          ? finished.find((m) => m.outcome?.kind !== 'returned' || m.outcome.value !== undefined)
          : finished[0];
    const completed = g.completed && tracked.find((m) => m.task === g.completed);
    if (completed !== first)
      v.push(`group.completed is ${completed?.name ?? g.completed}, expected ${first?.name}`);
    if (g.exception !== first?.task.exception) v.push('group.exception is not completed.exception');
  }

  return { report, violations: v, tracked, raised, bodyBoom };
}

describe('2. TaskGroup result APIs under random schedules', () => {
  test('members are yielded once, in the order they finished; results match; nothing leaks', async () => {
    await fc.assert(
      fc.asyncProperty(groupProgram, async (prog) => {
        const obs = await observeGroup(prog);
        const v = obs.violations;
        checkAllTerminated(obs.report, v);
        expect(obs.report.outcome).toBe('returned ok');
        expect(v).toEqual([]);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  test('no crash of a member is lost: the consumer, TaskGroupError or the crash log reports it', async () => {
    await fc.assert(
      fc.asyncProperty(groupProgram, async (prog) => {
        const obs = await observeGroup(prog);
        const v: string[] = [];
        const suppressed =
          obs.bodyBoom !== undefined && 'suppressed' in obs.bodyBoom
            ? (obs.bodyBoom as { suppressed: unknown }).suppressed
            : undefined;
        for (const m of obs.tracked) {
          if (m.outcome?.kind !== 'threw') continue;
          const inSuppressed =
            suppressed instanceof TaskGroupError && suppressed.errors.includes(m.outcome.error);
          const logged = crashReports(obs.report.logs, m.task);
          if (logged > 1) v.push(`${m.name} logged ${logged}×`);
          if (!m.reported && !inSuppressed && logged === 0)
            v.push(
              `${m.name} (${m.spec.daemon ? 'daemon' : 'member'}) crashed, nobody heard of it`,
            );
        }
        expect(v).toEqual([]);
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// 3. awaitPromise() on foreign promises, and task.signal (real clock, delays <= 2 ms)
// ---------------------------------------------------------------------------------------------

type Source =
  | { k: 'resolved' }
  | { k: 'rejected' }
  | { k: 'timer'; ms: number; reject: boolean }
  | { k: 'immediate'; reject: boolean }
  | { k: 'never' };

type SignalSpec = { k: 'none' } | { k: 'task' } | { k: 'user'; abort: 'before' | 'never' | number };

interface AwaitStep {
  src: Source;
  signal: SignalSpec;
  timeout: Timeout;
  /** Read currentTask().signal just before waiting. */
  read: boolean;
}

interface AwaitTask {
  steps: AwaitStep[];
  /** Run every step inside one long timeout block (10 s: it never expires here). */
  enclosed: boolean;
}

interface AwaitProgram {
  tasks: AwaitTask[];
  cancels: { ms: number; target: number; blocking: boolean }[];
  mainMs: number;
}

const ms = fc.integer({ min: 0, max: 2 });
const seconds = ms.map((n) => n / 1000);
const awaitProgram: fc.Arbitrary<AwaitProgram> = fc.record({
  tasks: fc.array(
    fc.record({
      steps: fc.array(
        fc.record({
          src: fc.oneof(
            fc.constant<Source>({ k: 'resolved' }),
            fc.constant<Source>({ k: 'rejected' }),
            fc.record({ k: fc.constant('timer' as const), ms, reject: fc.boolean() }),
            fc.record({ k: fc.constant('immediate' as const), reject: fc.boolean() }),
            fc.constant<Source>({ k: 'never' }),
          ),
          signal: fc.oneof(
            fc.constant<SignalSpec>({ k: 'none' }),
            fc.constant<SignalSpec>({ k: 'task' }),
            fc.record({
              k: fc.constant('user' as const),
              abort: fc.oneof(fc.constantFrom<'before' | 'never'>('before', 'never'), ms),
            }),
          ),
          timeout: timeoutArb(seconds),
          read: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      enclosed: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  cancels: fc.array(fc.record({ ms, target: fc.nat(7), blocking: fc.boolean() }), {
    maxLength: 3,
  }),
  mainMs: fc.integer({ min: 0, max: 6 }),
});

interface AwaitObservation {
  report: RunReport;
  /** Violations of the awaitPromise contract. */
  violations: string[];
  /** Violations of the task.signal contract. */
  signalViolations: string[];
}

async function observeAwaits(prog: AwaitProgram): Promise<AwaitObservation> {
  const v: string[] = [];
  const sv: string[] = [];

  async function step(i: number, k: number, s: AwaitStep, blocks: number[]): Promise<void> {
    const me = currentTask();
    const where = `a${i}.${k}`;
    let settled: { ok: true; value: unknown } | { ok: false; reason: unknown } | undefined;
    // Settlements are recorded at the source: no handler of ours is attached to the promise,
    // so a rejection nobody handles would be reported as unhandled.
    const value = { from: where };
    const reason = new Error(`foreign rejection ${where}`);
    const settle = (res: (x: unknown) => void, rej: (x: unknown) => void, reject: boolean) => {
      if (reject) {
        settled = { ok: false, reason };
        rej(reason);
      } else {
        settled = { ok: true, value };
        res(value);
      }
    };
    let promise: Promise<unknown>;
    const src = s.src;
    switch (src.k) {
      case 'resolved':
        settled = { ok: true, value };
        promise = Promise.resolve(value);
        break;
      case 'rejected':
        settled = { ok: false, reason };
        promise = Promise.reject(reason);
        break;
      case 'timer':
        promise = new Promise((res, rej) => setTimeout(() => settle(res, rej, src.reject), src.ms));
        break;
      case 'immediate':
        promise = new Promise((res, rej) => setImmediate(() => settle(res, rej, src.reject)));
        break;
      case 'never':
        promise = new Promise(() => {});
        break;
    }
    const user = new AbortController();
    const userReason = new Error(`user abort ${where}`);
    if (s.signal.k === 'user') {
      const abort = s.signal.abort;
      if (abort === 'before') user.abort(userReason);
      else if (abort !== 'never') setTimeout(() => user.abort(userReason), abort);
    }
    const delivered = (e: unknown) => e instanceof TaskCancelled || e instanceof TaskTimeout;
    const deadlinePassed = () => blocks.some((d) => d <= clock());

    const body = async () => {
      let sig: AbortSignal | undefined;
      if (s.read || s.signal.k === 'task') {
        sig = currentTask().signal;
        if (me.cancelled && !sig.aborted)
          sv.push(`${where}: task.signal read after the task was cancelled is not aborted`);
        if (sig.aborted && !me.cancelled && !deadlinePassed())
          sv.push(
            `${where}: task.signal is aborted (${describeError(sig.reason)}), yet the task is not cancelled and no deadline of its blocks has passed`,
          );
      }
      const options =
        s.signal.k === 'none' ? {} : { signal: s.signal.k === 'task' ? sig : user.signal };
      try {
        const got = await awaitPromise(promise, options);
        if (settled === undefined || !settled.ok || settled.value !== got)
          v.push(
            `${where}: awaitPromise returned ${String(got)}, the promise did not resolve to it`,
          );
      } catch (e) {
        if (settled !== undefined && !settled.ok && e === settled.reason) {
          // the foreign rejection
        } else if (s.signal.k === 'user' && user.signal.aborted && e === userReason) {
          // the user's signal
        } else if (e instanceof TaskCancelled) {
          if (!me.cancelled) v.push(`${where}: TaskCancelled, but nobody cancelled the task`);
        } else if (e instanceof TaskTimeout) {
          if (!deadlinePassed())
            v.push(
              `${where}: TaskTimeout at ${e.clock}, no deadline has passed: [${blocks}] at ${clock()}`,
            );
        } else {
          v.push(`${where}: awaitPromise threw ${describeError(e)}`);
        }
        if (delivered(e) && sig !== undefined && !sig.aborted)
          sv.push(
            `${where}: ${describeError(e)} delivered, task.signal read before is not aborted`,
          );
        // Cleanup that blocks: the error just caught is never delivered a second time.
        try {
          await sleep(0);
        } catch (e2) {
          if (e2 === e) v.push(`${where}: ${describeError(e)} was delivered twice`);
          else if (!delivered(e2)) v.push(`${where}: cleanup sleep(0) threw ${describeError(e2)}`);
          throw e2;
        }
        throw e;
      }
    };
    const start = clock();
    try {
      await withTimeout(s.timeout, body, blocks, where, v);
    } catch (e) {
      if (e instanceof TaskCancelled) throw e;
      // The foreign rejection or the user's abort: go on with the next step.
      if (e === reason || e === userReason) return;
      if (e instanceof TaskTimeout && s.timeout.kind !== 'none') {
        if (clock() < start + s.timeout.d) v.push(`${where}: TaskTimeout before the deadline`);
        return;
      }
      v.push(`${where}: the step ended with ${describeError(e)}`);
      throw e;
    }
  }

  async function awaiter(i: number, spec: AwaitTask): Promise<void> {
    const blocks: number[] = [];
    const steps = async () => {
      for (const [k, s] of spec.steps.entries()) await step(i, k, s, blocks);
    };
    try {
      if (spec.enclosed) await withTimeout({ kind: 'single', d: INNER }, steps, blocks, `a${i}`, v);
      else await steps();
    } catch (e) {
      if (!(e instanceof TaskCancelled && currentTask().cancelled))
        v.push(`a${i}: ended with ${describeError(e)}`);
      throw e;
    }
  }

  const awaiters: Task[] = [];
  async function canceller(): Promise<void> {
    for (const c of prog.cancels) {
      await sleep(c.ms / 1000);
      const victim = awaiters[c.target % awaiters.length]!;
      await victim.cancel({ blocking: c.blocking });
      if (c.blocking && !victim.terminated) v.push(`cancel() returned before ${victim} ended`);
    }
  }

  const report = await runProgram(false, async () => {
    for (const [i, spec] of prog.tasks.entries())
      awaiters.push(await spawn({ name: `a${i}` }, awaiter, i, spec));
    await spawn({ name: 'canceller' }, canceller);
    await sleep(prog.mainMs / 1000);
    return 'ok';
  });
  return { report, violations: v, signalViolations: sv };
}

describe('3. awaitPromise on foreign promises, task.signal', () => {
  test('awaitPromise delivers the value, the rejection, the abort or the cancellation, once; no unhandled rejection', async () => {
    await fc.assert(
      fc.asyncProperty(awaitProgram, async (prog) => {
        const obs = await observeAwaits(prog);
        const v = obs.violations;
        checkAllTerminated(obs.report, v);
        expect(obs.report.outcome).toBe('returned ok');
        expect(obs.report.logs).toEqual([]);
        expect(v).toEqual([]);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 80 },
    );
  }, 60_000);

  test('task.signal is aborted when (and only when) the task is cancelled or timed out', async () => {
    await fc.assert(
      fc.asyncProperty(awaitProgram, async (prog) => {
        const obs = await observeAwaits(prog);
        expect(obs.signalViolations).toEqual([]);
      }),
      { numRuns: 80 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// 4. Foreign awaits (not traps) beside trap-only tasks: identity and FIFO order
// ---------------------------------------------------------------------------------------------

type ForeignStep =
  | { k: 'immediate' }
  | { k: 'timer'; ms: number }
  | { k: 'microtasks'; n: number }
  | { k: 'tick' }
  | { k: 'helper' }
  | { k: 'sleep0' }
  | { k: 'wait'; gate: number }
  | { k: 'set'; gate: number };

type Spawned = { k: 'rr'; rounds: number } | { k: 'foreign'; steps: ForeignStep[] };

interface IdentityProgram {
  gates: number;
  tasks: Spawned[];
  /** sleep(0)s main does before setting every gate (in this order). */
  mainYields: number;
  setOrder: number[];
}

const identityProgram: fc.Arbitrary<IdentityProgram> = fc.record({
  gates: fc.integer({ min: 1, max: 3 }),
  tasks: fc.array(
    fc.oneof(
      fc.record({ k: fc.constant('rr' as const), rounds: fc.integer({ min: 1, max: 5 }) }),
      fc.record({
        k: fc.constant('foreign' as const),
        steps: fc.array(
          fc.oneof(
            fc.constant<ForeignStep>({ k: 'immediate' }),
            fc.record({ k: fc.constant('timer' as const), ms: fc.integer({ min: 0, max: 1 }) }),
            fc.record({ k: fc.constant('microtasks' as const), n: fc.integer({ min: 1, max: 5 }) }),
            fc.constant<ForeignStep>({ k: 'tick' }),
            fc.constant<ForeignStep>({ k: 'helper' }),
            fc.constant<ForeignStep>({ k: 'sleep0' }),
            fc.record({ k: fc.constant('wait' as const), gate: fc.nat(2) }),
            fc.record({ k: fc.constant('set' as const), gate: fc.nat(2) }),
          ),
          { maxLength: 6 },
        ),
      }),
    ),
    { minLength: 1, maxLength: 7 },
  ),
  mainYields: fc.integer({ min: 0, max: 6 }),
  setOrder: fc.array(fc.nat(2), { maxLength: 3 }),
});

interface IdentityObservation {
  report: RunReport;
  violations: string[];
  /** Records of the round-robin (trap-only) tasks, as `task:round`. */
  rr: string[];
  /** Per gate: tasks in the order they blocked on it, and in the order they woke. */
  blocked: string[][];
  woke: string[][];
}

async function observeIdentity(prog: IdentityProgram): Promise<IdentityObservation> {
  const v: string[] = [];
  const rr: string[] = [];
  const gates = Array.from({ length: prog.gates }, () => new Gate());
  const blocked = gates.map((): string[] => []);
  const woke = gates.map((): string[] => []);

  const check = (me: Task, where: string) => {
    const now = currentTaskOrUndefined();
    if (now !== me) v.push(`${where}: currentTask() is ${now}, not ${me}`);
  };

  async function helper(me: Task, where: string): Promise<void> {
    await Promise.resolve();
    check(me, `${where} (helper, after a microtask)`);
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        check(me, `${where} (helper, in a setImmediate callback)`);
        resolve();
      }),
    );
    check(me, `${where} (helper, after an immediate)`);
  }

  async function roundRobin(name: string, rounds: number): Promise<void> {
    const me = currentTask();
    for (let r = 0; r < rounds; r++) {
      check(me, `${name} round ${r}`);
      rr.push(`${name}:${r}`);
      await sleep(0);
    }
    check(me, `${name} end`);
  }

  async function foreign(name: string, steps: ForeignStep[]): Promise<void> {
    const me = currentTask();
    for (const [k, s] of steps.entries()) {
      const where = `${name}.${k} ${s.k}`;
      switch (s.k) {
        case 'immediate':
          await new Promise<void>((resolve) => setImmediate(resolve));
          break;
        case 'timer':
          await new Promise<void>((resolve) =>
            setTimeout(() => {
              check(me, `${where} (in the timer callback)`);
              resolve();
            }, s.ms),
          );
          break;
        case 'microtasks':
          for (let n = 0; n < s.n; n++) await Promise.resolve(n);
          break;
        case 'tick':
          await new Promise<void>((resolve) => process.nextTick(resolve));
          break;
        case 'helper':
          await helper(me, where);
          break;
        case 'sleep0':
          await sleep(0);
          break;
        case 'wait': {
          const g = s.gate % gates.length;
          const blocks = !gates[g]!.isSet();
          if (blocks) blocked[g]!.push(name);
          await gates[g]!.wait();
          if (blocks) woke[g]!.push(name);
          break;
        }
        case 'set':
          gates[s.gate % gates.length]!.set();
          break;
      }
      check(me, where);
    }
  }

  const report = await runProgram(false, async () => {
    const main = currentTask();
    const spawned: Task[] = [];
    for (const [i, t] of prog.tasks.entries()) {
      spawned.push(
        t.k === 'rr'
          ? await spawn({ name: `r${i}` }, roundRobin, `r${i}`, t.rounds)
          : await spawn({ name: `f${i}` }, foreign, `f${i}`, t.steps),
      );
    }
    for (let n = 0; n < prog.mainYields; n++) await sleep(0);
    for (const g of [...prog.setOrder, ...gates.keys()]) gates[g % gates.length]!.set();
    for (const t of spawned) await t.join();
    check(main, 'main');
    return 'ok';
  });
  return { report, violations: v, rr, blocked, woke };
}

/** Round-robin order of trap-only tasks: every round visits them in spawn order. */
function expectedRoundRobin(prog: IdentityProgram): string[] {
  const order: string[] = [];
  const rrTasks = prog.tasks.flatMap((t, i) =>
    t.k === 'rr' ? [{ name: `r${i}`, rounds: t.rounds }] : [],
  );
  const most = Math.max(0, ...rrTasks.map((t) => t.rounds));
  for (let r = 0; r < most; r++)
    for (const t of rrTasks) if (r < t.rounds) order.push(`${t.name}:${r}`);
  return order;
}

describe('4. foreign awaits beside trap-only tasks', () => {
  test('currentTask() is always the task itself; sleep(0) tasks run round-robin; waiters wake FIFO', async () => {
    await fc.assert(
      fc.asyncProperty(identityProgram, async (prog) => {
        const obs = await observeIdentity(prog);
        const v = obs.violations;
        checkAllTerminated(obs.report, v);
        expect(obs.report.outcome).toBe('returned ok');
        expect(v).toEqual([]);
        expect(obs.rr).toEqual(expectedRoundRobin(prog));
        expect(obs.woke).toEqual(obs.blocked);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
