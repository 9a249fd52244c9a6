// Adversarial tests for @curio/subprocess: runs stopped at awkward moments (before the
// command writes, while it writes a lot, while input is stuck, as it exits), a second
// cancellation during the cleanup, several MiB through all three pipes, STDOUT merging,
// relative executables, three-stage pipelines, disposal, and signals after the end.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  awaitPromise,
  CancelledError,
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
  checkOutput,
  PIPE,
  Popen,
  run as runCommand,
  STDOUT,
} from '@curio/subprocess';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, gone, node, runSub } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-subprocess-adv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
const tmp = (name: string): string => join(scratch, `${name}-${counter++}`);

/** Wait in real time (polling, works on a MockClock too) for `cond`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await awaitPromise(new Promise((r) => setTimeout(r, 5)));
  }
}

/** The pids a family script wrote (shell, grandchild). */
const pidsIn = (file: string): number[] =>
  readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);

async function allGone(pids: number[]): Promise<void> {
  await until(() => pids.every((pid) => gone(pid)), `processes ${pids.join(' ')} to be gone`);
}

/**
 * A shell that starts a grandchild (`sleep 30 &`), writes `out` and `err`, then records
 * "$$ $!" atomically in `pids` and waits. `pre` runs first (e.g. a trap).
 */
function family(pids: string, out = 'OUT', err = 'ERR', pre = ''): string[] {
  return [
    '/bin/sh',
    '-c',
    `${pre}sleep 30 & printf '${out}'; printf '${err}' >&2; echo "$$ $!" > '${pids}.tmp'; mv '${pids}.tmp' '${pids}'; wait`,
  ];
}

/** stdout and stderr carried by an error (or by its cause). */
function outputOf(err: unknown): { stdout?: Buffer; stderr?: Buffer } {
  const e = err as { stdout?: Buffer; stderr?: Buffer; cause?: unknown };
  if (e.stdout !== undefined || e.stderr !== undefined) return e;
  if (e.cause !== undefined) return outputOf(e.cause);
  return {};
}

/**
 * `buf` is a prefix of "0\n1\n2\n...": consecutive numbers, the last one possibly cut.
 * Returns how many complete lines there are.
 */
function checkSequence(buf: Buffer, what: string): number {
  const parts = buf.toString('latin1').split('\n');
  const last = parts.pop()!;
  parts.forEach((p, i) => {
    if (p !== String(i)) {
      throw new Error(`${what}: line ${i} is ${JSON.stringify(p.slice(0, 40))}, not ${i}`);
    }
  });
  if (!String(parts.length).startsWith(last)) {
    throw new Error(`${what}: cut line ${JSON.stringify(last.slice(0, 40))} after ${parts.length}`);
  }
  return parts.length;
}

/**
 * A command (pid $$ via exec) with a grandchild that writes numbered lines to stdout and
 * stderr forever (pipes block it when full); once `lines` are out it creates `pids`.
 */
function writer(pids: string, lines = 2000): string[] {
  const js = `
    const fs = require('node:fs');
    let i = 0;
    for (;;) {
      let s = '';
      for (let j = 0; j < 100; j++) s += (i + j) + '\\n';
      i += 100;
      process.stdout.write(s);
      process.stderr.write(s);
      if (i === ${lines}) {
        fs.writeFileSync(process.argv[1] + '.tmp', process.pid + ' ' + process.env.GRANDCHILD);
        fs.renameSync(process.argv[1] + '.tmp', process.argv[1]);
      }
    }`;
  return [
    '/bin/sh',
    '-c',
    `sleep 30 & GRANDCHILD=$! exec "$0" -e "$1" "$2"`,
    process.execPath,
    js,
    pids,
  ];
}

