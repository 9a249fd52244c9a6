// run and checkOutput: results, check, input, and what a cancelled or failed run does to the
// command's process group and its output.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  awaitPromise,
  CurioError,
  MockClock,
  run,
  sleep,
  spawn,
  TaskCancelled,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import {
  CalledProcessError,
  CompletedProcess,
  checkOutput,
  PIPE,
  run as runCommand, // the kernel's run starts the kernel
  STDOUT,
} from '@curio/subprocess';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, gone, node, runSub } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-subprocess-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('run', () => {
  test('captureOutput: a CompletedProcess with the status and both outputs', async () => {
    const done = await runSub(() =>
      runCommand(node("console.log('out'); console.error('err'); process.exit(2)"), {
        captureOutput: true,
      }),
    );
    expect(done).toBeInstanceOf(CompletedProcess);
    expect(done.returncode).toBe(2);
    expect(done.stdout.toString()).toBe('out\n');
    expect(done.stderr.toString()).toBe('err\n');
    expect(done.args).toEqual(node("console.log('out'); console.error('err'); process.exit(2)"));
    expect(() => done.checkReturncode()).toThrow(CalledProcessError);
  });

  test('without pipes the outputs are empty', async () => {
    const done = await runSub(() => runCommand(node('process.exit(0)')));
    expect(done.returncode).toBe(0);
    expect(done.stdout.length).toBe(0);
    expect(done.stderr.length).toBe(0);
    expect(() => done.checkReturncode()).not.toThrow();
  });

  test('input goes to stdin', async () => {
    const done = await runSub(() =>
      runCommand(node('process.stdin.pipe(process.stdout)'), { input: 'echo me', stdout: PIPE }),
    );
    expect(done.stdout.toString()).toBe('echo me');
  });

  test('check: a non-zero status is a CalledProcessError with the output', async () => {
    const err = (await caught(() =>
      runSub(() =>
        runCommand(node("console.log('some'); console.error('oops: disk full'); process.exit(4)"), {
          captureOutput: true,
          check: true,
        }),
      ),
    )) as CalledProcessError;
    expect(err).toBeInstanceOf(CalledProcessError);
    expect(err).toBeInstanceOf(CurioError);
    expect(err.code).toBe('CURIO_CALLED_PROCESS');
    expect(err.returncode).toBe(4);
    expect(err.stdout.toString()).toBe('some\n');
    expect(err.output).toBe(err.stdout);
    expect(err.stderr.toString()).toBe('oops: disk full\n');
    expect(err.message).toMatch(
      /returned non-zero exit status 4\. Its last error output: oops: disk full$/,
    );
  });

  test('a missing executable rejects with ENOENT', async () => {
    const err = (await caught(() =>
      runSub(() => runCommand(['curio-no-such-program'], { captureOutput: true })),
    )) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOENT');
  });

  test('bad option combinations', async () => {
    await runSub(async () => {
      await expect(runCommand(node(''), { input: 'x', stdin: PIPE })).rejects.toThrow(/not both/);
      await expect(runCommand(node(''), { captureOutput: true, stdout: PIPE })).rejects.toThrow(
        /not both/,
      );
      await expect(runCommand(node(''), { killGrace: -1 })).rejects.toThrow(RangeError);
    });
  });
});

describe('checkOutput', () => {
  test('resolves to stdout; stderr can join it', async () => {
    await runSub(async () => {
      expect((await checkOutput(node("console.log('listing')"))).toString()).toBe('listing\n');
      const both = await checkOutput(['/bin/sh', '-c', 'echo one; echo two >&2; echo three'], {
        stderr: STDOUT,
      });
      expect(both.toString()).toBe('one\ntwo\nthree\n');
    });
  });

  test('a failure is a CalledProcessError', async () => {
    await runSub(async () => {
      const err = (await caught(() =>
        checkOutput(node("console.log('half'); process.kill(process.pid, 'SIGKILL')")),
      )) as CalledProcessError;
      expect(err).toBeInstanceOf(CalledProcessError);
      expect(err.returncode).toBe(-9);
      expect(err.stdout.toString()).toBe('half\n');
      expect(err.message).toMatch(/died with SIGKILL\.$/);
    });
  });
});

