// Property tests: random reads and writes under random timeouts lose no byte and duplicate
// none. A timed-out read either consumed nothing (recv, read, readline) or reports what it
// consumed on the error (`progressOf(err).bytesRead`, `linesRead`); a timed-out sendall
// reports how much it handed over (`bytesSent`), a stream write or writelines too
// (`bytesWritten`). Whatever the schedule, the bytes a reader collects from results and from
// errors are exactly the bytes the writer sent.
//
// Timeouts are real (0.5–2 ms) and I/O is real, so each run takes its own path through the
// code, but the property must hold on every path: no assertion depends on timing.
import {
  sleep,
  spawn,
  TaskTimeout,
  TimeoutCancellationError,
  timeoutAfter,
  withTaskGroup,
} from '@curio/kernel';
import { EOFError, progressOf, SHUT_WR, type Socket, socketpair } from '@curio/net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runNet } from './helpers.js';

type StreamRead = 'read' | 'readExactly' | 'readline' | 'readinto' | 'readall';

/** The timeout a step runs under. */
interface Limit {
  /** Seconds, or null for no timeout. */
  timeout: number | null;
  /** Run the step inside a long inner timeout, so an outer block's expiry unwinds it. */
  nested: boolean;
}

interface ReadStep extends Limit {
  kind: StreamRead;
  n: number;
}

/** How the writer hands a piece over: socket `sendall`, stream `write` or `writelines`. */
type WriteCall = 'sendall' | 'write' | 'writelines';

const timeoutArb = fc.option(fc.constantFrom(0.0005, 0.001, 0.002), { nil: null, freq: 3 });

const readStep = fc.record<ReadStep>({
  kind: fc.constantFrom<StreamRead>('read', 'readExactly', 'readline', 'readinto', 'readall'),
  n: fc.integer({ min: 1, max: 300 }),
  timeout: timeoutArb,
  nested: fc.boolean(),
});

/** Text with newlines now and then, so that readline finds lines of every length. */
const payloadArb = fc
  .array(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('\n')), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join('')));

/** Split `data` at the given cut points (taken modulo its length). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  if (data.length === 0) return [];
  const at = [...new Set(cuts.map((c) => c % data.length))].filter((c) => c > 0);
  at.sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of [...at, data.length]) {
    pieces.push(data.subarray(from, c));
    from = c;
  }
  return pieces;
}

/** Pause between writes: none, a yield, or a sleep longer than some read timeouts. */
const pauseArb = fc.constantFrom(0, 1, 2, 3);

async function pause(kind: number): Promise<void> {
  if (kind === 1) await sleep(0);
  else if (kind === 2) await sleep(0.001);
  else if (kind === 3) await sleep(0.003);
}

/** Run `body` on a fresh socket pair, closing both ends whatever happens. */
async function withPair(body: (s1: Socket, s2: Socket) => Promise<void>): Promise<void> {
  const [s1, s2] = await socketpair();
  try {
    await body(s1, s2);
  } finally {
    await s1.close();
    await s2.close();
  }
}

/** Run `body` under the step's timeout (and inner block); rethrows what escapes. */
function underTimeout<R>(step: Limit, body: () => Promise<R>): Promise<R> {
  if (step.timeout === null) return body();
  const inner = step.nested ? () => timeoutAfter(10, body) : body;
  return timeoutAfter(step.timeout, inner);
}

/** One read step on the stream: what it returned, and whether it saw end-of-file. */
async function readOnce(
  stream: ReturnType<Socket['asStream']>,
  step: ReadStep,
): Promise<{ data: Buffer[]; eof: boolean }> {
  switch (step.kind) {
    case 'read': {
      const data = await stream.read(step.n);
      return { data: [data], eof: data.length === 0 };
    }
    case 'readExactly':
      try {
        return { data: [await stream.readExactly(step.n)], eof: false };
      } catch (err) {
        if (err instanceof EOFError) return { data: [err.bytesRead], eof: true };
        throw err;
      }
    case 'readline': {
      const line = await stream.readline();
      return { data: [line], eof: line.length === 0 };
    }
    case 'readinto': {
      const target = Buffer.alloc(step.n);
      const count = await stream.readinto(target);
      return { data: [target.subarray(0, count)], eof: count < step.n };
    }
    case 'readall':
      return { data: [await stream.readall()], eof: true };
  }
}