describe('stopping run at different points', () => {
  test('cancelled at once (before the command can write): nothing left, empty output', async () => {
    const pids = tmp('pids');
    await runSub(async () => {
      const running = await spawn(() => runCommand(family(pids), { captureOutput: true }));
      await running.cancel();
      const err = running.exception;
      expect(err).toBeInstanceOf(TaskCancelled);
      const { stdout, stderr } = outputOf(err);
      // Whatever was read is a prefix of what the command writes.
      expect('OUT'.startsWith(stdout?.toString() ?? '')).toBe(true);
      expect('ERR'.startsWith(stderr?.toString() ?? '')).toBe(true);
      if (existsSync(pids)) await allGone(pidsIn(pids));
    });
  });

  test('cancelled after k yields, for k = 0..12: always a prefix, never duplicated', async () => {
    await runSub(async () => {
      for (let k = 0; k < 12; k++) {
        const pids = tmp('pids');
        const running = await spawn(() => runCommand(family(pids), { captureOutput: true }));
        for (let i = 0; i < k; i++) await sleep(0);
        await running.cancel();
        const { stdout, stderr } = outputOf(running.exception);
        expect(running.exception).toBeInstanceOf(TaskCancelled);
        expect('OUT'.startsWith(stdout!.toString())).toBe(true);
        expect('ERR'.startsWith(stderr!.toString())).toBe(true);
        if (existsSync(pids)) await allGone(pidsIn(pids));
      }
    });
  });

  test('cancelled once the output is out: exactly that output, once, and the family gone', async () => {
    const pids = tmp('pids');
    await runSub(async () => {
      const running = await spawn(() =>
        runCommand(family(pids, 'hello out', 'hello err'), { captureOutput: true }),
      );
      await until(() => existsSync(pids), 'the pids');
      await running.cancel();
      const err = running.exception as TaskCancelled & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskCancelled);
      expect(err.stdout.toString()).toBe('hello out');
      expect(err.stderr.toString()).toBe('hello err');
      await allGone(pidsIn(pids));
    });
  });

  test('checkOutput cancelled while the command writes a lot: an exact prefix on both streams', async () => {
    const pids = tmp('pids');
    await runSub(async () => {
      const running = await spawn(() => checkOutput(writer(pids), { stderr: PIPE }));
      await until(() => existsSync(pids), 'the writer');
      await running.cancel();
      const err = running.exception as TaskCancelled & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskCancelled);
      expect(checkSequence(err.stdout, 'stdout')).toBeGreaterThanOrEqual(2000);
      expect(checkSequence(err.stderr, 'stderr')).toBeGreaterThanOrEqual(2000);
      await allGone(pidsIn(pids));
    });
  });

  test('timeoutAfter around a run that writes a lot, at several moments', async () => {
    await runSub(async () => {
      for (const seconds of [0, 0.001, 0.02, 0.1]) {
        const pids = tmp('pids');
        const err = (await caught(() =>
          timeoutAfter(seconds, () => runCommand(writer(pids, 100), { captureOutput: true })),
        )) as TaskTimeout & { stdout: Buffer; stderr: Buffer };
        expect(err).toBeInstanceOf(TaskTimeout);
        checkSequence(err.stdout, `stdout after ${seconds}`);
        checkSequence(err.stderr, `stderr after ${seconds}`);
        if (existsSync(pids)) await allGone(pidsIn(pids));
      }
    });
  });

  test('cancelled while input is written to a command that does not read', async () => {
    const pids = tmp('pids');
    const input = Buffer.alloc(4 * 1024 * 1024, 0x61);
    await runSub(async () => {
      const running = await spawn(() =>
        runCommand(family(pids), { input, captureOutput: true, killGrace: 0.1 }),
      );
      await until(() => existsSync(pids), 'the pids');
      // Let the write fill the pipe.
      for (let i = 0; i < 5; i++) await sleep(0.01);
      expect(running.terminated).toBe(false);
      await running.cancel();
      const err = running.exception as TaskCancelled & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskCancelled);
      expect(err.stdout.toString()).toBe('OUT');
      expect(err.stderr.toString()).toBe('ERR');
      await allGone(pidsIn(pids));
    });
  });

  test('a timeout while input is stuck, the command ignoring SIGTERM', async () => {
    const pids = tmp('pids');
    const input = Buffer.alloc(2 * 1024 * 1024, 0x62);
    await runSub(async () => {
      const err = (await caught(() =>
        timeoutAfter(0.15, () =>
          runCommand(family(pids, 'o', 'e', "trap '' TERM; "), {
            input,
            captureOutput: true,
            killGrace: 0.05,
          }),
        ),
      )) as TaskTimeout & { stdout: Buffer; stderr: Buffer };
      expect(err).toBeInstanceOf(TaskTimeout);
      expect('o'.startsWith(err.stdout.toString())).toBe(true);
      expect('e'.startsWith(err.stderr.toString())).toBe(true);
      if (existsSync(pids)) await allGone(pidsIn(pids));
    });
  });
});

