// Property tests of `aopen` files under random timeouts: nothing is lost, nothing duplicated.
//
// What src/file.ts promises, and what is asserted here:
// - reads are positional and a cancelled read leaves no trace: its result is dropped and the
//   position does not move. So a timed-out read reports no progress on the error (no
//   `bytesRead`, no `linesRead`) and the next read starts where it would have started;
// - writes and truncation are shielded: once started they complete, whole. So a write either
//   returns (everything written) or times out before it started (waiting for its turn on the
//   file): then it wrote nothing, and reports no `bytesWritten`;
// - operations on one file are served one at a time, in arrival order;
// - `tell()` is the number of bytes consumed, whatever was cancelled on the way.
//
// Timeouts are real (0, 0.1 or 0.5 ms, sometimes inside a long inner block so that the outer
// expiry unwinds it) and disk reads are real, so each run takes its own path through the
// code; the properties hold on every path, and no assertion depends on timing. Payloads are
// sometimes placed across the boundary of the first 64 KiB disk read, so that a line or a
// UTF-8 character straddles two reads.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, TaskTimeout, timeoutAfter, withTaskGroup } from '@curio/kernel';
import { type AsyncFile, aopen, progressOf } from '@curio/net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runNet } from './helpers.js';

/** Size of file.ts's disk reads: the boundary that payloads are sometimes placed across. */
const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
/** Steps a reader or writer takes at most; readers then read the rest without a timeout. */
const MAX_STEPS = 40;

/** The timeout a step runs under. */
interface Limit {
  /** Seconds, or null for no timeout. */
  timeout: number | null;
  /** Run the step inside a long inner timeout, so an outer block's expiry unwinds it. */
  nested: boolean;
}

const limitArbs = {
  timeout: fc.option(fc.constantFrom(0, 0.0001, 0.0005), { nil: null, freq: 3 }),
  nested: fc.boolean(),
};

/** Run `body` under the step's timeout (and inner block); rethrows what escapes. */
function underTimeout<R>(step: Limit, body: () => Promise<R>): Promise<R> {
  if (step.timeout === null) return body();
  const inner = step.nested ? () => timeoutAfter(10, body) : body;
  return timeoutAfter(step.timeout, inner);
}

/** A timed-out operation on a file did nothing, so it has no partial progress to report. */
function expectNoProgress(err: TaskTimeout): void {
  const progress = progressOf(err);
  expect(progress.bytesRead).toBeUndefined();
  expect(progress.linesRead).toBeUndefined();
  expect(progress.bytesWritten).toBeUndefined();
}

/** Run `body` with a fresh temporary directory, removed afterwards whatever happens. */
async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'curio-file-props-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Run `body` on `file`, closing it whatever happens. */
async function using<F extends AsyncFile>(file: F, body: (f: F) => Promise<void>): Promise<void> {
  try {
    await body(file);
  } finally {
    await file.close();
  }
}

/**
 * `got` is exactly `want`. On a mismatch, the lengths and the first differing offset with a
 * little context (payloads reach 64 KiB: a whole-buffer diff would drown the report).
 */
function expectSameBytes(got: Buffer, want: Buffer): void {
  if (got.equals(want)) return;
  let at = 0;
  while (at < got.length && at < want.length && got[at] === want[at]) at++;
  const around = (b: Buffer) =>
    JSON.stringify(b.subarray(Math.max(0, at - 20), at + 20).toString('latin1'));
  expect({ length: got.length, differsAt: at, got: around(got) }).toEqual({
    length: want.length,
    differsAt: -1,
    got: around(want),
  });
}

/** What a read returned, as bytes (text modes decode UTF-8; encoding gives the bytes back). */
const bytes = (data: string | Buffer): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

// ---------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------

type ReadMode = 'rb' | 'r';

/** Random bytes with newlines now and then, so that readline finds lines of every length. */
const binaryPayload = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.from('\n')),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.concat(parts));

/** Any Unicode text (1 to 4 bytes a character) with newlines now and then, as UTF-8. */
const textPayload = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constant('\n')), {
    maxLength: 40,
  })
  .map((parts) => Buffer.from(parts.join(''), 'utf8'));

/**
 * ASCII lines put before the random part so that it starts `offset` bytes before the end of
 * the first disk read; the last line runs into the random part, across the boundary.
 */
