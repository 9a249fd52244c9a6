// Port of Curio 1.6 tests/test_file.py (same tests, same order), then what `aopen` adds:
// text modes decode UTF-8 by characters, append mode, cancellation leaves no trace,
// operations on one file are served one at a time in arrival order.
//
// Not ported:
// - test_bad_usage, test_must_be_asynccontext, test_sync_with: `aopen()` is async and
//   resolves to an open file, so there is no unopened file to misuse.
// - test_sync_iter and test_file_misc's `next(f)`: files are not Iterable, so TypeScript
//   rejects `for (const line of f)` at compile time. (Its repr half is ported.)
import { mkdtempSync, readFileSync as readFd, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, disableCancellation, ignoreAfter, sleep, spawn } from '@curio/kernel';
import { AsyncFile, aopen } from '@curio/net';
import { afterAll, describe, expect, test } from 'vitest';
import { caught, runNet } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const testinput = join(dir, 'testdata.txt');
writeFileSync(testinput, 'line 1\nline 2\nline 3\n');
let serial = 0;
const tmpfile = () => join(dir, `tmp${serial++}.txt`);

describe('test_file.py', () => {
  test('read (test_read)', async () => {
    let data = '';
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      data = await f.read();
      expect(f.closed).toBe(false);
    });
    expect(data).toBe('line 1\nline 2\nline 3\n');
  });

  test('readall (test_readall)', async () => {
    let data = '';
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      data = await f.readall();
      expect(f.closed).toBe(false);
    });
    expect(data).toBe('line 1\nline 2\nline 3\n');
  });

  test('read1 (test_read1)', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      expect(await f.read1(1000)).toEqual(readFileSync(testinput).subarray(0, 1000));
    });
  });

  test('readinto (test_readinto)', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      const buf = new Uint8Array(1000);
      const n = await f.readinto(buf);
      expect(Buffer.from(buf.subarray(0, n))).toEqual(readFileSync(testinput));
    });
  });

  test('readinto1 (test_readinto1)', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      const buf = Buffer.alloc(1000);
      const n = await f.readinto1(buf);
      expect(buf.subarray(0, n)).toEqual(readFileSync(testinput));
    });
  });

  test('readline (test_readline)', async () => {
    const lines: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      for (;;) {
        const line = await f.readline();
        if (!line) break;
        lines.push(line);
      }
    });
    expect(lines).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  test('readlines (test_readlines)', async () => {
    let lines: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      lines = await f.readlines();
    });
    expect(lines).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  test('line iteration (test_readiter)', async () => {
    const lines: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      for await (const line of f) lines.push(line);
    });
    expect(lines).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  test('next() with a default (test_read_anext)', async () => {
    const lines: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      const it = f[Symbol.asyncIterator]();
      for (;;) {
        const { value = '' } = await it.next();
        if (!value) break;
        lines.push(value);
      }
    });
    expect(lines).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  test('next() past the end reports done (test_read_anext2)', async () => {
    const lines: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      const it = f[Symbol.asyncIterator]();
      for (let r = await it.next(); !r.done; r = await it.next()) lines.push(r.value);
      expect((await it.next()).done).toBe(true);
    });
    expect(lines).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  const wlines = ['line1\n', 'line2\n', 'line3\n'];

  test('write and flush (test_write)', async () => {
    const outname = tmpfile();
    await runNet(async () => {
      await using f = await aopen(outname, 'w');
      await f.write(wlines.join(''));
      await f.flush();
    });
    expect(readFileSync(outname, 'utf8')).toBe(wlines.join(''));
  });

  test('a text write returns the characters written, as read(n) counts them', async () => {
    const outname = tmpfile();
    const counts: unknown[] = [];
    await runNet(async () => {
      await using f = await aopen(outname, 'w+');
      counts.push(await f.write('\u{1D11E}é\n')); // G clef (two UTF-16 units), e acute, newline
      await f.seek(0);
      counts.push(await f.read(2));
    });
    expect(counts).toEqual([3, '\u{1D11E}é']);
  });

  test('writelines (test_writelines)', async () => {
    const outname = tmpfile();
    await runNet(async () => {
      await using f = await aopen(outname, 'w');
      await f.writelines(wlines);
    });
    expect(readFileSync(outname, 'utf8')).toBe(wlines.join(''));
  });

  test('seek and tell (test_seek_tell)', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      await f.seek(10);
      expect(await f.tell()).toBe(10);
      expect(await f.read()).toEqual(readFileSync(testinput).subarray(10));
    });
  });

  test('truncate (test_truncate)', async () => {
    const outname = tmpfile();
    await runNet(async () => {
      {
        await using f = await aopen(outname, 'wb');
        await f.write(Buffer.from('12345'));
        await f.flush();
        expect(await f.tell()).toBe(5);
        await f.truncate(2);
        await f.seek(2);
        await f.write(Buffer.from('6789'));
        await f.close();
      }
      await using f = await aopen(outname, 'rb');
      expect((await f.read()).toString()).toBe('126789');
    });
  });

  test('lending the file to synchronous code (test_blocking)', async () => {
    let data = '';
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      using lease = f.blocking();
      data = readFd(lease.fd, 'utf8');
    });
    expect(data).toBe('line 1\nline 2\nline 3\n');
  });

  test('repr (test_file_misc)', async () => {
    await runNet(async () => {
      const f = await aopen(testinput, 'r');
      expect(String(f)).toBe(`<curio.AsyncFile name=${JSON.stringify(testinput)} mode='r'>`);
      expect(f).toBeInstanceOf(AsyncFile);
      await f.close();
      expect(String(f)).toContain(' closed>');
    });
  });
});

