// Port of the Task tests of Curio 1.6: tests/test_kernel.py (join, cancel, child cancel,
// ready cancel, double cancel, custom cancel, coro partial) and tests/test_task.py (cancel
// noblock, custom exceptions, self cancellation, late join, diagnostics, contextvars).
//
// Adapted: `spawn(coro_object)` → `spawn(fn, ...args)` (DESIGN §3; the coroutine-object
// variant of test_coro_partial has no equivalent); `functools.partial` → `fn.bind` and arrow
// functions; contextvars + ContextTask → TaskLocal; `Event` → the kernel-only `Gate` helper;
// `time.sleep(1)` (forced block) → `MockClock.advance(1)`.
// Not ported: test_diag (`_get_stack` on Python generators — interpreter internals).
import {
  CancelledError,
  clock,
  currentTask,
  ignoreAfter,
  sleep,
  spawn,
  type Task,
  TaskCancelled,
  TaskError,
  TaskLocal,
  TaskTimeout,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { describe, expect, test } from 'vitest';
import { Gate, runVirtual, runWithClock } from './helpers.js';

/** Describes how a join() failed: `TaskError(<cause class>)`. */
function joinFailure(e: unknown): string {
  if (!(e instanceof TaskError)) return `not a TaskError: ${String(e)}`;
  const cause = (e as Error).cause;
  if (cause instanceof TaskCancelled) return 'TaskError(TaskCancelled)';
  if (cause instanceof CancelledError) return 'TaskError(CancelledError)';
  return `TaskError(${(cause as Error)?.constructor?.name})`;
}

describe('spawn and join', () => {
  test('join() returns the task result (test_task_join)', async () => {
    async function child() {
      return 37;
    }
    const r = await runVirtual(async () => {
      const task = await spawn(child);
      return task.join();
    });
    expect(r).toBe(37);
  });

  test('join() of a crashed task throws TaskError with the error as cause (test_task_join_error)', async () => {
    const results: string[] = [];
    async function child() {
      JSON.parse('bad'); // Curio: int('bad') -> ValueError
    }
    await runVirtual(async () => {
      const task = await spawn(child);
      try {
        await task.join();
        results.push('joined');
      } catch (e) {
        results.push(joinFailure(e));
      }
    });
    expect(results).toEqual(['TaskError(SyntaxError)']);
  });

  test('spawn does not yield: the parent runs until it blocks (DESIGN §6.1)', async () => {
    const results: string[] = [];
    async function child() {
      results.push('child runs');
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      results.push('spawned');
      await spawn(child);
      results.push('parent continues');
      await t.join();
      results.push('joined');
    });
    expect(results).toEqual(['spawned', 'parent continues', 'child runs', 'child runs', 'joined']);
  });

  test('spawn passes arguments; ignoreAfter accepts fn+args, bound fns and promises (test_coro_partial)', async () => {
    const results: unknown[] = [];
    async function func(x: number, y: number, z: number) {
      results.push([x, y, z]);
      return true;
    }
    await runVirtual(async () => {
      results.push(await func(1, 2, 3));
      results.push(await ignoreAfter(1, func(1, 2, 3)));
      results.push(await ignoreAfter(1, func, 1, 2, 3));
      results.push(await ignoreAfter(1, func.bind(null, 1, 2), 3));
      results.push(await ignoreAfter(1, (x: number, y: number) => func(x, y, 3), 1, 2));

      let t = await spawn(func, 1, 2, 3);
      results.push(await t.join());
      t = await spawn(func.bind(null, 1, 2), 3);
      results.push(await t.join());
      t = await spawn((x: number, y: number) => func(x, y, 3), 1, 2);
      results.push(await t.join());
    });
    const call = [1, 2, 3];
    expect(results).toEqual(Array.from({ length: 8 }, () => [call, true]).flat(1));
  });

  test('task attributes: id, name, parentId, daemon, state, cycles', async () => {
    const results: unknown[] = [];
    async function kid() {
      await sleep(1);
    }
    await runVirtual(async function main() {
      const me = await currentTask();
      const t = await spawn(kid);
      const d = await spawn({ daemon: true, name: 'bg' }, kid);
      results.push(me.name, t.name, d.name);
      results.push(t.parentId === me.id, t.id !== me.id, d.id !== t.id);
      results.push(t.daemon, d.daemon);
      await sleep(0.5);
      results.push(t.state, t.cycles >= 1, t.terminated);
      await t.join();
      results.push(t.state, t.terminated, t.result);
      await d.cancel();
    });
    expect(results).toEqual([
      'main',
      'kid',
      'bg',
      true,
      true,
      true,
      false,
      true,
      'TIME_SLEEP',
      true,
      false,
      'TERMINATED',
      true,
      undefined,
    ]);
  });

  test('diagnostics: String(task), where(), traceback() (test_task_diag)', async () => {
    const results: unknown[] = [];
    async function child() {
      await sleep(0.25);
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      results.push(typeof String(t), typeof t.traceback());
      t.where();
      await sleep(0.1);
      results.push(String(t).includes('child'), t.traceback().includes('child'));
      t.where();
    });
    expect(results).toEqual(['string', 'string', true, true]);
  });
});

