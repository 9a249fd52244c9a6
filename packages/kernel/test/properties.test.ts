// Property tests: random schedules of spawn / cancel / timeout / sleep / shield / throw in
// nested task groups, run on the auto-jumping virtual clock. For every schedule:
// - run() settles (within a few real seconds), with the main outcome being a value, the
//   program's own error or a TaskGroupError — never a stray cancellation or timeout error;
// - no task is left running after the group it was spawned in (directly or below) has ended;
// - every `await task.cancel()` that returns normally returns after the victim terminated;
// - every task the kernel created has terminated once run() settled;
// - no promise rejection goes unhandled;
// - the same schedule gives the same trace twice (the virtual clock makes it deterministic).
import {
  Activation,
  currentTask,
  disableCancellation,
  ignoreAfter,
  clock as kernelClock,
  MockClock,
  run,
  sleep,
  type Task,
  TaskGroupError,
  TaskTimeout,
  timeoutAfter,
  type WaitPolicy,
  withTaskGroup,
} from '@curio/kernel';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

type Step =
  | { t: 'sleep'; d: number }
  | { t: 'cancel'; target: number }
  | { t: 'throw' }
  | { t: 'timeout'; d: number; ignore: boolean; body: Step[] }
  | { t: 'shield'; body: Step[] }
  | { t: 'group'; wait: WaitPolicy; members: Member[]; body: Step[] };

interface Member {
  daemon: boolean;
  steps: Step[];
  ret: number | undefined;
}

const duration = fc.integer({ min: 0, max: 8 }).map((n) => n / 4);
const sleepStep = fc.record({ t: fc.constant('sleep' as const), d: duration });

const { program } = fc.letrec<{
  step: Step;
  steps: Step[];
  timeout: Step;
  shield: Step;
  group: Step;
  member: Member;
  program: Step[];
}>((tie) => ({
  step: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    sleepStep,
    fc.record({ t: fc.constant('cancel' as const), target: fc.nat(7) }),
    fc.record({ t: fc.constant('throw' as const) }),
    tie('timeout'),
    tie('shield'),
    tie('group'),
  ),
  steps: fc.array(tie('step'), { maxLength: 4 }),
  timeout: fc.record({
    t: fc.constant('timeout' as const),
    d: duration,
    ignore: fc.boolean(),
    body: tie('steps'),
  }),
  // Shields hold only sleeps: a shielded task that waits for another one may wait forever
  // (as in Curio), which is not what this property is about.
  shield: fc.record({
    t: fc.constant('shield' as const),
    body: fc.array(sleepStep, { maxLength: 3 }),
  }),
  group: fc.record({
    t: fc.constant('group' as const),
    wait: fc.constantFrom<WaitPolicy>('all', 'any', 'object', 'none'),
    members: fc.array(tie('member'), { maxLength: 4 }),
    body: fc.array(tie('step'), { maxLength: 2 }),
  }),
  member: fc.record({
    daemon: fc.boolean(),
    steps: tie('steps'),
    ret: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  }),
  program: fc.array(tie('group'), { minLength: 1, maxLength: 2 }),
}));

class Boom extends Error {}

interface Ctx {
  /** Members of the group this task belongs to (targets of `cancel`). */
  siblings: Task[];
  /** Task lists of every enclosing group, innermost last. */
  trackers: Task[][];
  path: string;
}

interface Observation {
  trace: string[];
  violations: string[];
  created: Task[];
  outcome: string;
}

