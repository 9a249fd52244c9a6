// Popen: pipes as FileStreams, exit statuses, waiting and communicating as cancellation
// points that leave the process running, stderr joined to stdout, pipelines, and misuse.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurioError, sleep, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { FileStream } from '@curio/net';
import { DEVNULL, PIPE, Popen, STDOUT } from '@curio/subprocess';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, node, runSub } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-subprocess-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('streams and status', () => {
  test('reading a piped stdout line by line, then the exit status', async () => {
    await runSub(async () => {
      const p = new Popen(node("console.log('one'); console.log('two'); process.exit(3)"), {
        stdout: PIPE,
      });
      expect(p.pid).toBeGreaterThan(0);
      expect(p.stdout).toBeInstanceOf(FileStream);
      expect(p.stdin).toBeNull();
      expect(p.stderr).toBeNull();
      const lines: string[] = [];
      for await (const line of p.stdout!) lines.push(line.toString());
      expect(lines).toEqual(['one\n', 'two\n']);
      expect(await p.wait()).toBe(3);
      expect(p.returncode).toBe(3);
      expect(p.poll()).toBe(3);
      expect(String(p)).toMatch(/^<Popen: returncode: 3 args: /);
      await p.stdout!.close();
    });
  });

  test('killed by a signal: returncode is minus the signal number', async () => {
    await runSub(async () => {
      const p = new Popen(node('setInterval(() => {}, 1000)'));
      expect(p.poll()).toBeNull();
      p.terminate();
      expect(await p.wait()).toBe(-15);
      const q = new Popen(node('setInterval(() => {}, 1000)'));
      q.kill();
      expect(await q.wait()).toBe(-9);
      q.kill(); // after the end: nothing happens
      q.sendSignal('SIGTERM');
      expect(() => new Popen(node('')).sendSignal('SIGNOPE' as NodeJS.Signals)).toThrow();
    });
  });

  test('communicate: input to stdin, stdout and stderr read to their end', async () => {
    await runSub(async () => {
      const p = new Popen(
        node(`
          let data = '';
          process.stdin.on('data', (d) => (data += d));
          process.stdin.on('end', () => {
            process.stdout.write(data.toUpperCase());
            process.stderr.write('bytes: ' + data.length);
          });`),
        { stdin: PIPE, stdout: PIPE, stderr: PIPE },
      );
      const [out, err] = await p.communicate('hello\nworld\n');
      expect(out.toString()).toBe('HELLO\nWORLD\n');
      expect(err.toString()).toBe('bytes: 12');
      expect(p.returncode).toBe(0);
    });
  });

  test('communicate without pipes returns empty buffers; input needs a piped stdin', async () => {
    await runSub(async () => {
      const p = new Popen(node(''), { stdout: DEVNULL });
      expect(await p.communicate()).toEqual([Buffer.alloc(0), Buffer.alloc(0)]);
      const q = new Popen(node(''), { stdout: DEVNULL });
      await expect(q.communicate('data')).rejects.toThrow(/stdin: PIPE/);
      await q.wait();
    });
  });

  test('large output on stdout and stderr at once does not deadlock', async () => {
    await runSub(async () => {
      const p = new Popen(
        node(`
          const chunk = 'x'.repeat(65536);
          for (let i = 0; i < 32; i++) { process.stdout.write(chunk); process.stderr.write(chunk); }`),
        { stdout: PIPE, stderr: PIPE },
      );
      const [out, err] = await p.communicate();
      expect(out.length).toBe(32 * 65536);
      expect(err.length).toBe(32 * 65536);
    });
  });

  test('cwd and env', async () => {
    await runSub(async () => {
      const p = new Popen(node('console.log(process.cwd(), process.env.CURIO_TEST)'), {
        stdout: PIPE,
        cwd: scratch,
        env: { ...process.env, CURIO_TEST: 'yes' },
      });
      const [out] = await p.communicate();
      expect(out.toString()).toBe(`${scratch} yes\n`);
    });
  });

  test('await using closes the pipes and waits for the process', async () => {
    await runSub(async () => {
      let p: Popen;
      {
        await using q = new Popen(node('setTimeout(() => process.exit(5), 20)'), { stdout: PIPE });
        p = q;
      }
      expect(p.returncode).toBe(5);
      expect(p.stdout!.closed).toBe(true);
    });
  });
});

describe('cancellation', () => {
  test('a cancelled wait() leaves the process running', async () => {
    await runSub(async () => {
      const p = new Popen(node('setInterval(() => {}, 1000)'));
      const err = await caught(() => timeoutAfter(0.05, () => p.wait()));
      expect(err).toBeInstanceOf(TaskTimeout);
      expect(p.returncode).toBeNull();
      p.kill();
      expect(await p.wait()).toBe(-9);
    });
  });

  test('a cancelled communicate() carries what was read and leaves the process running', async () => {
    await runSub(async () => {
      const ready = join(scratch, 'communicate-ready');
      const p = new Popen(
        node(`
          process.stdout.write('partial out');
          process.stderr.write('partial err');
          require('node:fs').writeFileSync(${JSON.stringify(ready)}, '');
          setInterval(() => {}, 1000);`),
        { stdout: PIPE, stderr: PIPE },
      );
      // Both are written (pipes write synchronously) once the file exists.
      while (!existsSync(ready)) await sleep(0.005);
      const err = (await caught(() => timeoutAfter(0.2, () => p.communicate()))) as TaskTimeout & {
        stdout: Buffer;
        stderr: Buffer;
      };
      expect(err).toBeInstanceOf(TaskTimeout);
      expect(err.stdout.toString()).toBe('partial out');
      expect(err.stderr.toString()).toBe('partial err');
      expect(p.returncode).toBeNull();
      p.kill();
      expect(await p.wait()).toBe(-9);
      await p.stdout!.close();
      await p.stderr!.close();
    });
  });
});

