// Property test of runServer under random client behaviour and a random moment of
// cancellation: clients that talk, hang up early, reset the connection or make their handler
// crash, while the server is cancelled at some point. Whatever the schedule:
// - every handler that started runs its `finally` exactly once; a handler fails only by its
//   own crash, or when its client reset the connection or closed it without reading what it
//   had asked for (then a blocked write fails), and each failure is reported once;
// - a client whose conversation ended before the server was cancelled got every echo, unless
//   its handler crashed (then it sees end-of-file, and only it);
// - cancelling the server returns, and no socket, task or kernel is left behind (the leak
//   check that runs after every test).
// Timing is real (loopback I/O, sleeps under 5 ms), so each run takes its own path; no
// assertion depends on which path.
import { ignoreAfter, isCancellation, sleep, spawn, type Task, withTaskGroup } from '@curio/kernel';
import {
  openConnection,
  runServer,
  SHUT_WR,
  type Socket,
  type SocketAddress,
  tcpServerSocket,
} from '@curio/net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { portOf, runNet } from './helpers.js';

/** What one client does. */
interface ClientPlan {
  /** Lines sent (each echoed by the handler) before the ending below. */
  lines: number;
  /**
   * How the client ends: close, stop writing (shutdown), reset, make the handler crash, or
   * flood: send more than the buffers hold without reading the echoes (so its handler blocks
   * in a write), then give up and close; or linger: stay connected until the server goes
   * away (only its cancellation ends the handler, so a handler it missed would hang the test).
   */
  ending: 'close' | 'shutdown' | 'reset' | 'crash' | 'flood' | 'linger';
  /** Milliseconds to wait before connecting. */
  delay: number;
}

const clientPlan = fc.record<ClientPlan>({
  lines: fc.integer({ min: 0, max: 5 }),
  ending: fc.constantFrom<ClientPlan['ending']>(
    'close',
    'shutdown',
    'reset',
    'crash',
    'flood',
    'linger',
  ),
  delay: fc.constantFrom(0, 0, 1, 3),
});

describe('runServer under random clients and a random cancellation', () => {
  test('handlers end exactly once, finished conversations are complete, nothing leaks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(clientPlan, { minLength: 1, maxLength: 8 }),
        // Cancel the server after this many clients finished (more than there are: never
        // before all of them did), then after a pause of this many milliseconds.
        fc.nat({ max: 9 }),
        fc.constantFrom(0, 1, 4),
        async (plans, cancelAfter, pauseMs) => {
          const finallies = new Map<string, number>();
          const reported: string[] = [];
          const failures: [string, unknown][] = [];
          const complete: { id: number; echoes: string[] }[] = [];
          let cancelled = false;
          let threshold = cancelAfter;

          async function handler(client: Socket) {
            const stream = client.asStream();
            let id = '?';
            try {
              for await (const raw of stream) {
                const line = raw.toString();
                id = line.split(' ')[0]!;
                if (line.endsWith('crash\n')) throw new RangeError(`crash ${id}`);
                await stream.write(raw);
              }
            } catch (err) {
              if (!isCancellation(err)) failures.push([id, err]);
              throw err;
            } finally {
              finallies.set(id, (finallies.get(id) ?? 0) + 1);
            }
          }

          async function client(plan: ClientPlan, id: number, port: number, settle: () => void) {
            await sleep(plan.delay / 1000);
            let sock: Socket;
            try {
              sock = await openConnection('127.0.0.1', port);
            } catch (err) {
              // Refused once the server is gone: only allowed after the cancellation.
              if (!cancelled) throw err;
              return;
            }
            const echoes: string[] = [];
            try {
              const stream = sock.asStream();
              // The first line names the client, so the handler knows whose finally it runs.
              for (let i = 0; i <= plan.lines; i++) {
                const line = `${id} line ${i}\n`;
                await stream.write(line);
                const echo = (await stream.readline()).toString();
                if (echo === '') break; // the server went away
                echoes.push(echo);
              }
              if (plan.ending === 'crash') {
                await stream.write(`${id} crash\n`);
                const after = await stream.readline();
                expect(after.length).toBe(0); // the handler crashed: its connection closes
              } else if (plan.ending === 'shutdown') {
                await sock.shutdown(SHUT_WR);
                expect((await stream.readline()).length).toBe(0); // the handler saw EOF
              } else if (plan.ending === 'flood') {
                const burst = Buffer.from(`${id} ${'x'.repeat(1000)}\n`.repeat(4000));
                await ignoreAfter(0.003, () => stream.write(burst));
              } else if (plan.ending === 'linger') {
                settle(); // done talking: the canceller may count it as finished
                expect((await stream.readline()).length).toBe(0); // until the server closes
              } else if (plan.ending === 'reset') {
                const lease = sock.blocking();
                lease.socket.resetAndDestroy();
                lease.release();
              }
              if (!cancelled) complete.push({ id, echoes });
            } catch (err) {
              // Reset or closed by the cancelled server: only allowed after the cancellation.
              if (!cancelled) throw err;
            } finally {
              await sock.close();
            }
          }

          await runNet(async () => {
            const listener = tcpServerSocket('127.0.0.1', 0);
            const port = portOf(listener);
            const server: Task = await spawn(runServer, listener, handler, {
              onHandlerError: (err: unknown, _addr: SocketAddress) =>
                reported.push((err as Error).message),
            });
            let finished = 0;
            await withTaskGroup(async (g) => {
              await g.spawn(async () => {
                while (finished < threshold) await sleep(0.0005);
                await sleep(pauseMs / 1000);
                cancelled = true;
                await server.cancel();
              });
              for (const [i, plan] of plans.entries()) {
                let settled = false;
                const settle = () => {
                  if (!settled) finished++;
                  settled = true;
                };
                await g.spawn(async () => {
                  try {
                    await client(plan, i, port, settle);
                  } finally {
                    settle();
                  }
                });
              }
              // When every client is done, the canceller may still wait: let it go.
              await g.spawn(async () => {
                while (finished < plans.length) await sleep(0.0005);
                threshold = Math.min(threshold, finished);
              });
            });
          });

          for (const [id, count] of finallies) expect([id, count]).toEqual([id, 1]);
          // Every handler failure was reported once; a handler fails only by its own crash,
          // or when its client reset the connection.
          expect(reported).toEqual(failures.map(([, err]) => (err as Error).message));
          for (const [id, err] of failures) {
            const ending = plans[Number(id)]?.ending;
            const code = (err as { code?: string }).code;
            if (err instanceof RangeError) expect([id, ending]).toEqual([id, 'crash']);
            else if (ending === 'flood')
              expect([id, code]).toEqual([id, expect.stringMatching(/^(ECONNRESET|EPIPE)$/)]);
            else expect([id, code, ending]).toEqual([id, 'ECONNRESET', 'reset']);
          }
          for (const { id, echoes } of complete) {
            const sent = Array.from(
              { length: plans[id]!.lines + 1 },
              (_, i) => `${id} line ${i}\n`,
            );
            expect(echoes).toEqual(sent);
            if (plans[id]!.ending === 'crash') expect(reported).toContain(`crash ${id}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