describe('partial progress under random timeouts', () => {
  test('stream reads: every byte is returned or reported exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        payloadArb,
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(pauseArb, { minLength: 1, maxLength: 8 }),
        fc.array(readStep, { minLength: 1, maxLength: 12 }),
        async (payload, cuts, pauses, steps) => {
          const got: Buffer[] = [];
          await runNet(() =>
            withPair(async (s1, s2) => {
              const stream = s2.asStream();
              await withTaskGroup(async (g) => {
                await g.spawn(async () => {
                  const pieces = split(payload, cuts);
                  for (let i = 0; i < pieces.length; i++) {
                    await s1.sendall(pieces[i]!);
                    await pause(pauses[i % pauses.length]!);
                  }
                  await s1.shutdown(SHUT_WR);
                });
                await g.spawn(async () => {
                  for (let i = 0, eof = false; !eof; i++) {
                    const step = steps[i % steps.length]!;
                    try {
                      const r = await underTimeout(step, () => readOnce(stream, step));
                      got.push(...r.data);
                      eof = r.eof;
                    } catch (err) {
                      if (!(err instanceof TaskTimeout)) throw err;
                      const progress = progressOf(err);
                      if (progress.bytesRead) got.push(progress.bytesRead);
                      if (progress.linesRead) got.push(...progress.linesRead);
                    }
                  }
                });
              });
            }),
          );
          expect(Buffer.concat(got).toString('latin1')).toBe(payload.toString('latin1'));
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  test('socket recv, sendall and stream writes: what a write reports as sent is what recv gets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 64 * 1024, max: 768 * 1024 }),
        fc.array(fc.integer({ min: 1024, max: 256 * 1024 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 512, max: 32 * 1024 }), { minLength: 1, maxLength: 6 }),
        fc.array(timeoutArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom<WriteCall>('sendall', 'write', 'writelines'), {
          minLength: 1,
          maxLength: 4,
        }),
        async (size, writeSizes, readSizes, timeouts, nested, calls) => {
          const payload = Buffer.alloc(size);
          for (let i = 0; i < size; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;
          const received: Buffer[] = [];
          await runNet(() =>
            withPair(async (s1, s2) => {
              await withTaskGroup(async (g) => {
                await g.spawn(async () => {
                  const out = s1.asStream();
                  let at = 0;
                  for (let i = 0; at < size; i++) {
                    const piece = payload.subarray(at, at + writeSizes[i % writeSizes.length]!);
                    const call = calls[i % calls.length]!;
                    const half = piece.length >> 1;
                    const write = (): Promise<unknown> =>
                      call === 'sendall'
                        ? s1.sendall(piece)
                        : call === 'write'
                          ? out.write(piece)
                          : out.writelines([piece.subarray(0, half), piece.subarray(half)]);
                    const step: Limit = {
                      timeout: timeouts[i % timeouts.length]!,
                      nested: nested[i % nested.length]!,
                    };
                    try {
                      await underTimeout(step, write);
                      at += piece.length;
                    } catch (err) {
                      if (!(err instanceof TaskTimeout)) throw err;
                      const progress = progressOf(err);
                      const sent = call === 'sendall' ? progress.bytesSent : progress.bytesWritten;
                      expect(sent).toBeTypeOf('number');
                      at += sent!;
                    }
                    // Pause now and then, so that recv waits and its timeouts expire.
                    if (i < 12 && i % 3 === 1) await sleep(0.003);
                  }
                  await s1.shutdown(SHUT_WR);
                });
                await g.spawn(async () => {
                  for (let i = 0; ; i++) {
                    const step: Limit = {
                      timeout: timeouts[(i + 1) % timeouts.length]!,
                      nested: nested[(i + 1) % nested.length]!,
                    };
                    let data: Buffer;
                    try {
                      data = await underTimeout(step, () =>
                        s2.recv(readSizes[i % readSizes.length]!),
                      );
                    } catch (err) {
                      if (!(err instanceof TaskTimeout)) throw err;
                      continue; // a cancelled recv consumed nothing
                    }
                    if (data.length === 0) break;
                    received.push(data);
                    // Read slowly now and then, so that sendall fills the buffers and blocks.
                    if (i < 40 && i % 3 === 0) await sleep(0.002);
                  }
                });
              });
            }),
          );
          const all = Buffer.concat(received);
          expect(all.length).toBe(size);
          expect(all.equals(payload)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  }, 60_000);

  test('an outer block expiring around an inner one keeps the progress of the read it cut', async () => {
    let caughtInner: unknown;
    let caughtOuter: unknown;
    await runNet(() =>
      withPair(async (s1, s2) => {
        const stream = s2.asStream();
        await s1.sendall(Buffer.from('abc'));
        const reader = await spawn(async () => {
          try {
            await timeoutAfter(0.01, async () => {
              try {
                await timeoutAfter(10, () => stream.readExactly(10));
              } catch (err) {
                caughtInner = err;
                throw err;
              }
            });
          } catch (err) {
            caughtOuter = err;
          }
        });
        await reader.join();
      }),
    );
    // Inside the outer block the inner one is being unwound; outside, the outer one expired.
    expect(caughtInner).toBeInstanceOf(TimeoutCancellationError);
    expect(caughtOuter).toBeInstanceOf(TaskTimeout);
    expect(progressOf(caughtInner).bytesRead?.toString()).toBe('abc');
    expect(progressOf(caughtOuter).bytesRead?.toString()).toBe('abc');
  });
});