function filler(offset: number | null): Buffer {
  if (offset === null) return Buffer.alloc(0);
  const buf = Buffer.alloc(CHUNK - offset, 'x');
  for (let i = 999; i < buf.length - 300; i += 1000) buf[i] = NEWLINE;
  return buf;
}

/** A third of the files straddle the first disk read's boundary. */
const fillerArb = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 120 }), weight: 1 },
);

/** A file's mode and contents: bytes for 'rb', UTF-8 text for 'r'. */
const fileArb = fc
  .tuple(
    fc.oneof(
      binaryPayload.map((payload) => ({ mode: 'rb' as ReadMode, payload })),
      textPayload.map((payload) => ({ mode: 'r' as ReadMode, payload })),
    ),
    fillerArb,
  )
  .map(([{ mode, payload }, offset]) => ({
    mode,
    payload: Buffer.concat([filler(offset), payload]),
  }));

// ---------------------------------------------------------------------------------------
// Read steps
// ---------------------------------------------------------------------------------------

/**
 * `read(n)`, `read()`, `read1(n)`, `readinto(n bytes)`, `readline()`, `readline(n)`, the line
 * iterator's `next()`, `readlines()`, and (one reader only) `seek(p)` or `seek(p - size, 2)`
 * back to a position already read.
 */
type ReadKind =
  | 'read'
  | 'readAll'
  | 'read1'
  | 'readinto'
  | 'readline'
  | 'readlineLimit'
  | 'next'
  | 'readlines'
  | 'seek'
  | 'seekEnd';

interface ReadStep extends Limit {
  kind: ReadKind;
  n: number;
  /** Concurrent readers: let the others run (sleep(0)) before the step. */
  pause: boolean;
}

const READS: readonly ReadKind[] = [
  'read',
  'readAll',
  'read1',
  'readinto',
  'readline',
  'readlineLimit',
  'next',
  'readlines',
];
const SEEKS: readonly ReadKind[] = ['seek', 'seekEnd'];

const readStepsArb = (kinds: readonly ReadKind[]) =>
  fc.array(
    fc.record<ReadStep>({
      kind: fc.constantFrom(...kinds),
      n: fc.integer({ min: 1, max: 300 }),
      pause: fc.boolean(),
      ...limitArbs,
    }),
    { minLength: 1, maxLength: 12 },
  );

/** `read1` and `readinto` give bytes, which may split a character: binary modes only. */
function fitsMode(kind: ReadKind, mode: ReadMode): ReadKind {
  return mode === 'r' && (kind === 'read1' || kind === 'readinto') ? 'read' : kind;
}

/** What a read step did: data (empty at end-of-file), or the position a seek moved to. */
type Outcome = { data: Buffer; eof: boolean } | { seekedTo: number };

/** A reader's state: the line iterator it steps (a new one after an error ends it). */
interface Reader {
  file: AsyncFile;
  lines: AsyncIterator<string | Buffer>;
}

/** One read step. `target`: where a seek step goes (a position already read). */
async function readOnce(
  r: Reader,
  kind: ReadKind,
  n: number,
  target: number,
  size: number,
): Promise<Outcome> {
  const f = r.file;
  switch (kind) {
    case 'read': {
      const data = bytes(await f.read(n));
      return { data, eof: data.length === 0 };
    }
    case 'readAll':
      return { data: bytes(await f.read()), eof: true };
    case 'read1': {
      const data = await f.read1(n);
      return { data, eof: data.length === 0 };
    }
    case 'readinto': {
      const into = Buffer.alloc(n);
      const count = await f.readinto(into);
      return { data: into.subarray(0, count), eof: count === 0 };
    }
    case 'readline':
    case 'readlineLimit': {
      const data = bytes(await f.readline(kind === 'readline' ? -1 : n));
      return { data, eof: data.length === 0 };
    }
    case 'next': {
      const next = await r.lines.next();
      return next.done
        ? { data: Buffer.alloc(0), eof: true }
        : { data: bytes(next.value), eof: false };
    }
    case 'readlines':
      return { data: Buffer.concat((await f.readlines()).map(bytes)), eof: true };
    case 'seek':
      return { seekedTo: await f.seek(target) };
    case 'seekEnd':
      return { seekedTo: await f.seek(target - size, 2) };
  }
}