describe('cancelled as the command exits', () => {
  // Found by this suite: output lost when the child exited before the readers' first read
  // (Node drains unread child pipes at exit). Popen's pipes now read from the start.
  test('either the full result or the full output on the error', async () => {
    await runSub(async () => {
      const out = 'x'.repeat(100_000);
      for (let k = 0; k < 16; k += 1) {
        const running = await spawn(() =>
          runCommand(['/bin/sh', '-c', `printf '%s' "$0"; printf done >&2`, out], {
            captureOutput: true,
          }),
        );
        // Wait a different amount each time: around the moment the command exits.
        for (let i = 0; i < k; i++) await awaitPromise(new Promise((r) => setTimeout(r, 1)));
        await running.cancel();
        if (running.exception === undefined) {
          const done = running.result as { stdout: Buffer; stderr: Buffer; returncode: number };
          const summary = `k=${k} status ${done.returncode}, ${done.stdout.length} bytes out, stderr ${JSON.stringify(done.stderr.toString())}`;
          expect(summary).toBe(`k=${k} status 0, ${out.length} bytes out, stderr "done"`);
          expect(done.stdout.toString()).toBe(out);
        } else {
          expect(running.exception).toBeInstanceOf(TaskCancelled);
          const { stdout, stderr } = outputOf(running.exception);
          expect(out.startsWith(stdout!.toString())).toBe(true);
          expect('done'.startsWith(stderr!.toString())).toBe(true);
        }
      }
    });
  });
});

describe('a second cancellation during the cleanup', () => {
  test('task cancelled while run cleans up after its timeout (SIGTERM ignored)', async () => {
    const pids = tmp('pids');
    const clock = new MockClock();
    await run({ clock, signals: 'default' }, async () => {
      const task = await spawn(() =>
        timeoutAfter(10, () =>
          runCommand(family(pids, 'o1', 'e1', "trap '' TERM; "), {
            captureOutput: true,
            killGrace: 5,
          }),
        ),
      );
      await until(() => existsSync(pids), 'the pids');
      clock.advance(10); // the timeout: cleanup starts, SIGTERM ignored
      for (let i = 0; i < 20; i++) await sleep(0);
      await task.cancel({ blocking: false }); // a second stop, during the cleanup
      for (let i = 0; i < 20; i++) await sleep(0);
      expect(task.terminated).toBe(false); // still waiting out the grace
      clock.advance(5);
      await task.wait();
      const err = task.exception;
      expect(err).toBeInstanceOf(CancelledError);
      const { stdout, stderr } = outputOf(err);
      expect(stdout?.toString()).toBe('o1');
      expect(stderr?.toString()).toBe('e1');
      await allGone(pidsIn(pids));
    });
  });

  test('an outer timeout arriving k steps after the inner one, k = 0..10', async () => {
    const clock = new MockClock();
    await run({ clock, signals: 'default' }, async () => {
      for (let k = 0; k <= 10; k++) {
        const pids = tmp('pids');
        const task = await spawn(() =>
          timeoutAfter(10.001, () =>
            timeoutAfter(10, () =>
              runCommand(family(pids, 'hello', 'world'), { captureOutput: true }),
            ),
          ),
        );
        await until(() => existsSync(pids), 'the pids');
        clock.advance(10); // the inner timeout
        for (let i = 0; i < k; i++) await sleep(0);
        clock.advance(0.001); // the outer one, somewhere in the cleanup
        await until(() => task.terminated, 'the task to end');
        await task.wait();
        const err = task.exception;
        expect(err, `k=${k}`).toBeInstanceOf(Error);
        const { stdout, stderr } = outputOf(err);
        expect(stdout?.toString(), `stdout, k=${k}`).toBe('hello');
        expect(stderr?.toString(), `stderr, k=${k}`).toBe('world');
        await allGone(pidsIn(pids));
      }
    });
  });

  test('a cancellation arriving k steps after a timeout, k = 0..10', async () => {
    const clock = new MockClock();
    const got: string[] = [];
    await run({ clock, signals: 'default' }, async () => {
      for (let k = 0; k <= 10; k++) {
        const pids = tmp('pids');
        const task = await spawn(() =>
          timeoutAfter(10, () =>
            runCommand(family(pids, 'hello', 'world'), { captureOutput: true }),
          ),
        );
        await until(() => existsSync(pids), 'the pids');
        clock.advance(10);
        for (let i = 0; i < k; i++) await sleep(0);
        await task.cancel({ blocking: false });
        await until(() => task.terminated, 'the task to end');
        await task.wait();
        const err = task.exception;
        expect(err, `k=${k}`).toBeInstanceOf(CancelledError);
        const { stdout, stderr } = outputOf(err);
        got.push(`k=${k} ${stdout?.toString()}/${stderr?.toString()}`);
        await allGone(pidsIn(pids));
      }
      // Every time, the output read so far is on the error (run's cleanup keeps it).
      expect(got).toEqual(got.map((g) => `${g.split(' ')[0]} hello/world`));
    });
  });
});

