// runInThread: values and errors across the thread boundary, the rules of functions sent as
// source, and cancellation that terminates the thread.
import {
  CurioError,
  spawn,
  TaskCancelled,
  TaskError,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import { RemoteTraceback, runInThread, WorkerCloneError, WorkerError } from '@curio/workers';
import { describe, expect, test } from 'vitest';
import { caught, runK, sharedInts, waitUntil } from './helpers.js';

const threadId = () => process.getBuiltinModule('node:worker_threads').threadId;

describe('values', () => {
  test('arguments and results are structured-cloned both ways', async () => {
    const value = {
      list: [1, 'two', null, true],
      map: new Map([['k', new Set([1, 2])]]),
      date: new Date(0),
      big: 10n ** 20n,
      nested: { deep: { er: undefined } },
    };
    const result = await runK(() =>
      runInThread((v: typeof value, n: number) => [v, n * 2], value, 21),
    );
    expect(result).toEqual([value, 42]);
  });

  test('it runs in another thread, and a promise result is awaited there', async () => {
    const [mine, theirs] = await runK(async () => [
      threadId(),
      await runInThread(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return process.getBuiltinModule('node:worker_threads').threadId;
      }),
    ]);
    expect(theirs).not.toBe(mine);
  });

  test('a SharedArrayBuffer is shared, and other tasks run while the thread blocks', async () => {
    const events: string[] = [];
    await runK(async () => {
      const flag = sharedInts(1);
      const waiter = await spawn(async () => {
        events.push(
          await runInThread((f: Int32Array) => {
            Atomics.wait(f, 0, 0); // blocks this worker thread only
            return `woke with ${Atomics.load(f, 0)}`;
          }, flag),
        );
      });
      await waitUntil(() => waiter.state === 'FUTURE_WAIT', 'the call to block');
      events.push('notify');
      Atomics.store(flag, 0, 7);
      Atomics.notify(flag, 0);
      await waiter.join();
    });
    expect(events).toEqual(['notify', 'woke with 7']);
  });

  test('methods and named function expressions can be sent; recursion stays inside', async () => {
    const obj = {
      twice(x: number) {
        return x * 2;
      },
    };
    const results = await runK(async () => [
      await runInThread(obj.twice, 4),
      await runInThread(function fib(n: number): number {
        return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
      }, 20),
    ]);
    expect(results).toEqual([8, 6765]);
  });

  test('an argument that cannot be cloned is a WorkerCloneError, and the thread lives on', async () => {
    const [err, after] = await runK(async () => [
      await caught(() =>
        runInThread(
          (f: () => number) => f(),
          () => 1,
        ),
      ),
      await runInThread(() => 'still fine'),
    ]);
    expect(err).toBeInstanceOf(WorkerCloneError);
    expect(err).toBeInstanceOf(CurioError);
    expect((err as WorkerCloneError).code).toBe('CURIO_WORKER_CLONE');
    expect((err as Error).message).toMatch(/cannot send the arguments .* Pass plain data/);
    expect(((err as Error).cause as Error).name).toBe('DataCloneError');
    expect(after).toBe('still fine');
  });

  test('a result that cannot be cloned is a WorkerCloneError', async () => {
    const err = await runK(() =>
      caught(() =>
        runInThread(function makeFn() {
          return () => 1;
        }),
      ),
    );
    expect(err).toBeInstanceOf(WorkerCloneError);
    expect((err as Error).message).toMatch(/the result of makeFn\(\) cannot be sent back/);
  });
});

