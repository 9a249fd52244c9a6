// runInProcess: the same contract as runInThread, in a child process that cancellation kills.
import { spawn, TaskCancelled, TaskError, TaskTimeout, timeoutAfter } from '@curio/kernel';
import {
  RemoteTraceback,
  runInProcess,
  setMaxWorkers,
  WorkerCloneError,
  WorkerError,
} from '@curio/workers';
import { describe, expect, test } from 'vitest';
import { caught, gone, restoreMaxWorkersAfterEach, runK, waitUntil } from './helpers.js';

restoreMaxWorkersAfterEach();

const pid = () => process.pid;

describe('runInProcess', () => {
  test('runs in another process; values round-trip through V8 serialization', async () => {
    const value = { map: new Map([[1, 'one']]), date: new Date(5), bytes: new Uint8Array([1, 2]) };
    const [theirs, echoed, sum] = await runK(async () => [
      await runInProcess(pid),
      await runInProcess(async (v: typeof value) => v, value),
      await runInProcess(function fib(n: number): number {
        return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
      }, 20),
    ]);
    expect(theirs).not.toBe(process.pid);
    expect(echoed).toEqual(value);
    expect(sum).toBe(6765);
  });

  test('errors come back with class, message and the remote stack as cause', async () => {
    const err = await runK(() =>
      caught(() =>
        runInProcess(function check(n: number) {
          if (n < 0) throw new RangeError(`negative: ${n}`);
        }, -1),
      ),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe('negative: -1');
    expect((err as Error).cause).toBeInstanceOf(RemoteTraceback);
    expect(String((err as Error).cause)).toMatch(/^RangeError: negative: -1\n\s+at check /);
  });

  test('an outer variable is named; a SharedArrayBuffer cannot be sent', async () => {
    const limit = 10;
    const [outer, shared, after] = await runK(async () => [
      await caught(() => runInProcess((x: number) => x < limit, 1)),
      await caught(() =>
        runInProcess((s: SharedArrayBuffer) => s.byteLength, new SharedArrayBuffer(4)),
      ),
      await runInProcess(() => 'still fine'),
    ]);
    expect(outer).toBeInstanceOf(ReferenceError);
    expect((outer as Error).message).toMatch(/uses 'limit', which is not defined in the worker/);
    expect(shared).toBeInstanceOf(WorkerCloneError);
    expect((shared as Error).message).toMatch(/nor SharedArrayBuffers between processes/);
    expect(after).toBe('still fine');
  });

  test('a timeout kills the process at once; the pool forks a new one', async () => {
    setMaxWorkers({ processes: 1 });
    const [first, err, second] = await runK(async () => [
      await runInProcess(pid),
      await caught(() =>
        timeoutAfter(0.1, runInProcess, () => {
          for (;;); // only killing the process stops it
        }),
      ),
      await runInProcess(pid),
    ]);
    expect(err).toBeInstanceOf(TaskTimeout);
    expect(second).not.toBe(first);
    expect(gone(first)).toBe(true);
  });

  test('cancelling a call kills its process', async () => {
    setMaxWorkers({ processes: 1 });
    const outcome = await runK(async () => {
      const worker = await runInProcess(pid);
      const kid = await spawn(() => runInProcess(() => new Promise(() => {})));
      await waitUntil(() => kid.state === 'FUTURE_WAIT', 'the call to start');
      await kid.cancel();
      const err = await caught(() => kid.join());
      await waitUntil(() => gone(worker), 'the process to die');
      return err instanceof TaskError && err.cause instanceof TaskCancelled;
    });
    expect(outcome).toBe(true);
  });

  test('a process that exits during the call is a WorkerError', async () => {
    const [err, after] = await runK(async () => [
      await caught(() =>
        runInProcess(function quit() {
          process.exit(3);
        }),
      ),
      await runInProcess(() => 'replaced'),
    ]);
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toBe(
      'the worker process running quit() ended unexpectedly (exit code 3)',
    );
    expect(after).toBe('replaced');
  });

  test('the processes are gone when run() settles', async () => {
    const pids = await runK(async () => {
      setMaxWorkers({ processes: 2 });
      const slowPid = async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return process.pid;
      };
      const a = await spawn(runInProcess, slowPid);
      const b = await spawn(runInProcess, slowPid);
      return [await a.join(), await b.join()];
    });
    expect(new Set(pids).size).toBe(2);
    expect(pids.map(gone)).toEqual([true, true]);
  });
});
