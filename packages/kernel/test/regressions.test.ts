// Deterministic reproductions of kernel bugs found by more-properties.test.ts (each failed
// before its fix; the test says what the right behaviour is).
//
// Crash reports (DESIGN §4: "Crashes of non-main tasks that nobody joins are logged"):
//  1. a crash that only wait() or a blocking cancel() waited for was never reported;
//  2. a crash of a daemon member of a task group was never reported;
//  3. a crash of a member during its cancelRemaining() was never reported.
// task.signal and awaitPromise (DESIGN §3; cancel is one-shot, §6 rule 2):
//  4. awaitPromise(p, { signal: currentTask().signal }) delivered a cancellation (or timeout)
//     twice: the next blocking call in the cleanup raised the same error again;
//  5. the same with a signal aborted before the call (a cancellation pending);
//  6. after an inner timeout is caught inside an outer block, task.signal stayed aborted;
//  7. task.signal first read while a cancellation is pending was not aborted;
//  8. a cancel after a timeout aborted task.signal left the stale TaskTimeout as its reason:
//     awaitPromise with that signal ended the cancelled task with TaskTimeout.
import {
  awaitPromise,
  currentTask,
  MockClock,
  run,
  sleep,
  spawn,
  TaskCancelled,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { describe, expect, test } from 'vitest';

class Boom extends Error {}

/** Runs `fn` on the auto-jumping virtual clock; resolves to the crash reports logged. */
async function crashReports(fn: () => Promise<void>): Promise<string[]> {
  const logs: string[] = [];
  await run(
    {
      clock: new MockClock({ start: 0, autojump: true }),
      signals: 'default',
      log: (message) => logs.push(message.split('\n')[0]!),
    },
    fn,
  );
  return logs.filter((line) => line.startsWith('Task Crash:'));
}

const virtual = () => ({
  clock: new MockClock({ start: 0, autojump: true }),
  signals: 'default' as const,
});

describe('crash reports (found by more-properties.test.ts, property 1 and 2)', () => {
  test('1a. a crash only wait()ed for is logged (wait() does not collect the outcome)', async () => {
    const logs = await crashReports(async () => {
      const t = await spawn({ name: 'crasher' }, async () => {
        await sleep(1);
        throw new Boom('lost');
      });
      await t.wait();
    });
    expect(logs).toEqual([expect.stringContaining("name='crasher'")]);
  });

  test('1b. a crash while a blocking cancel() waits is logged', async () => {
    const logs = await crashReports(async () => {
      const t = await spawn({ name: 'crasher' }, async () => {
        await sleep(0); // READY when cancelled: the cancel stays pending...
        throw new Boom('lost'); // ...and the task crashes before its next blocking call
      });
      await sleep(0);
      await t.cancel();
    });
    expect(logs).toEqual([expect.stringContaining("name='crasher'")]);
  });

  test('2. a crash of a daemon member is logged (the group ignores daemons)', async () => {
    const logs = await crashReports(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn({ daemon: true, name: 'daemon' }, async () => {
          throw new Boom('lost');
        });
        await sleep(1);
      });
    });
    expect(logs).toEqual([expect.stringContaining("name='daemon'")]);
  });

  test('3. a crash of a member during cancelRemaining() is logged (it left the group)', async () => {
    let member: unknown;
    const logs = await crashReports(async () => {
      await withTaskGroup(async (g) => {
        const m = await g.spawn({ name: 'member' }, async () => {
          await sleep(1); // wakes at 1 after the body: READY when cancelled, cancel pending
          throw new Boom('lost');
        });
        await sleep(1);
        await g.cancelRemaining(); // no TaskGroupError: the member was removed
        member = m.exception;
      });
    });
    expect(member).toBeInstanceOf(Boom);
    expect(logs).toEqual([expect.stringContaining("name='member'")]);
  });
});