describe('errors', () => {
  test('come back with their class and message, the remote stack as cause', async () => {
    const err = await runK(() =>
      caught(() =>
        runInThread(
          function parse(s: number) {
            return s.toFixed(2);
          },
          'x' as unknown as number, // the mistake the worker reports
        ),
      ),
    );
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('s.toFixed is not a function');
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(RemoteTraceback);
    expect(String(cause)).toMatch(/^TypeError: s\.toFixed is not a function\n\s+at parse /);
    // The local stack shows where the task called the worker.
    expect((err as Error).stack).toMatch(/^TypeError: s\.toFixed is not a function\n/);
  });

  test('subclasses keep their name and simple properties on the built-in class', async () => {
    const err = await runK(() =>
      caught(() =>
        runInThread(() => {
          class LimitError extends RangeError {
            readonly code = 'E_LIMIT';
            readonly limit = 3;
          }
          const e = new LimitError('over the limit');
          e.name = 'LimitError';
          throw e;
        }),
      ),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toMatchObject({
      name: 'LimitError',
      message: 'over the limit',
      code: 'E_LIMIT',
      limit: 3,
    });
    expect((err as Error).stack).toMatch(/^LimitError: over the limit/);
  });

  test('AggregateError keeps its errors; a thrown non-Error comes back as it was', async () => {
    const [agg, thrown] = await runK(async () => [
      await caught(() =>
        runInThread(() => {
          throw new AggregateError([new TypeError('a'), new Error('b')], 'two');
        }),
      ),
      await caught(() =>
        runInThread(() => {
          throw { reason: 'plain object' };
        }),
      ),
    ]);
    expect(agg).toBeInstanceOf(AggregateError);
    const errors = (agg as AggregateError).errors;
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
    expect(thrown).toEqual({ reason: 'plain object' });
  });

  test('using an outer variable names it and points to workerFunction', async () => {
    const factor = 3;
    const err = await runK(() =>
      caught(() =>
        runInThread(function scale(x: number) {
          return x * factor;
        }, 2),
      ),
    );
    expect(err).toBeInstanceOf(ReferenceError);
    expect((err as Error).message).toMatch(
      /^scale\(\) uses 'factor', which is not defined in the worker: .* workerFunction\(moduleUrl, 'name'\)$/,
    );
    expect(String((err as Error).cause)).toMatch(/^ReferenceError: factor is not defined/);
  });

  test('built-in, bound and class values are refused before anything is sent', async () => {
    const errors = await runK(async () => [
      await caught(() => runInThread(Math.max, 1, 2)),
      await caught(() => runInThread(((x: number) => x).bind(null), 1)),
      await caught(() => runInThread(class Nope {} as unknown as () => void)),
      await caught(() => runInThread(42 as unknown as () => void)),
    ]);
    expect(errors.map((e) => (e as Error).constructor)).toEqual([
      TypeError,
      TypeError,
      TypeError,
      TypeError,
    ]);
    expect((errors[0] as Error).message).toMatch(
      /cannot send max\(\) to a worker: it is built in or bound/,
    );
    expect((errors[2] as Error).message).toMatch(/not the class Nope/);
  });

  test('a thread that exits during the call is a WorkerError; the next call gets a new one', async () => {
    const [err, after] = await runK(async () => [
      await caught(() =>
        runInThread(function quit() {
          process.exit(7);
        }),
      ),
      await runInThread(() => 'replaced'),
    ]);
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as WorkerError).code).toBe('CURIO_WORKER');
    expect((err as Error).message).toBe(
      'the worker thread running quit() ended unexpectedly (exit code 7)',
    );
    expect(after).toBe('replaced');
  });

  test('outside a task it rejects with CurioError', async () => {
    const err = await caught(() => runInThread(() => 1));
    expect(err).toBeInstanceOf(CurioError);
    expect((err as Error).message).toMatch(/not inside a curio task/);
  });
});

describe('cancellation', () => {
  test('cancelling a call terminates its thread at once; the pool replaces it', async () => {
    const shared = sharedInts(2); // [thread id of the spinner, spins]
    const events: unknown[] = [];
    await runK(async () => {
      const spinner = await spawn(() =>
        runInThread((s: Int32Array) => {
          Atomics.store(s, 0, process.getBuiltinModule('node:worker_threads').threadId);
          for (;;) Atomics.add(s, 1, 1); // a busy loop: only terminating the thread stops it
        }, shared),
      );
      await waitUntil(() => Atomics.load(shared, 1) > 0, 'the spinner to spin');
      await spinner.cancel();
      const err = await caught(() => spinner.join());
      events.push(err instanceof TaskError && (err.cause as Error).constructor === TaskCancelled);
      const next = await runInThread(threadId);
      events.push(next !== Atomics.load(shared, 0));
    });
    // run() has waited for every thread to end: the spinner spins no more.
    const spins = Atomics.load(shared, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Atomics.load(shared, 1)).toBe(spins);
    expect(events).toEqual([true, true]);
  });

  test('a timeout interrupts a thread blocked in Atomics.wait; the next call works', async () => {
    const results = await runK(async () => [
      await caught(() =>
        timeoutAfter(0.05, runInThread, () => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // forever
        }),
      ),
      await runInThread((x: number) => x + 1, 1),
    ]);
    expect(results[0]).toBeInstanceOf(TaskTimeout);
    expect(results[1]).toBe(2);
  });

  test('a task still calling when the kernel shuts down is cancelled and its thread stopped', async () => {
    const shared = sharedInts(1);
    await runK(async () => {
      await spawn({ daemon: true }, () =>
        runInThread((s: Int32Array) => {
          for (;;) Atomics.add(s, 0, 1);
        }, shared),
      );
      await waitUntil(() => Atomics.load(shared, 0) > 0, 'the daemon to spin');
    });
    const spins = Atomics.load(shared, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Atomics.load(shared, 0)).toBe(spins);
  });
});