/** A position at most `limit`, from `n`; in text mode, at the start of a character. */
function seekTarget(n: number, limit: number, payload: Buffer, mode: ReadMode): number {
  let target = n % (limit + 1);
  if (mode === 'r') while (target > 0 && (payload[target]! & 0xc0) === 0x80) target--;
  return target;
}

describe('aopen files under random timeouts', () => {
  test('one reader: every byte is read exactly once, in order; a timed-out read consumed nothing', async () => {
    await withTempDir(async (dir) => {
      let serial = 0;
      await fc.assert(
        fc.asyncProperty(
          fileArb.chain((file) =>
            fc.record({
              mode: fc.constant(file.mode),
              payload: fc.constant(file.payload),
              steps: readStepsArb([...READS, ...SEEKS]),
            }),
          ),
          async ({ mode, payload, steps }) => {
            const path = join(dir, `read${serial++}`);
            await writeFile(path, payload);
            // The bytes read so far: the file's first got.length bytes, if nothing is lost.
            let got = Buffer.alloc(0);
            await runNet(async () =>
              using(await aopen(path, mode), async (file) => {
                const r: Reader = { file, lines: file[Symbol.asyncIterator]() };
                let eof = false;
                for (let i = 0; !eof && i < MAX_STEPS; i++) {
                  const step = steps[i % steps.length]!;
                  const kind = fitsMode(step.kind, mode);
                  const target = seekTarget(step.n, got.length, payload, mode);
                  try {
                    const out = await underTimeout(step, () =>
                      readOnce(r, kind, step.n, target, payload.length),
                    );
                    if ('seekedTo' in out) {
                      // Back to a position already read: what follows is read again.
                      expect(out.seekedTo).toBe(target);
                      got = got.subarray(0, target);
                    } else {
                      got = Buffer.concat([got, out.data]);
                      eof = out.eof;
                    }
                  } catch (err) {
                    if (!(err instanceof TaskTimeout)) throw err;
                    expectNoProgress(err);
                    // An error ends a line iterator (as an async generator); a new one goes on.
                    if (kind === 'next') r.lines = file[Symbol.asyncIterator]();
                  }
                  // Whatever was cancelled, the position is what was read.
                  expect(await file.tell()).toBe(got.length);
                }
                // Enough steps (all of them may have timed out): the rest, with no timeout.
                if (!eof) got = Buffer.concat([got, bytes(await file.read())]);
                expect(bytes(await file.read()).length).toBe(0);
              }),
            );
            expectSameBytes(got, payload);
          },
        ),
        { numRuns: 80 },
      );
    });
  }, 60_000);

  test('several readers at once: each byte goes to exactly one of them, in file order', async () => {
    await withTempDir(async (dir) => {
      let serial = 0;
      await fc.assert(
        fc.asyncProperty(
          fileArb,
          fc.array(readStepsArb(READS), { minLength: 2, maxLength: 4 }),
          async ({ mode, payload }, plans) => {
            const path = join(dir, `readers${serial++}`);
            await writeFile(path, payload);
            // Each reader logs what an operation returned as soon as it returns. The kernel
            // runs one task at a time and the file serves one operation at a time, so the
            // log's order is the order in which the operations consumed the file.
            const log: Buffer[] = [];
            await runNet(async () =>
              using(await aopen(path, mode), async (file) => {
                await withTaskGroup(async (g) => {
                  for (const steps of plans) {
                    await g.spawn(async () => {
                      const r: Reader = { file, lines: file[Symbol.asyncIterator]() };
                      let eof = false;
                      for (let i = 0; !eof && i < MAX_STEPS; i++) {
                        const step = steps[i % steps.length]!;
                        const kind = fitsMode(step.kind, mode);
                        if (step.pause) await sleep(0);
                        try {
                          const out = await underTimeout(step, () =>
                            readOnce(r, kind, step.n, 0, 0),
                          );
                          if ('seekedTo' in out) throw new Error('no seeks with several readers');
                          log.push(out.data);
                          eof = out.eof;
                        } catch (err) {
                          if (!(err instanceof TaskTimeout)) throw err;
                          expectNoProgress(err);
                          if (kind === 'next') r.lines = file[Symbol.asyncIterator]();
                        }
                      }
                    });
                  }
                });
                // What the readers left, if they all stopped before end-of-file.
                log.push(bytes(await file.read()));
                expect(await file.tell()).toBe(payload.length);
              }),
            );
            // In log order the pieces are the file: so each byte went to exactly one reader,
            // and each reader's pieces lie at increasing offsets.
            expectSameBytes(Buffer.concat(log), payload);
          },
        ),
        { numRuns: 50 },
      );
    });
  }, 60_000);

  test('writers: what the writes returned is the file, each once and in order; a timed-out write wrote nothing', async () => {
    await withTempDir(async (dir) => {
      let serial = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(writeStepsArb, { minLength: 1, maxLength: 3 }), async (plans) => {
          const path = join(dir, `write${serial++}`);
          // What the writes returned, logged as each returns: as with the readers, the
          // log's order is the order in which the writes reached the file.
          const log: Buffer[] = [];
          const written = () => log.reduce((n, b) => n + b.length, 0);
          await runNet(async () =>
            using(await aopen(path, 'wb'), async (file) => {
              await withTaskGroup(async (g) => {
                for (const steps of plans) {
                  await g.spawn(async () => {
                    for (const step of steps) {
                      if (step.pause) await sleep(0);
                      try {
                        await underTimeout(step, () => writeOnce(file, step, log));
                      } catch (err) {
                        if (!(err instanceof TaskTimeout)) throw err;
                        expectNoProgress(err);
                      }
                      // One writer: the position is what was written.
                      if (plans.length === 1) expect(await file.tell()).toBe(written());
                    }
                  });
                }
              });
              await file.flush();
              expect(await file.tell()).toBe(written());
            }),
          );
          expectSameBytes(await readFile(path), Buffer.concat(log));
        }),
        { numRuns: 40 },
      );
    });
  }, 60_000);

  test("'r+b': reads, writes, seeks and truncation under timeouts agree with a model of the file", async () => {
    await withTempDir(async (dir) => {
      let serial = 0;
      await fc.assert(
        fc.asyncProperty(
          binaryPayload,
          fc.array(editStepArb, { minLength: 1, maxLength: 30 }),
          async (initial, steps) => {
            const path = join(dir, `edit${serial++}`);
            await writeFile(path, initial);
            const model: FileModel = { content: initial, pos: 0 };
            await runNet(async () =>
              using(await aopen(path, 'r+b'), async (file) => {
                for (const step of steps) {
                  const op = editOp(step, model);
                  try {
                    const result = await underTimeout(step, () => op.run(file));
                    // It took effect: it returned what the model predicts, and the model
                    // follows.
                    expect(result).toEqual(op.expect);
                    op.apply();
                  } catch (err) {
                    // It did not: nothing changed (a timed-out read consumed nothing; a
                    // write, once started, completes, so one that timed out never started).
                    if (!(err instanceof TaskTimeout)) throw err;
                    expectNoProgress(err);
                  }
                  expect(await file.tell()).toBe(model.pos);
                }
              }),
            );
            expectSameBytes(await readFile(path), model.content);
          },
        ),
        { numRuns: 60 },
      );
    });
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// Write steps
// ---------------------------------------------------------------------------------------

/** `write(data)`; `writelines` of its two halves; or two `write`s in one timeout block. */
type WriteKind = 'write' | 'writelines' | 'writeTwo';

interface WriteStep extends Limit {
  kind: WriteKind;
  data: Buffer;
  /** Let the other writers run (sleep(0)) before the step. */
  pause: boolean;
}

/** `n` bytes of a pattern that depends on `seed`, so that a misplaced chunk shows. */
function pattern(n: number, seed: number): Buffer {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = (i * 31 + seed) & 0xff;
  return buf;
}

/** Mostly small chunks; now and then a large one, whose write outlasts short timeouts. */
const chunkArb = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 16 * 1024, max: 256 * 1024 }), fc.nat(255))
      .map(([n, seed]) => pattern(n, seed)),
    weight: 1,
  },
);

