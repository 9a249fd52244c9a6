// Port of Curio 1.6 tests/test_kernel.py — the kernel itself: run(), Kernel, clock, sleep,
// re-entrancy, debuggers and starvation. (Task, timeout and cancellation tests of that file
// live in task.test.ts, timeout.test.ts and cancellation.test.ts.)
//
// Not ported (trap-level internals with no TypeScript equivalent):
// - test_kernel_exit: raising SystemExit out of a task (no SystemExit in JavaScript).
// - test_kernel_badtrap: yielding an unknown trap tuple (`_kernel_trap('bogus')`); tasks
//   cannot issue raw traps here.
// - test_io_registration: `_read_wait`/`_write_wait` on raw file descriptors and the
//   selector's ReadResourceBusy/WriteResourceBusy; this is socket-level (DESIGN §6.7) and
//   belongs to @curio/net's tests.
// - test_single_stepping's `kernel.run()` with no coroutine (one scheduler cycle) has no
//   equivalent; what it relies on — a task outliving one `Kernel.run` and progressing in the
//   next — is ported as "a daemon spawned in one Kernel.run keeps running in the next".
// - test_kernel_debug's `debug=True` and `schedtrace(filter='none')` variants (not in DESIGN).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  awaitPromise,
  CurioError,
  clock,
  Kernel,
  logcrash,
  longblock,
  MockClock,
  run,
  schedtrace,
  sleep,
  spawn,
  type Task,
  traptrace,
  WaitQueue,
} from '@curio/kernel';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { caught, runVirtual } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('run()', () => {
  test('returns the result of the main task (test_hello)', async () => {
    const results: unknown[] = [];
    async function hello() {
      return 'hello';
    }
    results.push(await run(hello));
    results.push(await runVirtual(hello));
    expect(results).toEqual(['hello', 'hello']);
  });

  test('passes extra arguments to the main task', async () => {
    async function greet(who: string, n: number) {
      return `${who}:${n}`;
    }
    expect(await run(greet, 'curio', 3)).toBe('curio:3');
    expect(await run({ signals: 'default' }, greet, 'kernel', 4)).toBe('kernel:4');
  });

  test('rejects with the error raised by the main task (test_raise)', async () => {
    class Boom extends Error {}
    const err = new Boom('boom');
    async function boom() {
      throw err;
    }
    const e = await caught(() => runVirtual(boom));
    expect(e).toBe(err);
  });

  test('a built-in error of the main task is not wrapped (test_task_run_error)', async () => {
    async function main() {
      JSON.parse('bad'); // Curio: int('bad') -> ValueError
    }
    const e = await caught(() => run(main));
    expect(e).toBeInstanceOf(SyntaxError);
  });

  test('run() inside a running kernel throws CurioError (test_reentrant_kernel)', async () => {
    const results: string[] = [];
    async function child() {
      results.push('child ran');
    }
    async function main() {
      const e = await caught(() => run(child));
      results.push(e instanceof CurioError ? 'CurioError' : String(e));
      results.push('main done');
    }
    await runVirtual(main);
    expect(results).toEqual(['CurioError', 'main done']);
  });

  test('a task still running when main returns is cancelled at shutdown', async () => {
    const results: string[] = [];
    let kid: Task<void> | undefined;
    async function child() {
      try {
        await sleep(1000);
        results.push('child woke');
      } finally {
        results.push('child cleanup');
      }
    }
    async function main() {
      kid = await spawn(child);
      await sleep(0.1);
      results.push('main done');
      return 'ok';
    }
    results.push(await runVirtual(main));
    expect(kid?.terminated).toBe(true);
    expect(kid?.cancelled).toBe(true);
    expect(results).toEqual(['main done', 'child cleanup', 'ok']);
  });
});