describe('volume', () => {
  test('4 MiB in while 4 MiB go out of each of stdout and stderr before reading: exact', async () => {
    const input = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i * 13 + (i >> 12)) % 256;
    const js = `
      const big = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 253;
      process.stdout.write(big);
      process.stderr.write(Buffer.from(big).reverse());
      const chunks = [];
      process.stdin.on('data', (d) => chunks.push(d));
      process.stdin.on('end', () => {
        const all = Buffer.concat(chunks);
        process.stdout.write(all);
        process.stderr.write(require('node:crypto').createHash('sha256').update(all).digest('hex'));
      });`;
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 253;
    const { createHash } = await import('node:crypto');
    const done = await runSub(() => runCommand(node(js), { input, captureOutput: true }));
    expect(done.returncode).toBe(0);
    expect(done.stdout.length).toBe(big.length + input.length);
    expect(done.stdout.subarray(0, big.length).equals(big)).toBe(true);
    expect(done.stdout.subarray(big.length).equals(input)).toBe(true);
    const reversed = Buffer.from(big).reverse();
    expect(done.stderr.subarray(0, big.length).equals(reversed)).toBe(true);
    expect(done.stderr.subarray(big.length).toString()).toBe(
      createHash('sha256').update(input).digest('hex'),
    );
  });

  test('checkOutput with stderr: STDOUT and MiBs on both, through a shell', async () => {
    const out = await runSub(() =>
      checkOutput(
        `i=0; while [ $i -lt 2000 ]; do printf '%0500d\\n' $i; printf 'E%0499d\\n' $i >&2; i=$((i+1)); done`,
        { shell: true, stderr: STDOUT },
      ),
    );
    const lines = out.toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(4000);
    for (let i = 0; i < 2000; i++) {
      expect(lines[2 * i]).toBe(String(i).padStart(500, '0'));
      expect(lines[2 * i + 1]).toBe(`E${String(i).padStart(499, '0')}`);
    }
  });

  test('a command that exits at once without reading several MiB of input: no EPIPE', async () => {
    const done = await runSub(() =>
      runCommand(['/bin/sh', '-c', 'echo gone'], {
        input: Buffer.alloc(8 * 1024 * 1024),
        stdout: PIPE,
      }),
    );
    expect(done.returncode).toBe(0);
    expect(done.stdout.toString()).toBe('gone\n');
  });
});