describe('Task.cancel', () => {
  test('cancel() interrupts a sleeping task (test_sleep_cancel)', async () => {
    const results: string[] = [];
    async function sleeper() {
      try {
        await sleep(1);
        results.push('not here');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('sleeper cancelled');
      }
    }
    await runVirtual(async () => {
      const task = await spawn(sleeper);
      await sleep(0.1);
      await task.cancel();
      results.push('cancel returned');
    });
    expect(results).toEqual(['sleeper cancelled', 'cancel returned']);
  });

  test('cancel() of a task that has not started delivers at its first block (test_task_cancel)', async () => {
    const results: unknown[] = [];
    async function child() {
      results.push('child starts');
      try {
        await sleep(0.5);
        results.push('not here');
      } catch (e) {
        results.push(e instanceof TaskCancelled ? 'child got TaskCancelled' : String(e));
      }
    }
    await runVirtual(async () => {
      const task = await spawn(child);
      await task.cancel();
      results.push('cancelled', task.cancelled, task.terminated);
    });
    expect(results).toEqual(['child starts', 'child got TaskCancelled', 'cancelled', true, true]);
  });

  test('cancel({ blocking: false }) returns at once; join() reports the cancellation (test_task_cancel_not_blocking)', async () => {
    const results: string[] = [];
    async function child(e1: Gate, e2: Gate) {
      e1.set();
      try {
        await sleep(1000);
      } catch (e) {
        if (e instanceof CancelledError) {
          results.push('child cancelled');
          await e2.wait();
          results.push('child cleanup done');
        }
        throw e;
      }
    }
    await runVirtual(async () => {
      const e1 = new Gate();
      const e2 = new Gate();
      const task = await spawn(child, e1, e2);
      await e1.wait();
      await task.cancel({ blocking: false });
      results.push('cancel returned');
      e2.set();
      try {
        await task.join();
      } catch (e) {
        results.push(joinFailure(e));
      }
    });
    expect(results).toEqual([
      'cancel returned',
      'child cancelled',
      'child cleanup done',
      'TaskError(TaskCancelled)',
    ]);
  });

  test('a second cancel() only waits; the victim already runs its cleanup (test_cancel_noblock)', async () => {
    const results: string[] = [];
    let cancelled = false;
    async function child() {
      try {
        await sleep(10);
      } finally {
        results.push(
          cancelled ? 'child exits after first cancel returned' : 'child exits too early',
        );
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await t.cancel({ blocking: false });
      cancelled = true;
      await t.cancel();
      results.push('second cancel returned');
    });
    expect(results).toEqual(['child exits after first cancel returned', 'second cancel returned']);
  });

  test('joining a cancelled task throws TaskError caused by the cancellation (test_task_cancel_join)', async () => {
    const results: string[] = [];
    const childEvt = new Gate();
    async function child() {
      results.push('child waiting');
      await childEvt.wait();
      results.push('not here');
    }
    await runVirtual(async () => {
      const task = await spawn(child);
      await sleep(0);
      await task.cancel();
      try {
        await task.join();
        results.push('joined');
      } catch (e) {
        results.push(joinFailure(e));
      }
    });
    expect(results).toEqual(['child waiting', 'TaskError(TaskCancelled)']);
  });

  test('a task cancelled by a third task: join() throws TaskError (test_task_cancel_join_wait)', async () => {
    const results: string[] = [];
    const evt = new Gate();
    async function child() {
      results.push('child waiting');
      await evt.wait();
      results.push('not here');
    }
    async function canceller(task: Task<void>) {
      await task.cancel();
      results.push('canceller done');
    }
    await runVirtual(async () => {
      const task1 = await spawn(child);
      const task2 = await spawn(canceller, task1);
      await task2.join();
      results.push(evt.isSet() ? 'evt set' : 'evt not set');
      try {
        await task1.join();
        results.push('joined');
      } catch (e) {
        results.push(joinFailure(e));
      }
    });
    expect(results).toEqual([
      'child waiting',
      'canceller done',
      'evt not set',
      'TaskError(TaskCancelled)',
    ]);
  });

  test('cancellation handlers cancel their own children in turn (test_task_child_cancel)', async () => {
    const results: string[] = [];
    async function child() {
      results.push('start');
      try {
        await sleep(0.5);
        results.push('end');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('child cancelled');
      }
    }
    async function parent() {
      let childTask: Task<void> | undefined;
      try {
        childTask = await spawn(child);
        await sleep(0.5);
        results.push('end parent');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        await childTask!.cancel();
        results.push('parent cancelled');
      }
    }
    async function grandparent() {
      let parentTask: Task<void> | undefined;
      try {
        parentTask = await spawn(parent);
        await sleep(0.5);
        results.push('end grandparent');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        await parentTask!.cancel();
        results.push('grandparent cancelled');
      }
    }
    await runVirtual(async () => {
      const task = await spawn(grandparent);
      await sleep(0.1);
      results.push('cancel start');
      await sleep(0.1);
      results.push('cancelling');
      await task.cancel();
      results.push('done');
    });
    expect(results).toEqual([
      'start',
      'cancel start',
      'cancelling',
      'child cancelled',
      'parent cancelled',
      'grandparent cancelled',
      'done',
    ]);
  });

  test('cancelling a task that is on the ready queue delivers at its next block (test_task_ready_cancel)', async () => {
    const results: string[] = [];
    async function child() {
      try {
        results.push('child sleep');
        await sleep(1.0);
        results.push('child slept');
        await sleep(1.0);
        results.push('should not see this');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('child cancelled');
      }
    }
    async function parent() {
      const task = await spawn(child);
      results.push('parent sleep');
      await sleep(0.5);
      results.push('cancel start');
      await task.cancel();
      results.push('cancel done');
    }
    await runWithClock(async (clk) => {
      await spawn(parent);
      await sleep(0.1);
      // Curio: time.sleep(1), a forced block of the event loop. Both parent and child
      // deadlines pass, so both are ready in the same cycle, parent first.
      clk.advance(1);
      await sleep(0.1);
    });
    expect(results).toEqual([
      'parent sleep',
      'child sleep',
      'cancel start',
      'child slept',
      'child cancelled',
      'cancel done',
    ]);
  });

  test('a cancel that timed out can be retried; the retry aborts nothing (test_double_cancel)', async () => {
    const results: string[] = [];
    async function sleeper() {
      results.push('start');
      try {
        await sleep(1);
        results.push('not here');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('cancel request');
        // Curio sleeps 1 s here and relies on its timeout (registered a moment earlier)
        // expiring first; on the virtual clock both would expire at the same instant.
        await sleep(1.5);
        results.push('cancelled');
      }
    }
    await runVirtual(async () => {
      const task = await spawn(sleeper);
      await sleep(0.5);
      try {
        await timeoutAfter(1, task.cancel());
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('retry');
        await task.cancel(); // must not abort the sleeper's cleanup a second time
        results.push('done cancel');
      }
    });
    expect(results).toEqual(['start', 'cancel request', 'retry', 'cancelled', 'done cancel']);
  });

  test('cancel({ exc: ErrorClass }) delivers that error class (test_cancel_custom_exception)', async () => {
    const results: string[] = [];
    class MyException extends Error {}
    async function child() {
      try {
        await sleep(10);
      } catch (e) {
        if (e instanceof MyException) {
          results.push('child got MyException');
          return;
        }
        results.push(`child got ${String(e)}`);
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await t.cancel({ exc: MyException });
      results.push(t.terminated ? 'terminated' : 'running');
    });
    expect(results).toEqual(['child got MyException', 'terminated']);
  });

  test('cancel({ exc: instance }) delivers that very instance (test_cancel_custom_exception_instance)', async () => {
    const results: unknown[] = [];
    class MyException extends Error {}
    const exc = new MyException('Test');
    async function child() {
      try {
        await sleep(10);
      } catch (e) {
        results.push(e === exc);
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await t.cancel({ exc });
      results.push('done');
    });
    expect(results).toEqual([true, 'done']);
  });

  test('cancel({ exc }) with a CancelledError subclass (test_custom_cancel)', async () => {
    const results: string[] = [];
    class CustomCancelled extends CancelledError {}
    const evt = new Gate();
    async function child() {
      try {
        await evt.wait();
        results.push('not here');
      } catch (e) {
        results.push(e instanceof CustomCancelled ? 'CustomCancelled' : `wrong: ${String(e)}`);
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await t.cancel({ exc: CustomCancelled });
      const t2 = await spawn(child);
      await t2.cancel({ exc: new CustomCancelled() });
    });
    expect(results).toEqual(['CustomCancelled', 'CustomCancelled']);
  });

  test('a task cancelling itself is cancelled at its next block (test_self_cancellation)', async () => {
    const results: string[] = [];
    async function suicidalTask() {
      const task = await currentTask();
      await task.cancel({ blocking: false });
      results.push('still running');
      try {
        await sleep(0);
        results.push('not here');
      } catch (e) {
        results.push(e instanceof CancelledError ? 'cancelled at sleep(0)' : String(e));
      }
    }
    await runVirtual(suicidalTask);
    expect(results).toEqual(['still running', 'cancelled at sleep(0)']);
  });

  test('cancelling a finished task is a no-op (test_late_join)', async () => {
    const results: unknown[] = [];
    async function child() {
      return 'x';
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await sleep(0.1);
      await t.cancel();
      results.push(t.joined, t.terminated, t.cancelled, t.result);
    });
    expect(results).toEqual([true, true, false, 'x']);
  });

  test('cancel() waits for the victim cleanup, including blocking cleanup', async () => {
    const results: string[] = [];
    async function child() {
      try {
        await sleep(10);
      } finally {
        await sleep(1);
        results.push('cleanup done');
      }
    }
    await runVirtual(async () => {
      const t = await spawn(child);
      await sleep(0);
      const before = clock();
      await t.cancel();
      const waited = Math.round((clock() - before) * 1000) / 1000;
      results.push(`cancel returned after ${waited}s`, String(t.terminated));
    });
    expect(results).toEqual(['cleanup done', 'cancel returned after 1s', 'true']);
  });
});