describe('stopping a run', () => {
  /** A shell script that starts a grandchild, reports both pids, and waits. */
  function family(ready: string, trapTerm = false): string[] {
    return [
      '/bin/sh',
      '-c',
      `${trapTerm ? "trap '' TERM; " : ''}sleep 30 & echo "$$ $!"; echo started >&2; : > '${ready}'; wait`,
    ];
  }

  async function waitFor(path: string): Promise<void> {
    while (!existsSync(path)) await sleep(0.005);
  }

  /** Wait in real time (polling) for `path` to exist: works on a MockClock too. */
  async function waitForReal(path: string): Promise<void> {
    while (!existsSync(path)) await awaitPromise(new Promise((r) => setTimeout(r, 5)));
  }

  test('a cancelled run stops the whole process group and keeps the output', async () => {
    const ready = join(scratch, 'ready-1');
    await runSub(async () => {
      const running = await spawn(() => runCommand(family(ready), { captureOutput: true }));
      await waitFor(ready);
      await running.cancel();
      const err = running.exception as TaskCancelled & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskCancelled);
      expect(err.stderr.toString()).toBe('started\n');
      const [shell, grandchild] = err.stdout.toString().trim().split(' ').map(Number);
      expect(gone(shell!)).toBe(true);
      // The grandchild was in the group: it got the signal too (its reaping is not ours).
      for (let i = 0; i < 200 && !gone(grandchild!); i++) await sleep(0.005);
      expect(gone(grandchild!)).toBe(true);
    });
  });

  test('timeoutAfter around run: TaskTimeout with the output so far', async () => {
    const ready = join(scratch, 'ready-2');
    // Virtual time: the timeout fires when the test moves the clock, after the command has
    // written its output, however long starting it took.
    const clock = new MockClock();
    await run({ clock, signals: 'default' }, async () => {
      const timed = await spawn(() =>
        timeoutAfter(10, () => runCommand(family(ready), { captureOutput: true })),
      );
      await waitForReal(ready);
      clock.advance(10);
      await timed.wait();
      const err = timed.exception as TaskTimeout & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskTimeout);
      expect(err.stderr.toString()).toBe('started\n');
      const [shell, grandchild] = err.stdout.toString().trim().split(' ').map(Number);
      expect(gone(shell!)).toBe(true);
      for (let i = 0; i < 200 && !gone(grandchild!); i++) {
        await awaitPromise(new Promise((r) => setTimeout(r, 5)));
      }
      expect(gone(grandchild!)).toBe(true);
    });
  });

  test('a command that ignores SIGTERM is killed after the grace period', async () => {
    const ready = join(scratch, 'ready-3');
    await runSub(async () => {
      const started = Date.now();
      const running = await spawn(() =>
        runCommand(family(ready, true), { captureOutput: true, killGrace: 0.05 }),
      );
      await waitFor(ready);
      await running.cancel();
      const err = running.exception as TaskCancelled & { stdout: Buffer };
      expect(err).toBeInstanceOf(TaskCancelled);
      const [shell] = err.stdout.toString().trim().split(' ').map(Number);
      expect(gone(shell!)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    });
    expect(readFileSync(ready, 'utf8')).toBe('');
  });
});

describe('more', () => {
  test('several MiB in through input and out of stdout and stderr at once, exactly', async () => {
    const input = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7) % 251;
    const done = await runSub(() =>
      runCommand(
        node(`
          const chunks = [];
          process.stdin.on('data', (d) => {
            chunks.push(d);
            process.stderr.write(d);
          });
          process.stdin.on('end', () => process.stdout.write(Buffer.concat(chunks).reverse()));`),
        { input, captureOutput: true },
      ),
    );
    expect(done.returncode).toBe(0);
    expect(done.stderr.equals(input)).toBe(true);
    expect(done.stdout.equals(Buffer.from(input).reverse())).toBe(true);
  });

  test('a timed-out run of a command that ignores SIGTERM: SIGKILL once the grace has passed', async () => {
    const ready = join(scratch, 'ready-4');
    const clock = new MockClock();
    await run({ clock, signals: 'default' }, async () => {
      // The command ignores SIGTERM: the cleanup waits killGrace (virtual) seconds.
      const timed = await spawn(() =>
        timeoutAfter(10, () =>
          runCommand(
            ['/bin/sh', '-c', `trap '' TERM; echo "$$"; : > '${ready}'; while :; do sleep 1; done`],
            { captureOutput: true, killGrace: 5 },
          ),
        ),
      );
      while (!existsSync(ready)) await awaitPromise(new Promise((r) => setTimeout(r, 5)));
      clock.advance(10); // the timeout: run starts its cleanup (SIGTERM, ignored)
      for (let i = 0; i < 20; i++) await sleep(0);
      clock.advance(5); // the grace ends inside the cleanup: SIGKILL
      await timed.wait();
      const err = timed.exception as TaskTimeout & { stdout: Buffer };
      expect(err).toBeInstanceOf(TaskTimeout);
      const shell = Number(err.stdout.toString().trim());
      expect(gone(shell)).toBe(true);
    });
  });
});