describe('clock and sleep', () => {
  test('sleep(0.5) lets at least 0.5 s of (virtual) time pass (test_sleep)', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const start = clock();
      const woke = await sleep(0.5);
      const end = clock();
      results.push(end - start >= 0.5, woke === end);
    });
    expect(results).toEqual([true, true]);
  });

  test('sleep() on the real clock waits in real time (test_sleep, real clock)', async () => {
    const results: unknown[] = [];
    const t0 = performance.now();
    await run({ signals: 'default' }, async () => {
      await sleep(0.05);
      results.push('slept');
    });
    results.push(performance.now() - t0 >= 45);
    expect(results).toEqual(['slept', true]);
  });

  test('clock() advances by the time slept (test_clock)', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const start = await clock();
      await sleep(0.1);
      const end = await clock();
      results.push(end - start >= 0.1);
    });
    await run(async () => {
      const start = clock();
      await sleep(0.02);
      const end = clock();
      results.push(end - start >= 0.019);
    });
    expect(results).toEqual([true, true]);
  });

  test('the virtual clock starts where MockClock says and jumps to deadlines', async () => {
    const results: number[] = [];
    await run(
      { clock: new MockClock({ start: 100, autojump: true }), signals: 'default' },
      async () => {
        results.push(clock());
        results.push(await sleep(3600));
        results.push(clock());
      },
    );
    expect(results).toEqual([100, 3700, 3700]);
  });

  test('sleep(0) switches to the other ready tasks', async () => {
    const results: string[] = [];
    async function worker(name: string) {
      for (let i = 0; i < 3; i++) {
        results.push(`${name}${i}`);
        await sleep(0);
      }
    }
    await runVirtual(async () => {
      const a = await spawn(worker, 'a');
      const b = await spawn(worker, 'b');
      await a.join();
      await b.join();
    });
    expect(results).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  });
});

describe('Kernel', () => {
  test('a closed kernel refuses to run (test_kernel_no_shutdown)', async () => {
    const results: string[] = [];
    const unused = new Kernel({ signals: 'default' });
    await unused.close();

    const k = new Kernel({ signals: 'default' });
    await k[Symbol.asyncDispose]();
    const e = await caught(() => k.run(async () => results.push('ran')));
    results.push(e instanceof CurioError ? 'CurioError' : String(e));
    expect(results).toEqual(['CurioError']);
  });

  test('a Kernel can run several main tasks in turn', async () => {
    const k = new Kernel({ clock: new MockClock({ autojump: true }), signals: 'default' });
    try {
      expect(await k.run(async () => 1)).toBe(1);
      const plusOne = async (x: number) => {
        await sleep(1);
        return x + 1;
      };
      expect(await k.run(plusOne, 1)).toBe(2);
    } finally {
      await k.close();
    }
  });

  test('a daemon spawned in one Kernel.run keeps running in the next (test_single_stepping)', async () => {
    let value = 0;
    async function child() {
      await sleep(0);
      value = 1;
      await sleep(0.1);
      value = 2;
    }
    const k = new Kernel({ clock: new MockClock({ autojump: true }), signals: 'default' });
    try {
      const task = await k.run(() => spawn({ daemon: true }, child));
      expect(task.daemon).toBe(true);
      await k.run(() => sleep(0.2));
      expect(value).toBe(2);
      expect(task.terminated).toBe(true);
    } finally {
      await k.close();
    }
  });

  test('close() cancels the tasks a Kernel still holds', async () => {
    const results: string[] = [];
    async function daemon() {
      try {
        await sleep(1000);
      } finally {
        results.push('daemon cancelled');
      }
    }
    const k = new Kernel({ clock: new MockClock({ autojump: true }), signals: 'default' });
    const task = await k.run(() => spawn({ daemon: true }, daemon));
    await k.run(() => sleep(1));
    results.push('before close');
    await k.close();
    expect(task.cancelled).toBe(true);
    expect(results).toEqual(['before close', 'daemon cancelled']);
  });

  test('debuggers can be installed (test_kernel_debug)', async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(() => {});
    }
    const results: string[] = [];
    async function hello() {
      await sleep(0);
      return 'hi';
    }
    for (const debug of [
      [schedtrace(), traptrace()],
      schedtrace(),
      [logcrash(), longblock({ maxTime: 0.05 })],
    ]) {
      const k = new Kernel({ debug, signals: 'default' });
      try {
        results.push(await k.run(hello));
      } finally {
        await k.close();
      }
    }
    results.push(await run({ debug: traptrace(), signals: 'default' }, hello));
    expect(results).toEqual(['hi', 'hi', 'hi', 'hi']);
  });
});