async function observe(prog: Step[]): Promise<Observation> {
  const trace: string[] = [];
  const violations: string[] = [];
  const created: Task[] = [];
  const now = () => kernelClock();

  async function exec(steps: Step[], ctx: Ctx): Promise<void> {
    for (const [i, s] of steps.entries()) {
      const where = `${ctx.path}.${i}`;
      switch (s.t) {
        case 'sleep':
          await sleep(s.d);
          trace.push(`${where} slept ${now()}`);
          break;
        case 'throw':
          trace.push(`${where} throw`);
          throw new Boom(where);
        case 'cancel': {
          const victim = ctx.siblings[s.target % Math.max(1, ctx.siblings.length)];
          if (victim === undefined || victim.terminated) break;
          // Never cancel yourself (or an ancestor): only a sibling.
          if (victim === currentTask()) break;
          await victim.cancel();
          if (!victim.terminated)
            violations.push(`${where}: cancel() returned before ${victim} terminated`);
          trace.push(`${where} cancelled ${victim.name} ${now()}`);
          break;
        }
        case 'timeout': {
          const body = () => exec(s.body, { ...ctx, path: `${where}t` });
          try {
            if (s.ignore) await ignoreAfter(s.d, body);
            else await timeoutAfter(s.d, body);
            trace.push(`${where} block done ${now()}`);
          } catch (e) {
            if (!(e instanceof TaskTimeout)) throw e;
            trace.push(`${where} timed out ${now()}`);
          }
          break;
        }
        case 'shield':
          await disableCancellation(() => exec(s.body, { ...ctx, path: `${where}s` }));
          trace.push(`${where} shield done ${now()}`);
          break;
        case 'group': {
          const mine: Task[] = [];
          const members: Task[] = [];
          try {
            await withTaskGroup({ wait: s.wait }, async (g) => {
              for (const [j, m] of s.members.entries()) {
                const memberCtx: Ctx = {
                  siblings: members,
                  trackers: [...ctx.trackers, mine],
                  path: `${where}m${j}`,
                };
                const t = await g.spawn(
                  { daemon: m.daemon, name: memberCtx.path },
                  member,
                  m,
                  memberCtx,
                );
                members.push(t);
                for (const list of memberCtx.trackers) list.push(t);
              }
              await exec(s.body, { ...ctx, path: `${where}b` });
            });
            trace.push(`${where} group done ${now()}`);
          } catch (e) {
            trace.push(`${where} group raised ${(e as Error).name} ${now()}`);
            throw e;
          } finally {
            for (const t of mine) {
              if (!t.terminated)
                violations.push(`${where}: ${t} still running after its group ended`);
            }
          }
          break;
        }
      }
    }
  }

  async function member(m: Member, ctx: Ctx): Promise<number | undefined> {
    try {
      await exec(m.steps, ctx);
      trace.push(`${ctx.path} returns ${m.ret}`);
      return m.ret;
    } catch (e) {
      trace.push(`${ctx.path} ends with ${(e as Error).name}`);
      throw e;
    }
  }

  class Registry extends Activation {
    override created(task: Task): void {
      created.push(task);
    }
  }

  const settled = run(
    {
      clock: new MockClock({ start: 0, autojump: true }),
      signals: 'default',
      activations: [new Registry()],
    },
    async function main() {
      await exec(prog, { siblings: [], trackers: [], path: 'p' });
      return 'ok';
    },
  ).then(
    (v) => `returned ${v}`,
    (e) => {
      if (e instanceof TaskGroupError) return 'TaskGroupError';
      if (e instanceof Boom) return 'Boom';
      return `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    settled,
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('run() did not settle'), 5_000);
    }),
  ]);
  clearTimeout(timer);
  for (const t of created) if (!t.terminated) violations.push(`${t} alive after run() settled`);
  return { trace, violations, created, outcome };
}

describe('random schedules of task groups', () => {
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

  test('groups never leak tasks, cancel() waits, run() settles, no unhandled rejections', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (prog) => {
        const obs = await observe(prog);
        // Give stray rejections a chance to surface before checking.
        await new Promise((resolve) => setImmediate(resolve));
        expect(obs.outcome).toMatch(/^(returned ok|TaskGroupError|Boom)$/);
        expect(obs.violations).toEqual([]);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  test('the same schedule produces the same trace (deterministic virtual time)', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (prog) => {
        const a = await observe(prog);
        const b = await observe(prog);
        expect(b.outcome).toBe(a.outcome);
        expect(b.trace).toEqual(a.trace);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  test('a hand-written schedule: mutual cancellation between siblings', async () => {
    const prog: Step[] = [
      {
        t: 'group',
        wait: 'all',
        members: [
          { daemon: false, steps: [{ t: 'cancel', target: 1 }], ret: 1 },
          { daemon: false, steps: [{ t: 'cancel', target: 0 }], ret: 2 },
          { daemon: true, steps: [{ t: 'sleep', d: 2 }], ret: 3 },
        ],
        body: [{ t: 'timeout', d: 0.5, ignore: false, body: [{ t: 'sleep', d: 1 }] }],
      },
    ];
    const obs = await observe(prog);
    expect(obs.outcome).toBe('returned ok');
    expect(obs.violations).toEqual([]);
    // m0 cancels m1 (not started yet: pending) and waits; m1 starts, cancels m0 (blocked in
    // its wait: interrupted) and then blocks waiting, so its own pending cancel is delivered.
    expect(obs.trace).toEqual([
      'p.0m1 ends with TaskCancelled',
      'p.0m0 ends with TaskCancelled',
      'p.0b.0 timed out 0.5',
      'p.0m2 ends with TaskCancelled',
      'p.0 group done 0.5',
    ]);
  });
});