const writeStepsArb = fc.array(
  fc.record<WriteStep>({
    kind: fc.constantFrom<WriteKind>('write', 'writelines', 'writeTwo'),
    data: chunkArb,
    pause: fc.boolean(),
    ...limitArbs,
  }),
  { minLength: 1, maxLength: 8 },
);

/** One write step; logs each piece as its write returns (a whole `writelines` at once). */
async function writeOnce(file: AsyncFile, step: WriteStep, log: Buffer[]): Promise<void> {
  const { data } = step;
  const half = data.subarray(0, data.length >> 1);
  const rest = data.subarray(data.length >> 1);
  switch (step.kind) {
    case 'write':
      expect(await file.write(data)).toBe(data.length);
      log.push(data);
      return;
    case 'writelines':
      await file.writelines([half, rest]);
      log.push(half, rest);
      return;
    case 'writeTwo':
      // The block may expire during the first write: the second then raises the timeout
      // before it starts, or (not having to wait for the file) starts and completes.
      expect(await file.write(half)).toBe(half.length);
      log.push(half);
      expect(await file.write(rest)).toBe(rest.length);
      log.push(rest);
      return;
  }
}

// ---------------------------------------------------------------------------------------
// Model of a file opened 'r+b'
// ---------------------------------------------------------------------------------------