describe('TaskLocal', () => {
  test('each task sees its own values (test_contextvars)', async () => {
    const x = new TaskLocal(0);
    const events: number[] = [];
    async function countdown(n: number) {
      x.value = n;
      while (x.value > 0) {
        events.push(x.value);
        x.value = x.value - 1;
        await sleep(0);
      }
    }
    await runVirtual(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn(countdown, 3);
        await g.spawn(countdown, 6);
      });
    });
    expect(events).toEqual([3, 6, 2, 5, 1, 4, 3, 2, 1]);
  });

  test('a spawned task starts with a copy of its parent values', async () => {
    const x = new TaskLocal('initial');
    const results: string[] = [];
    async function child() {
      results.push(`child sees ${x.value}`);
      x.value = 'child';
      await sleep(0);
      results.push(`child keeps ${x.value}`);
    }
    await runVirtual(async () => {
      results.push(`main sees ${x.value}`);
      x.value = 'parent';
      const t = await spawn(child);
      x.value = 'parent later';
      await t.join();
      results.push(`main keeps ${x.value}`);
    });
    expect(results).toEqual([
      'main sees initial',
      'child sees parent',
      'child keeps child',
      'main keeps parent later',
    ]);
  });
});

describe('deadlines, for monitors', () => {
  test('sleepDeadline and timeoutDeadline follow the task', async () => {
    const seen = await runVirtual(async () => {
      const sleeper = await spawn(async () => {
        await timeoutAfter(50, () => sleep(10));
      });
      await sleep(1);
      const during = [sleeper.sleepDeadline, sleeper.timeoutDeadline, clock()];
      await sleeper.join();
      return [
        ...during,
        sleeper.sleepDeadline,
        sleeper.timeoutDeadline,
        currentTask().sleepDeadline,
      ];
    });
    // Slept at 0 for 10 with a 50-second timeout; looked at 1; then all cleared.
    expect(seen).toEqual([10, 50, 1, null, null, null]);
  });
});
