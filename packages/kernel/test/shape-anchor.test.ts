// anchorShape keeps an instance alive for the life of the process, so that V8 keeps its hidden
// class (and the optimized code built on it) when the program has no other instance left.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { anchorShape, run, spawn, TaskCancelled, WaitQueue } from '@curio/kernel';
import { expect, test } from 'vitest';

// A full garbage collection without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

class Probe {
  readonly a = 1;
  readonly b = 'b';
}

/** Anchor a fresh Probe and return only a weak reference to it. */
function anchorWeakly(): WeakRef<Probe> {
  const probe = new Probe();
  expect(anchorShape(probe)).toBe(probe);
  return new WeakRef(probe);
}

test('an anchored instance survives a full GC that collects an unanchored one', async () => {
  const anchored = anchorWeakly();
  let loose: WeakRef<Probe> | undefined = new WeakRef(new Probe());
  // WeakRef targets are kept until the end of the current job: let it end before collecting.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  expect(anchored.deref()).toBeInstanceOf(Probe);
  expect(loose.deref()).toBeUndefined();
  loose = undefined;
});

test('the kernel still works after its objects were collected between runs', async () => {
  // Each run makes a new kernel, tasks, wait queues and cancellation errors; between runs none
  // of them is alive and a full GC runs. The anchors keep their shapes; the runs behave the same.
  for (let round = 0; round < 3; round++) {
    const outcome = await run(async () => {
      const waiters = new WaitQueue();
      const blocked = await spawn(() => waiters.wait('EVENT_WAIT'));
      const quick = await spawn(async () => 42);
      await blocked.cancel();
      return [await quick.join(), blocked.exception instanceof TaskCancelled];
    });
    expect(outcome).toEqual([42, true]);
    gc();
  }
});