describe('aopen', () => {
  test('text mode reads characters, not bytes', async () => {
    const name = tmpfile();
    writeFileSync(name, 'héllo wörld ✓ 𝄞 end\n');
    await runNet(async () => {
      await using f = await aopen(name);
      expect(await f.read(5)).toBe('héllo');
      expect(await f.read(8)).toBe(' wörld ✓');
      expect(await f.read(2)).toBe(' 𝄞');
      expect(await f.tell()).toBe(Buffer.byteLength('héllo wörld ✓ 𝄞'));
      expect(await f.readline()).toBe(' end\n');
      expect(await f.readline()).toBe('');
    });
  });

  test('binary modes give Buffers; readline gives an empty Buffer at the end', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      expect(await f.readline()).toEqual(Buffer.from('line 1\n'));
      expect(await f.readline(3)).toEqual(Buffer.from('lin'));
      expect(await f.read()).toEqual(Buffer.from('e 2\nline 3\n'));
      expect(await f.readline()).toEqual(Buffer.alloc(0));
    });
  });

  test("'a' appends, 'x' refuses an existing file, '+' reads and writes", async () => {
    const name = tmpfile();
    writeFileSync(name, 'first\n');
    await runNet(async () => {
      {
        await using f = await aopen(name, 'a');
        expect(await f.tell()).toBe(6);
        expect(await f.write('second\n')).toBe(7);
      }
      expect(await caught(() => aopen(name, 'x'))).toMatchObject({ code: 'EEXIST' });
      await using f = await aopen(name, 'r+');
      expect(await f.readline()).toBe('first\n');
      await f.write('SECOND\n');
      await f.seek(0);
      expect(await f.read()).toBe('first\nSECOND\n');
      expect(await caught(() => aopen(name, 'rw' as 'r'))).toMatchObject({ name: 'CurioError' });
    });
    const ro = await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      return caught(() => f.write('no'));
    });
    expect(ro).toMatchObject({ code: 'EBADF' });
  });

  test('a missing file fails in the task', async () => {
    const err = await runNet(() => caught(() => aopen(join(dir, 'missing.txt'))));
    expect(err).toMatchObject({ code: 'ENOENT' });
  });

  test('operations are served one at a time; a cancelled waiter reads nothing', async () => {
    const results: unknown[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      const a = await spawn(() => f.readline());
      const b = await spawn(() => f.readline());
      const c = await spawn(() => f.readline());
      await sleep(0); // all three start; b and c queue behind a
      await b.cancel();
      results.push(await a.join(), await c.join(), b.exception instanceof CancelledError);
      results.push(await f.readline());
    });
    expect(results).toEqual(['line 1\n', 'line 2\n', true, 'line 3\n']);
  });

  test('a read cut short by a timeout leaves the position where it was', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'rb');
      for (let i = 0; i < 20; i++) {
        const before = await f.tell();
        const got = await ignoreAfter(0, () => f.read(3));
        const after = await f.tell();
        expect(after).toBe(got === undefined ? before : before + got.length);
      }
      const whole = readFileSync(testinput);
      const pos = await f.tell();
      expect(await f.read()).toEqual(whole.subarray(pos));
    });
  });

  test('a readlines cancelled after taking lines leaves no trace: they are read again', async () => {
    const results: unknown[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      expect(await f.readline()).toBe('line 1\n'); // reads the whole file ahead
      const reader = await spawn(async () => {
        // Cancelled while shielded, the cancellation waits for the next blocking call: that
        // is readlines asking the disk for more, after it took the two lines read ahead.
        await disableCancellation(() => sleep(0.01));
        return f.readlines();
      });
      await sleep(0); // the reader is in its shielded sleep
      await reader.cancel();
      results.push(reader.exception instanceof CancelledError, await f.tell());
      results.push(await f.readlines());
    });
    expect(results).toEqual([true, 7, ['line 2\n', 'line 3\n']]);
  });

  test('a line read ahead is served at once, but not past a close or a write-only mode', async () => {
    await runNet(async () => {
      const f = await aopen(testinput, 'r');
      expect(await f.readline()).toBe('line 1\n'); // reads the whole file ahead
      expect(await f.readline()).toBe('line 2\n'); // served from the read-ahead
      await f.close();
      expect(await caught(() => f.readline())).toMatchObject({ code: 'EBADF' });
      const it = f[Symbol.asyncIterator]();
      expect(await caught(() => it.next())).toMatchObject({ code: 'EBADF' });
      expect(await it.next()).toEqual({ done: true, value: undefined });
      const path = tmpfile();
      await using w = await aopen(path, 'w');
      expect(await caught(() => w.readline())).toMatchObject({ code: 'EBADF' });
    });
  });

  test('a readline behind a pending operation waits its turn even when a line is read ahead', async () => {
    const results: string[] = [];
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      expect(await f.readline()).toBe('line 1\n');
      // read() holds the file while it asks the disk for more (to find the end); the
      // readline queued behind it must not jump ahead through the read-ahead.
      const all = await spawn(async () => results.push(`read ${JSON.stringify(await f.read())}`));
      const line = await spawn(async () =>
        results.push(`readline ${JSON.stringify(await f.readline())}`),
      );
      await all.join();
      await line.join();
    });
    expect(results).toEqual(['read "line 2\\nline 3\\n"', 'readline ""']);
  });

  test('breaking out of line iteration keeps the position; a new loop goes on', async () => {
    await runNet(async () => {
      await using f = await aopen(testinput, 'r');
      const first: string[] = [];
      for await (const line of f) {
        first.push(line);
        break;
      }
      const rest: string[] = [];
      for await (const line of f) rest.push(line);
      expect([first, rest]).toEqual([['line 1\n'], ['line 2\n', 'line 3\n']]);
    });
  });

  test('close is idempotent and later operations fail with EBADF', async () => {
    await runNet(async () => {
      const f = await aopen(testinput);
      await f.close();
      await f.close();
      expect(f.closed).toBe(true);
      expect(await caught(() => f.read())).toMatchObject({ code: 'EBADF' });
    });
  });
});