describe('STDOUT, cwd, pipelines', () => {
  test('stderr: STDOUT with shell and a list (positional parameters)', async () => {
    await runSub(async () => {
      const p = new Popen(
        ['echo "a:$0" >&2; echo "b:$1"; echo "c:$2" >&2; exit 3', 'x', 'y', 'z'],
        {
          shell: true,
          stdout: PIPE,
          stderr: STDOUT,
        },
      );
      const [out, err] = await p.communicate();
      expect(out.toString()).toBe('a:x\nb:y\nc:z\n');
      expect(err.length).toBe(0);
      expect(p.returncode).toBe(3);
    });
  });

  test('a relative executable with cwd, with and without stderr: STDOUT', async () => {
    const dir = mkdtempSync(join(scratch, 'bin-'));
    const script = join(dir, 'prog.sh');
    writeFileSync(script, '#!/bin/sh\necho "out $1 $(pwd)"\necho "err $1" >&2\nexit 4\n');
    chmodSync(script, 0o755);
    await runSub(async () => {
      const merged = await runCommand(['./prog.sh', 'm'], {
        cwd: dir,
        stdout: PIPE,
        stderr: STDOUT,
      });
      expect(merged.returncode).toBe(4);
      expect(merged.stdout.toString()).toBe(`out m ${dir}\nerr m\n`);
      const plain = await runCommand(['./prog.sh', 'p'], { cwd: dir, captureOutput: true });
      expect(plain.returncode).toBe(4);
      expect(plain.stdout.toString()).toBe(`out p ${dir}\n`);
      expect(plain.stderr.toString()).toBe('err p\n');
      const err = (await caught(() =>
        runCommand(['./no-such-prog.sh'], { cwd: dir, stdout: PIPE, stderr: STDOUT }),
      )) as NodeJS.ErrnoException;
      expect(err.code).toBe('ENOENT');
    });
  });

  test('a pipeline of three Popens carries 2 MiB and ends', async () => {
    await runSub(async () => {
      const p1 = new Popen(
        node(
          'const b = Buffer.alloc(2 * 1024 * 1024); for (let i = 0; i < b.length; i++) b[i] = 97 + (i % 26); process.stdout.write(b)',
        ),
        { stdout: PIPE },
      );
      const p2 = new Popen(
        node("process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase()))"),
        { stdin: p1.stdout, stdout: PIPE },
      );
      const p3 = new Popen(
        node(
          "let n = 0; const h = require('node:crypto').createHash('sha256'); process.stdin.on('data', (d) => { n += d.length; h.update(d); }); process.stdin.on('end', () => console.log(n, h.digest('hex')))",
        ),
        { stdin: p2.stdout, stdout: PIPE },
      );
      expect(p1.stdout!.closed).toBe(true);
      expect(p2.stdout!.closed).toBe(true);
      const [out] = await timeoutAfter(10, () => p3.communicate());
      const expected = Buffer.alloc(2 * 1024 * 1024);
      for (let i = 0; i < expected.length; i++) expected[i] = 65 + (i % 26);
      const { createHash } = await import('node:crypto');
      expect(out.toString()).toBe(
        `${expected.length} ${createHash('sha256').update(expected).digest('hex')}\n`,
      );
      expect(await p1.wait()).toBe(0);
      expect(await p2.wait()).toBe(0);
      expect(p3.returncode).toBe(0);
    });
  });

  test('a pipeline whose last stage exits early: the first ones end by SIGPIPE/EPIPE, no hang', async () => {
    await runSub(async () => {
      const p1 = new Popen(['/bin/sh', '-c', 'while :; do echo yes; done'], { stdout: PIPE });
      const p2 = new Popen(['/bin/sh', '-c', 'cat'], { stdin: p1.stdout, stdout: PIPE });
      const p3 = new Popen(['/bin/sh', '-c', 'head -n 3'], { stdin: p2.stdout, stdout: PIPE });
      const [out] = await timeoutAfter(10, () => p3.communicate());
      expect(out.toString()).toBe('yes\nyes\nyes\n');
      expect(await timeoutAfter(10, () => p2.wait())).not.toBe(null);
      expect(await timeoutAfter(10, () => p1.wait())).not.toBe(null);
    });
  });
});

