// Port of Curio 0.9 tests/test_signal.py (SignalQueue, SignalEvent), plus the rules of
// DESIGN §4 and §6a: signals are named by string, a watcher owns its signals from
// construction until close(), and the tutorial's Ctrl-C handling (in a child process, so the
// test runner never receives SIGINT).
//
// Adapted: `async with SignalQueue(...) as sig` → `await using sig = new SignalQueue(...)`;
// signal numbers → names (`get()` resolves to 'SIGUSR1'); `os.kill(os.getpid(), sig)` →
// `process.kill(process.pid, sig)`. The two tests that send signals to this process sleep
// 0.05 s of real time (instead of 0.1 s) to let Node deliver them; the others run on the
// virtual clock.
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { CurioError, run, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { Event, SignalEvent, SignalQueue } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caught, runVirtual } from './helpers.js';

describe('signals (Curio 0.9 test_signal.py)', () => {
  test('a SignalQueue receives the signals sent to the process (test_task_signal)', async () => {
    const results: unknown[] = [];
    const evt = new Event();
    async function child() {
      await using sig = new SignalQueue('SIGUSR1', 'SIGUSR2');
      evt.set();
      results.push(await sig.get());
      results.push(await sig.get());
    }
    async function main() {
      const task = await spawn(child);
      await evt.wait();
      results.push('sending USR1');
      process.kill(process.pid, 'SIGUSR1');
      await sleep(0.05);
      results.push('sending USR2');
      process.kill(process.pid, 'SIGUSR2');
      await sleep(0.05);
      results.push('done');
      await task.join();
    }
    await run(main);
    expect(results).toEqual(['sending USR1', 'SIGUSR1', 'sending USR2', 'SIGUSR2', 'done']);
  });

  test('SignalEvents made outside the kernel are set by their signals (test_task_signal_event)', async () => {
    const results: unknown[] = [];
    using sigUSR1 = new SignalEvent('SIGUSR1');
    const got1 = new Event();
    using sigUSR2 = new SignalEvent('SIGUSR2');
    const got2 = new Event();
    async function child() {
      await sigUSR1.wait();
      results.push('SIGUSR1');
      got1.set();
      await sigUSR2.wait();
      results.push('SIGUSR2');
      got2.set();
    }
    async function main() {
      const task = await spawn(child);
      results.push('sending USR1');
      process.kill(process.pid, 'SIGUSR1');
      await got1.wait();
      results.push('sending USR2');
      process.kill(process.pid, 'SIGUSR2');
      await got2.wait();
      results.push('done');
      await task.join();
    }
    await run(main);
    expect(results).toEqual(['sending USR1', 'SIGUSR1', 'sending USR2', 'SIGUSR2', 'done']);
  });

  test('a get on a SignalQueue can time out (test_task_signal_timeout)', async () => {
    const results: unknown[] = [];
    async function child() {
      await using sig = new SignalQueue('SIGUSR1', 'SIGUSR2');
      try {
        results.push(await timeoutAfter(1.0, () => sig.get()));
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        results.push('timeout');
      }
    }
    async function main() {
      const task = await spawn(child);
      await task.join();
      results.push('done');
    }
    await runVirtual(main);
    expect(results).toEqual(['timeout', 'done']);
  });
});