interface FileModel {
  content: Buffer;
  pos: number;
}

type EditKind =
  | 'read'
  | 'readline'
  | 'write'
  | 'seek'
  | 'seekCur'
  | 'seekEnd'
  | 'truncate'
  | 'truncateHere'
  | 'tell';

interface EditStep extends Limit {
  kind: EditKind;
  n: number;
  data: Buffer;
}

const editStepArb = fc.record<EditStep>({
  kind: fc.constantFrom<EditKind>(
    'read',
    'readline',
    'write',
    'seek',
    'seekCur',
    'seekEnd',
    'truncate',
    'truncateHere',
    'tell',
  ),
  n: fc.nat(400),
  data: fc.uint8Array({ minLength: 1, maxLength: 60 }).map((a) => Buffer.from(a)),
  ...limitArbs,
});

/** `content` cut or extended with zeros to `size` bytes (as truncate and sparse writes do). */
function resized(content: Buffer, size: number): Buffer {
  return size <= content.length
    ? content.subarray(0, size)
    : Buffer.concat([content, Buffer.alloc(size - content.length)]);
}

/** A step as an operation: how to run it, what it returns, and its effect on the model. */
interface EditOp {
  run: (file: AsyncFile) => Promise<unknown>;
  expect: unknown;
  apply: () => void;
}

function editOp(step: EditStep, model: FileModel): EditOp {
  const { content, pos } = model;
  const len = content.length;
  const moveTo = (target: number, run: EditOp['run']): EditOp => ({
    run,
    expect: target,
    apply: () => {
      model.pos = target;
    },
  });
  switch (step.kind) {
    case 'read': {
      const data = content.subarray(Math.min(pos, len), pos + step.n);
      return {
        run: (f) => f.read(step.n),
        expect: data,
        apply: () => {
          model.pos += data.length;
        },
      };
    }
    case 'readline': {
      const at = content.indexOf(NEWLINE, pos);
      const data = content.subarray(Math.min(pos, len), at < 0 ? len : at + 1);
      return {
        run: (f) => f.readline(),
        expect: data,
        apply: () => {
          model.pos += data.length;
        },
      };
    }
    case 'write': {
      const { data } = step;
      const before = resized(content, Math.max(len, pos)).subarray(0, pos);
      const after = content.subarray(Math.min(len, pos + data.length));
      return {
        run: (f) => f.write(data),
        expect: data.length,
        apply: () => {
          model.content = Buffer.concat([before, data, after]);
          model.pos += data.length;
        },
      };
    }
    case 'seek': {
      const target = step.n % (len + 11);
      return moveTo(target, (f) => f.seek(target));
    }
    case 'seekCur': {
      const offset = (step.n % (pos + 11)) - pos;
      return moveTo(pos + offset, (f) => f.seek(offset, 1));
    }
    case 'seekEnd': {
      const offset = (step.n % (len + 11)) - len;
      return moveTo(len + offset, (f) => f.seek(offset, 2));
    }
    case 'truncate':
    case 'truncateHere': {
      const size = step.kind === 'truncate' ? step.n % (len + 21) : pos;
      return {
        run: (f) => (step.kind === 'truncate' ? f.truncate(size) : f.truncate()),
        expect: size,
        apply: () => {
          model.content = resized(content, size);
        },
      };
    }
    case 'tell':
      return { run: (f) => f.tell(), expect: pos, apply: () => {} };
  }
}