describe('disposal, poll, signals after the end', () => {
  test('await using: a child reading stdin ends when disposal closes the pipes', async () => {
    await runSub(async () => {
      let p: Popen;
      {
        await using q = new Popen(
          node("process.stdin.on('end', () => process.exit(6)); process.stdin.resume()"),
          {
            stdin: PIPE,
            stdout: PIPE,
            stderr: PIPE,
          },
        );
        p = q;
        await q.stdin!.write('some input');
      }
      expect(p.returncode).toBe(6);
      expect(p.stdin!.closed).toBe(true);
      expect(p.stdout!.closed).toBe(true);
      expect(p.stderr!.closed).toBe(true);
    });
  });

  test('await using when the block throws: the error goes through, the process is waited for', async () => {
    let p: Popen | undefined;
    const err = await caught(() =>
      runSub(async () => {
        await using q = new Popen(node('setTimeout(() => {}, 30)'), { stdout: PIPE });
        p = q;
        throw new Error('boom');
      }),
    );
    expect((err as Error).message).toBe('boom');
    expect(p!.returncode).toBe(0);
  });

  test('await using a missing executable, the block yielding first: no error', async () => {
    await runSub(async () => {
      {
        await using q = new Popen(['curio-no-such-program-x'], { stdout: PIPE, stdin: PIPE });
        expect(q.pid).toBeUndefined();
        await sleep(0.01);
      }
    });
  });

  test('await using a missing executable, the block not yielding: the same (no error)', async () => {
    await runSub(async () => {
      {
        await using q = new Popen(['curio-no-such-program-x'], { stdout: PIPE, stdin: PIPE });
        expect(q.pid).toBeUndefined();
      }
    });
  });

  test('poll() and returncode before and after; signals and signalGroup after the end', async () => {
    const ready = tmp('ready');
    await runSub(async () => {
      const p = new Popen(
        node(
          `require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); process.stdin.on('end', () => process.exit(9)); process.stdin.resume()`,
        ),
        { stdin: PIPE, startNewSession: true },
      );
      await until(() => existsSync(ready), 'the child');
      expect(p.poll()).toBeNull();
      expect(p.returncode).toBeNull();
      await p.stdin!.close();
      expect(await p.wait()).toBe(9);
      expect(p.poll()).toBe(9);
      expect(p.returncode).toBe(9);
      p.kill();
      p.terminate();
      p.sendSignal('SIGUSR1');
      p.sendSignal(0);
      p.signalGroup('SIGKILL');
      p.signalGroup('SIGTERM');
      expect(await p.wait()).toBe(9);
      expect(p.returncode).toBe(9);
    });
  });

  test('several tasks waiting for one process all get its status', async () => {
    await runSub(async () => {
      const p = new Popen(
        node("process.stdin.on('end', () => process.exit(2)); process.stdin.resume()"),
        {
          stdin: PIPE,
        },
      );
      const waiters = [];
      for (let i = 0; i < 5; i++) waiters.push(await spawn(() => p.wait()));
      await sleep(0.01);
      await p.stdin!.close();
      for (const w of waiters) expect(await w.join()).toBe(2);
    });
  });

  test('killing a SIGTERM-ignoring Popen, then waiting with a timeout', async () => {
    const ready = tmp('ready');
    await runSub(async () => {
      const p = new Popen(
        ['/bin/sh', '-c', `trap '' TERM; : > '${ready}'; while :; do sleep 0.05; done`],
        { startNewSession: true },
      );
      await until(() => existsSync(ready), 'the child');
      p.terminate();
      await expect(timeoutAfter(0.1, () => p.wait())).rejects.toBeInstanceOf(TaskTimeout);
      expect(p.returncode).toBeNull();
      p.signalGroup('SIGKILL');
      expect(await p.wait()).toBe(-9);
    });
  });
});