describe('SignalQueue and SignalEvent (DESIGN)', () => {
  test('every arrival is queued; waiting shows as SIGNAL_WAIT', async () => {
    const results: unknown[] = [];
    await run(async () => {
      using sig = new SignalQueue('SIGUSR2');
      const getter = await spawn(async () => {
        for (let i = 0; i < 3; i++) results.push(await sig.get());
      });
      await sleep(0.01);
      results.push(getter.state);
      for (let i = 0; i < 3; i++) {
        process.kill(process.pid, 'SIGUSR2');
        await sleep(0.01);
      }
      await getter.join();
      results.push(sig.qsize());
    });
    expect(results).toEqual(['SIGNAL_WAIT', 'SIGUSR2', 'SIGUSR2', 'SIGUSR2', 0]);
  });

  test('a SignalEvent is sticky and shows SIGNAL_WAIT', async () => {
    const results: unknown[] = [];
    await run(async () => {
      using evt = new SignalEvent('SIGUSR2', 'SIGUSR1');
      const waiter = await spawn(() => evt.wait());
      await sleep(0.01);
      results.push(waiter.state, String(evt));
      process.kill(process.pid, 'SIGUSR2');
      process.kill(process.pid, 'SIGUSR2');
      await waiter.join();
      results.push(evt.isSet());
      await sleep(0.01);
      results.push(evt.isSet(), String(evt));
    });
    expect(results).toEqual([
      'SIGNAL_WAIT',
      'SignalEvent(SIGUSR2,SIGUSR1, unset, waiters=1)',
      true,
      true,
      'SignalEvent(SIGUSR2,SIGUSR1, set, waiters=0)',
    ]);
  });

  test('watchers of one signal share one process listener; close() removes it with the last', () => {
    const before = process.listenerCount('SIGUSR2');
    const a = new SignalEvent('SIGUSR2');
    const b = new SignalQueue('SIGUSR2', 'SIGUSR2');
    expect(b.signals).toEqual(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    a.close();
    a.close(); // idempotent
    expect([a.watching, b.watching]).toEqual([false, true]);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    b.close();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  test('using / await using close them at block exit', async () => {
    const before = process.listenerCount('SIGHUP');
    {
      using _evt = new SignalEvent('SIGHUP');
      await using _q = new SignalQueue('SIGHUP');
      expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    }
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  test('unknown or uncatchable signals are refused with a clear error', () => {
    expect(() => new SignalEvent('SIGFOO' as NodeJS.Signals)).toThrow(
      "SignalEvent: unknown signal 'SIGFOO': use a signal name such as 'SIGINT', 'SIGTERM', 'SIGHUP' or 'SIGUSR1'",
    );
    expect(() => new SignalQueue(2 as unknown as NodeJS.Signals)).toThrow(/unknown signal 2/);
    expect(() => new SignalQueue('toString' as NodeJS.Signals)).toThrow(CurioError);
    expect(() => new SignalQueue('SIGKILL')).toThrow(
      'SignalQueue: SIGKILL cannot be caught by any process',
    );
    expect(() => new SignalEvent()).toThrow(/needs at least one signal name/);
    expect(process.listenerCount('SIGKILL')).toBe(0);
  });

  test('close() ends for await loops and fails waiting gets; queued arrivals can still be taken', async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const sig = new SignalQueue('SIGWINCH');
      const loop = await spawn(async () => {
        for await (const name of sig) results.push(name);
        results.push('loop ended');
      });
      const getter = await spawn(async () => {
        const err = await caught(() => sig.get());
        results.push((err as Error).message);
      });
      await sleep(0.1);
      sig.close();
      await loop.join();
      await getter.join();
      const err = await caught(() => sig.get());
      results.push(err instanceof CurioError);
    });
    expect(results).toEqual([
      'loop ended',
      'SignalQueue(SIGWINCH) is closed: it receives no more signals',
      true,
    ]);
  });
});

// ----------------------------------------------------------------------------------------
// Ctrl-C and the default action, in a child process running the built packages.

const fixture = fileURLToPath(new URL('./fixtures/signals.mjs', import.meta.url));
const dists = ['../dist/index.js', '../../kernel/dist/index.js'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

/** Run the fixture in `mode`; each time a line in `plan` is printed, send its signal. */
function runChild(
  mode: string,
  plan: Record<string, NodeJS.Signals>,
): Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }> {
  for (const dist of dists) {
    if (!existsSync(dist))
      throw new Error(`build first (pnpm build): the child process runs ${dist}`);
  }
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, [fixture, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n').slice(0, -1);
      for (; seen < lines.length; seen++) {
        const signal = plan[lines[seen] as string];
        if (signal !== undefined) child.kill(signal);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child hung; output so far:\n${out}`));
    }, 10_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.trim().split('\n'), code, signal });
    });
  });
}

describe('Ctrl-C (the tutorial, in a child process)', () => {
  test('while a SignalEvent watches SIGINT, Ctrl-C sets it; once closed, Ctrl-C interrupts the kernel', async () => {
    const { lines, code } = await runChild('event', {
      ready: 'SIGINT',
      cleared: 'SIGINT',
      closed: 'SIGINT',
    });
    expect(lines).toEqual([
      'ready',
      'got signal',
      'cleared',
      'got signal again',
      'closed',
      'finally main',
      'run rejected: KeyboardInterrupt',
    ]);
    expect(code).toBe(130);
  });

  test('a SignalQueue queues every Ctrl-C; after it is closed Ctrl-C interrupts', async () => {
    const { lines, code } = await runChild('queue', {
      ready: 'SIGINT',
      'got SIGINT 1': 'SIGINT',
      'got SIGINT 2': 'SIGINT',
      closed: 'SIGINT',
    });
    expect(lines).toEqual([
      'ready',
      'got SIGINT 1',
      'got SIGINT 2',
      'got SIGINT 3',
      'closed',
      'finally main',
      'run rejected: KeyboardInterrupt',
    ]);
    expect(code).toBe(130);
  });

  test("closing the last watcher gives the signal Node's default action back", async () => {
    const { lines, code, signal } = await runChild('restore', {
      ready: 'SIGTERM',
      closed: 'SIGTERM',
    });
    expect(lines).toEqual(['ready', 'caught SIGTERM', 'closed']);
    expect([code, signal]).toEqual([null, 'SIGTERM']);
  });
});