describe('starvation', () => {
  // Real clock and real I/O: a `while (true) await sleep(0)` task must neither starve Node's
  // timers and I/O nor be uncancellable.
  test('a sleep(0) loop neither starves I/O nor resists cancellation (test_sleep_0_starvation)', async () => {
    const results: string[] = [];
    let spins = 0;
    async function loopForever() {
      while (true) {
        spins++;
        await sleep(0);
      }
    }
    async function io1() {
      const text = await awaitPromise(readFile(fileURLToPath(import.meta.url), 'utf8'));
      results.push(text.includes('test_sleep_0_starvation') ? 'file read' : 'bad read');
    }
    async function io2() {
      await awaitPromise(new Promise<void>((resolve) => setTimeout(resolve, 10)));
      results.push('node timer fired');
      await sleep(0.01);
      results.push('kernel timer fired');
    }
    await run({ signals: 'default' }, async () => {
      const loopTask = await spawn(loopForever);
      await sleep(0);
      const t1 = await spawn(io1);
      const t2 = await spawn(io2);
      await t1.join();
      await t2.join();
      await loopTask.cancel();
      results.push(loopTask.cancelled ? 'loop cancelled' : 'loop alive');
    });
    expect(spins).toBeGreaterThan(1);
    expect(results.sort()).toEqual(
      ['file read', 'kernel timer fired', 'loop cancelled', 'node timer fired'].sort(),
    );
  });

  test('two tasks handing work back and forth do not starve a third (test_ping_pong_starvation)', async () => {
    // Curio uses two Queues; here a minimal kernel-only queue on WaitQueue (the scheduler
    // wait/wake primitive Curio's Queue is built on).
    class Mailbox<T> {
      readonly #items: T[] = [];
      readonly #getters = new WaitQueue();
      put(item: T): void {
        this.#items.push(item);
        this.#getters.wakeOne();
      }
      async get(): Promise<T> {
        while (this.#items.length === 0) await this.#getters.wait('QUEUE_GET');
        return this.#items.shift()!;
      }
    }
    let handoffs = 0;
    async function pingpong(inq: Mailbox<string>, outq: Mailbox<string>) {
      while (true) {
        const item = await inq.get();
        handoffs++;
        outq.put(item);
      }
    }
    async function iWillSurvive() {
      for (let i = 0; i < 10; i++) await sleep(0);
      return 'i survived!';
    }
    const result = await runVirtual(async () => {
      const q1 = new Mailbox<string>();
      const q2 = new Mailbox<string>();
      q1.put('something');
      const pp1 = await spawn(pingpong, q1, q2);
      const pp2 = await spawn(pingpong, q2, q1);
      const iws = await spawn(iWillSurvive);
      const r = await iws.join();
      await pp1.cancel();
      await pp2.cancel();
      return r;
    });
    expect(result).toBe('i survived!');
    expect(handoffs).toBeGreaterThan(0);
  });

  test('tasks handing work back and forth through foreign promises do not starve a third', async () => {
    let handoffs = 0;
    const mailbox: Array<(() => void) | undefined> = [undefined, undefined];
    const pending: Array<Promise<void> | undefined> = [undefined, undefined];
    const arm = (i: number) => {
      pending[i] = new Promise<void>((resolve) => {
        mailbox[i] = resolve;
      });
    };
    arm(0);
    arm(1);
    async function pingpong(me: number, other: number) {
      while (true) {
        await awaitPromise(pending[me]!);
        arm(me);
        handoffs++;
        mailbox[other]!();
      }
    }
    async function iWillSurvive() {
      for (let i = 0; i < 10; i++) await sleep(0);
      return 'i survived!';
    }
    const result = await runVirtual(async () => {
      const pp1 = await spawn(pingpong, 0, 1);
      const pp2 = await spawn(pingpong, 1, 0);
      mailbox[0]!();
      const iws = await spawn(iWillSurvive);
      const r = await iws.join();
      await pp1.cancel();
      await pp2.cancel();
      return r;
    });
    expect(result).toBe('i survived!');
    expect(handoffs).toBeGreaterThan(0);
  });
});