describe('errors without hangs', () => {
  test('check with a signal death and a partial line on stderr', async () => {
    const err = (await caught(() =>
      runSub(() =>
        runCommand(['/bin/sh', '-c', 'printf "first\\nlast words" >&2; kill -9 $$'], {
          captureOutput: true,
          check: true,
        }),
      ),
    )) as CalledProcessError;
    expect(err).toBeInstanceOf(CalledProcessError);
    expect(err.returncode).toBe(-9);
    expect(err.stderr.toString()).toBe('first\nlast words');
    expect(err.message).toMatch(/died with SIGKILL\. Its last error output: last words$/);
  });

  test('a run whose grandchild keeps stdout open after the shell ended: the timeout stops it', async () => {
    // The shell has exited, but its grandchild (same group) holds the pipe: communicate
    // waits, the timeout fires, and the cleanup kills what is left of the group.
    const pids = tmp('pids');
    await runSub(async () => {
      const err = (await caught(() =>
        timeoutAfter(0.1, () =>
          runCommand(['/bin/sh', '-c', `sleep 30 & echo "$$ $!" > '${pids}'; echo parent-done`], {
            captureOutput: true,
          }),
        ),
      )) as TaskTimeout & { stdout: Buffer };
      expect(err).toBeInstanceOf(TaskTimeout);
      expect(err.stdout.toString()).toBe('parent-done\n');
      await allGone(pidsIn(pids));
    });
  });
});

describe('communicate stopped twice', () => {
  test('Popen.communicate: a cancellation right after a timeout keeps the output read', async () => {
    const ready = tmp('ready');
    const clock = new MockClock();
    await run({ clock, signals: 'default' }, async () => {
      const p = new Popen(
        ['/bin/sh', '-c', `printf hello; printf world >&2; : > '${ready}'; exec sleep 30`],
        { stdout: PIPE, stderr: PIPE },
      );
      const task = await spawn(() => timeoutAfter(10, () => p.communicate()));
      await until(() => existsSync(ready), 'the child');
      // Let the reader tasks take the bytes in.
      for (let i = 0; i < 5; i++) await awaitPromise(new Promise((r) => setTimeout(r, 5)));
      clock.advance(10);
      await task.cancel({ blocking: false });
      await task.wait();
      const err = task.exception;
      expect(err).toBeInstanceOf(CancelledError);
      const { stdout, stderr } = outputOf(err);
      p.kill();
      await p.wait();
      // What was not on the error must at least still be readable from the pipes.
      const restOut = p.stdout!.closed
        ? Buffer.alloc(0)
        : await timeoutAfter(1, () => p.stdout!.readall()).catch(() => Buffer.alloc(0));
      const restErr = p.stderr!.closed
        ? Buffer.alloc(0)
        : await timeoutAfter(1, () => p.stderr!.readall()).catch(() => Buffer.alloc(0));
      await p.stdout!.close();
      await p.stderr!.close();
      expect(`${stdout ?? ''}${restOut}/${stderr ?? ''}${restErr}`).toBe('hello/world');
    });
  });
});

describe('no cancellation at all', () => {
  test('80 runs of a command that prints 100 kB and exits: always all of it', async () => {
    const out = 'x'.repeat(100_000);
    const bad: string[] = [];
    await runSub(async () => {
      for (let k = 0; k < 80; k++) {
        const done = await runCommand(['/bin/sh', '-c', `printf '%s' "$0"; printf done >&2`, out], {
          captureOutput: true,
        });
        if (
          done.returncode !== 0 ||
          done.stdout.length !== out.length ||
          String(done.stderr) !== 'done'
        ) {
          bad.push(
            `run ${k}: status ${done.returncode}, ${done.stdout.length} bytes, ${JSON.stringify(String(done.stderr))}`,
          );
        }
      }
    });
    expect(bad).toEqual([]);
  });
});
