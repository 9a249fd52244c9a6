// "Tasks", with the monitor: while the parent waits for the kid, a monitor session shows the
// task table (`ps`), where each is blocked (`w`), and `cancel`s the kid — and the parent's
// join() fails with a TaskError (cause: the kid's TaskCancelled), the "rather nasty traceback".
// The kernel runs on a virtual clock that the test moves, so the kid has exactly 985 seconds
// left to sleep when the session starts.
import net from 'node:net';
import { awaitPromise, MockClock, schedule, spawn, TaskCancelled, TaskError } from '@curio/kernel';
import { run } from 'curio';
import { expect, test } from 'vitest';
import { main } from '../src/monitor.js';
import { captureOutput, transcript } from './helpers.js';
import { freePort } from './net-helpers.js';

/** A monitor session over TCP: type a line, get what comes back before the next prompt. */
class Session {
  #sock: net.Socket;
  #buffer = '';
  #wake: (() => void) | undefined;

  constructor(port: number) {
    this.#sock = net.connect(port, '127.0.0.1');
    this.#sock.setEncoding('latin1');
    this.#sock.on('data', (d: string) => {
      this.#buffer += d;
      this.#wake?.();
    });
    this.#sock.on('error', () => this.#wake?.());
    this.#sock.on('close', () => this.#wake?.());
  }

  /** What came before the next `curio > ` prompt (or before the end). */
  async next(): Promise<string> {
    return awaitPromise(
      (async () => {
        for (;;) {
          const at = this.#buffer.indexOf('curio > ');
          if (at >= 0 || this.#sock.destroyed) {
            const end = at >= 0 ? at : this.#buffer.length;
            const text = this.#buffer.slice(0, end);
            this.#buffer = this.#buffer.slice(end + (at >= 0 ? 8 : 0));
            return text;
          }
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      })(),
    );
  }

  type(line: string): Promise<string> {
    this.#sock.write(`${line}\n`);
    return this.next();
  }

  get closed(): boolean {
    return this.#sock.destroyed;
  }
}

test('monitor: ps, where, and cancel the kid; the parent crashes with a TaskError', async () => {
  const out = captureOutput();
  const port = await freePort();
  const clock = new MockClock();
  const session: string[] = [];
  await run({ clock, withMonitor: { port }, signals: 'default' }, async () => {
    const parent = await spawn(main);
    await schedule(); // the parent spawns the kid (task 3)
    // Someone collects the parent's end, so the crash is this test's, not a report.
    const outcome = await spawn(() => parent.join().catch((err: unknown) => err));
    // 5 seconds of waiting, then the countdown from 10: move time one second at a time.
    while (!out.lines.includes("We're leaving!")) {
      clock.advance(1);
      for (let i = 0; i < 10; i++) await schedule();
    }
    // The monitor's thread may still be starting: connect until it answers.
    let s = new Session(port);
    let banner = await s.next();
    while (s.closed && banner === '') {
      await awaitPromise(new Promise((resolve) => setTimeout(resolve, 5)));
      s = new Session(port);
      banner = await s.next();
    }
    session.push(banner, await s.type('ps'), await s.type('w 2'), await s.type('w 3'));
    session.push(await s.type('cancel 3'));
    const error = await outcome.join();
    // The parent's join() of the kid failed: TaskError, caused by the kid's TaskCancelled
    // (wrapped once more by our join of the parent).
    const parentsError = (error as TaskError).cause as TaskError;
    expect(parentsError).toBeInstanceOf(TaskError);
    expect(parentsError.cause).toBeInstanceOf(TaskCancelled);
    session.push(await s.type('quit'));
  });
  expect(out.lines).toEqual(
    transcript(`
Building the Millenium Falcon in Minecraft
Let's go
T-minus 10
T-minus 9
T-minus 8
T-minus 7
T-minus 6
T-minus 5
T-minus 4
T-minus 3
T-minus 2
T-minus 1
We're leaving!
`),
  );
  const [banner, ps, wParent, wKid, cancel, quit] = session;
  expect(banner).toBe('\nCurio Monitor: 4 tasks running\nType help for commands\n');
  const rows = ps!.split('\n').map((l) => l.trimEnd());
  expect(rows.slice(2)).toEqual([
    // The main task's cycles depend on how many turns the test took: take them as they are.
    `1      FUTURE_WAIT  ${rows[2]!.slice(20, 31)}None    None    anonymous`,
    '2      TASK_JOIN    3          None    None    parent',
    '3      TIME_SLEEP   1          None    986.000 kid',
    '4      TASK_JOIN    1          None    None    anonymous',
    '',
  ]);
  expect(wParent!.split('\n')).toEqual([
    "Stack for Task(id=2, name='parent', state='TASK_JOIN') (most recent call last):",
    expect.stringMatching(/^ {2}File ".*tasks\.ts", line 23, in parent$/),
    '    await kidTask.join();',
    '',
  ]);
  expect(wKid!.split('\n')).toEqual([
    "Stack for Task(id=3, name='kid', state='TIME_SLEEP') (most recent call last):",
    expect.stringMatching(/^ {2}File ".*tasks\.ts", line 11, in kid$/),
    '    await sleep(1000);',
    '',
  ]);
  expect(cancel).toBe('Cancelling task 3\n');
  expect(quit).toBe('Leaving monitor. Hit Ctrl-C to exit\n');
});
