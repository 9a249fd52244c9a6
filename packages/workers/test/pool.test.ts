// Worker pools: at most setMaxWorkers() calls at once, FIFO waiting beyond that (a
// cancellation point that takes no worker when cancelled), and shutdown with the kernel.
import { Kernel, spawn, type Task, TaskCancelled, TaskError } from '@curio/kernel';
import { runInProcess, runInThread, setMaxWorkers } from '@curio/workers';
import { describe, expect, test } from 'vitest';
import { caught, restoreMaxWorkersAfterEach, runK, sharedInts, waitUntil } from './helpers.js';

restoreMaxWorkersAfterEach();

// Shared state of `hold`: [calls running, most running at once, gate (1 = open)].
const RUNNING = 0;
const MOST = 1;
const GATE = 2;

/** A call that holds its thread until the gate opens. */
function hold(s: Int32Array, n: number): number {
  const running = Atomics.add(s, 0, 1) + 1;
  for (let most = Atomics.load(s, 1); running > most; most = Atomics.load(s, 1)) {
    if (Atomics.compareExchange(s, 1, most, running) === most) break;
  }
  Atomics.wait(s, 2, 0);
  Atomics.sub(s, 0, 1);
  return n;
}

function open(s: Int32Array): void {
  Atomics.store(s, GATE, 1);
  Atomics.notify(s, GATE);
}

describe('pools', () => {
  test('more calls than threads wait their turn, and all complete', async () => {
    setMaxWorkers({ threads: 2 });
    const s = sharedInts(3);
    const results = await runK(async () => {
      const tasks: Task<number>[] = [];
      for (let n = 0; n < 5; n++) tasks.push(await spawn(runInThread, hold, s, n));
      await waitUntil(() => Atomics.load(s, RUNNING) === 2, 'two calls to run');
      const states = tasks.map((t) => t.state);
      open(s);
      const done: number[] = [];
      for (const t of tasks) done.push(await t.join());
      return [states, done];
    });
    expect(results).toEqual([
      ['FUTURE_WAIT', 'FUTURE_WAIT', 'WORKER_WAIT', 'WORKER_WAIT', 'WORKER_WAIT'],
      [0, 1, 2, 3, 4],
    ]);
    expect(Atomics.load(s, MOST)).toBe(2);
  });

  test('raising the limit lets waiting calls start', async () => {
    setMaxWorkers({ threads: 1 });
    const s = sharedInts(3);
    const results = await runK(async () => {
      const a = await spawn(runInThread, hold, s, 1);
      const b = await spawn(runInThread, hold, s, 2);
      await waitUntil(() => Atomics.load(s, RUNNING) === 1 && b.state === 'WORKER_WAIT');
      setMaxWorkers({ threads: 2 });
      await waitUntil(() => Atomics.load(s, RUNNING) === 2, 'the second call to start');
      open(s);
      return [await a.join(), await b.join()];
    });
    expect(results).toEqual([1, 2]);
  });

  test('a cancelled wait for a thread takes none', async () => {
    setMaxWorkers({ threads: 1 });
    const s = sharedInts(3);
    const results = await runK(async () => {
      const first = await spawn(runInThread, hold, s, 1);
      const waiting = await spawn(runInThread, hold, s, 2);
      await waitUntil(() => Atomics.load(s, RUNNING) === 1 && waiting.state === 'WORKER_WAIT');
      await waiting.cancel();
      const err = await caught(() => waiting.join());
      open(s);
      return [
        err instanceof TaskError && err.cause instanceof TaskCancelled,
        await first.join(),
        await runInThread((x: number) => x, 3),
      ];
    });
    expect(results).toEqual([true, 1, 3]);
  });

  test('idle threads are reused', async () => {
    const ids = await runK(async () => {
      const id = () => process.getBuiltinModule('node:worker_threads').threadId;
      return [await runInThread(id), await runInThread(id), await runInThread(id)];
    });
    expect(new Set(ids).size).toBe(1);
  });

  test('idle workers do not keep the program alive', async () => {
    // Handles that keep Node running, by kind (unref'd ones are not listed).
    const refd = () =>
      process
        .getActiveResourcesInfo()
        .filter((kind) => ['Worker', 'MessagePort', 'ProcessWrap', 'PipeWrap'].includes(kind))
        .sort();
    const before = refd();
    await using kernel = new Kernel({ signals: 'default' });
    await kernel.run(async () => [await runInThread(() => 1), await runInProcess(() => 2)]);
    // The kernel is not closed yet: its pools hold an idle thread and an idle process.
    expect(refd()).toEqual(before);
  });

  test('setMaxWorkers refuses sizes that are not positive integers and returns the old ones', () => {
    expect(() => setMaxWorkers({ threads: 0 })).toThrow(RangeError);
    expect(() => setMaxWorkers({ processes: 1.5 })).toThrow(
      'setMaxWorkers(): processes must be a positive integer, got 1.5',
    );
    const previous = setMaxWorkers({ threads: 3 });
    expect(previous.threads).toBe(64);
    expect(setMaxWorkers(previous).threads).toBe(3);
  });
});