describe('stderr: STDOUT', () => {
  test('with a piped stdout: one pipe, in the order written', async () => {
    await runSub(async () => {
      const p = new Popen(
        node(
          "process.stdout.write('1\\n'); process.stderr.write('2\\n'); process.stdout.write('3\\n')",
        ),
        { stdout: PIPE, stderr: STDOUT },
      );
      expect(p.stderr).toBeNull();
      const [out, err] = await p.communicate();
      expect(out.toString()).toBe('1\n2\n3\n');
      expect(err.length).toBe(0);
      expect(p.returncode).toBe(0);
    });
  });

  test('with a piped stdout, the exit status and pid are the command’s own', async () => {
    await runSub(async () => {
      const p = new Popen(node('console.log(process.pid); process.exit(7)'), {
        stdout: PIPE,
        stderr: STDOUT,
      });
      const [out] = await p.communicate();
      expect(Number(out.toString())).toBe(p.pid);
      expect(p.returncode).toBe(7);
    });
  });

  test('with stdout to a file descriptor: both go to the file', async () => {
    const path = join(scratch, 'both.txt');
    const fd = openSync(path, 'w');
    try {
      await runSub(async () => {
        const p = new Popen(node("process.stdout.write('a\\n'); process.stderr.write('b\\n')"), {
          stdout: fd,
          stderr: STDOUT,
        });
        expect(await p.wait()).toBe(0);
      });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });

  test('a missing executable still fails with ENOENT', async () => {
    await runSub(async () => {
      const p = new Popen(['curio-no-such-program'], { stdout: PIPE, stderr: STDOUT });
      expect(p.pid).toBeUndefined();
      const err = (await caught(() => p.wait())) as NodeJS.ErrnoException;
      expect(err.code).toBe('ENOENT');
      await p.stdout?.close();
    });
  });
});

describe('pipelines and shells', () => {
  test("one Popen's stdout as another's stdin", async () => {
    await runSub(async () => {
      const p1 = new Popen(node("console.log('alpha'); console.log('beta')"), { stdout: PIPE });
      const p2 = new Popen(
        node("process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase()))"),
        {
          stdin: p1.stdout,
          stdout: PIPE,
        },
      );
      // Handed over: the parent no longer reads it.
      expect(p1.stdout!.closed).toBe(true);
      await expect(p1.stdout!.read(10)).rejects.toThrow(/closed/);
      const [out] = await p2.communicate();
      expect(out.toString()).toBe('ALPHA\nBETA\n');
      expect(await p1.wait()).toBe(0);
      expect(p2.returncode).toBe(0);
    });
  });

  test('shell: a command string, or a list with the positional parameters', async () => {
    await runSub(async () => {
      const p = new Popen('echo "$((6 * 7))"', { shell: true, stdout: PIPE });
      expect((await p.communicate())[0].toString()).toBe('42\n');
      const q = new Popen(['echo "$0:$1"', 'zero', 'one'], { shell: true, stdout: PIPE });
      expect((await q.communicate())[0].toString()).toBe('zero:one\n');
      const r = new Popen('echo out; echo err >&2', { shell: true, stdout: PIPE, stderr: STDOUT });
      expect((await r.communicate())[0].toString()).toBe('out\nerr\n');
    });
  });
});

describe('errors', () => {
  test('a missing executable: pid undefined, wait and communicate reject with ENOENT', async () => {
    await runSub(async () => {
      const p = new Popen(['curio-no-such-program', 'x'], { stdout: PIPE });
      expect(p.pid).toBeUndefined();
      await expect(p.wait()).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(p.communicate()).rejects.toMatchObject({ code: 'ENOENT' });
      expect(p.returncode).toBeNull();
      p.kill(); // nothing to kill: no error
      await p.stdout?.close();
    });
  });

  test('writing to the stdin of a process that has ended: EPIPE', async () => {
    await runSub(async () => {
      const p = new Popen(node('process.exit(0)'), { stdin: PIPE });
      await p.wait();
      const err = (await caught(async () => {
        // The first writes may be buffered before the pipe reports the broken end.
        for (let i = 0; i < 100; i++) await p.stdin!.write(Buffer.alloc(65536));
      })) as NodeJS.ErrnoException;
      expect(err.code).toBe('EPIPE');
      await p.stdin!.close();
    });
  });

  test('bad arguments are refused before anything starts', async () => {
    await runSub(async () => {
      expect(() => new Popen('ls -l')).toThrow(/shell: true/);
      expect(() => new Popen([])).toThrow(TypeError);
      expect(() => new Popen(['ls', 3 as unknown as string])).toThrow(TypeError);
      expect(() => new Popen(['ls'], { stdout: -7 })).toThrow(RangeError);
      expect(() => new Popen(['ls'], { stdin: 'file.txt' as never })).toThrow(TypeError);
      expect(() => new Popen(['ls'], { stdout: STDOUT as never })).toThrow(RangeError);
      const p = new Popen(node(''));
      expect(() => p.signalGroup('SIGTERM')).toThrow(CurioError);
      await p.wait();
    });
  });
});