describe('task.signal and awaitPromise (found by more-properties.test.ts, property 3)', () => {
  /** A cleanup that blocks: it must not see the error just caught a second time. */
  async function cleanup(events: string[], caught: unknown): Promise<void> {
    try {
      await sleep(0);
      events.push('cleanup ok');
    } catch (e) {
      events.push(e === caught ? 'cleanup raised the same error again' : `cleanup raised ${e}`);
    }
  }

  test('4a. a cancellation through the task own signal is delivered once', async () => {
    const events: string[] = [];
    await run(virtual(), async () => {
      const t = await spawn(async () => {
        try {
          await awaitPromise(new Promise(() => {}), { signal: currentTask().signal });
        } catch (e) {
          events.push((e as Error).name);
          await cleanup(events, e);
          throw e;
        }
      });
      await sleep(0);
      await t.cancel();
    });
    expect(events).toEqual(['TaskCancelled', 'cleanup ok']);
  });

  test('4b. a timeout through the task own signal is delivered once', async () => {
    const events: string[] = [];
    await run(virtual(), async () => {
      try {
        await timeoutAfter(1, async () => {
          try {
            await awaitPromise(new Promise(() => {}), { signal: currentTask().signal });
          } catch (e) {
            events.push((e as Error).name);
            await cleanup(events, e);
            throw e;
          }
        });
      } catch (e) {
        events.push(`block raised ${(e as Error).name}`);
      }
    });
    expect(events).toEqual(['TaskTimeout', 'cleanup ok', 'block raised TaskTimeout']);
  });

  test('5. awaitPromise with a signal already aborted by a pending cancellation consumes it', async () => {
    const events: string[] = [];
    await run(virtual(), async () => {
      const t = await spawn(async () => {
        const signal = currentTask().signal;
        await sleep(0); // READY when cancelled: the cancellation is pending, the signal aborted
        try {
          await awaitPromise(Promise.resolve('value'), { signal });
        } catch (e) {
          events.push((e as Error).name);
          await cleanup(events, e);
          throw e;
        }
      });
      await sleep(0);
      await t.cancel();
    });
    expect(events).toEqual(['TaskCancelled', 'cleanup ok']);
  });

  test('6. after an inner timeout is caught, task.signal is live again in the outer block', async () => {
    const events: unknown[] = [];
    await run(virtual(), async () => {
      await timeoutAfter(10, async () => {
        try {
          await timeoutAfter(1, async () => {
            void currentTask().signal; // someone used the signal in the inner block
            await sleep(5);
          });
        } catch (e) {
          events.push((e as Error).name);
        }
        // Neither cancelled nor timed out: a fetch started here must not be aborted at once.
        events.push(currentTask().signal.aborted);
      });
    });
    expect(events).toEqual(['TaskTimeout', false]);
  });

  test('7. task.signal first read while a cancellation is pending is aborted', async () => {
    const events: unknown[] = [];
    await run(virtual(), async () => {
      const t = await spawn(async () => {
        const signal = currentTask().signal; // the operation started with it never stops
        events.push(currentTask().cancelled, signal.aborted);
        await sleep(0);
      });
      await t.cancel({ blocking: false }); // before t ever ran: pending
      await t.wait();
    });
    expect(events).toEqual([true, true]);
  });

  test('8. a cancel after a timeout aborted task.signal: the signal and the task say cancelled', async () => {
    const events: unknown[] = [];
    await run(virtual(), async () => {
      const t = await spawn(async () => {
        try {
          await timeoutAfter(1, async () => {
            void currentTask().signal;
            await sleep(5);
          });
        } catch (e) {
          events.push((e as Error).name); // TaskTimeout at 1; main cancels us while READY
        }
        const signal = currentTask().signal;
        events.push((signal.reason as Error)?.name);
        await awaitPromise(new Promise(() => {}), { signal });
      });
      await sleep(1);
      await t.cancel();
      events.push(t.exception instanceof TaskCancelled, t.exception instanceof TaskTimeout);
    });
    expect(events).toEqual(['TaskTimeout', 'TaskCancelled', true, false]);
  });
});
