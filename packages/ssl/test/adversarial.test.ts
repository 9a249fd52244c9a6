// Adversarial tests for @curio/ssl: cancellation at every point of a handshake, big and
// half-closed transfers, many concurrent handshakes against one server, contexts changed
// between connections, and the type of every error a TLS connection can raise.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import {
  CurioError,
  isCancellation,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import {
  openConnection,
  runServer,
  SHUT_WR,
  type Socket,
  type SocketAddress,
  tcpServerSocket,
} from '@curio/net';
import {
  CERT_NONE,
  CERT_REQUIRED,
  createDefaultContext,
  PROTOCOL_TLS_CLIENT,
  Purpose,
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  SSLSocket,
  wrapSocket,
} from '@curio/ssl';
import { describe, expect, test } from 'vitest';
import { CERT, caught, KEY, OTHER_CERT, OTHER_KEY, portOf, runSSL } from './helpers.js';

// ---- Helpers --------------------------------------------------------------------------

function serverContext(): SSLContext {
  const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
  ctx.loadCertChain(CERT, KEY);
  return ctx;
}

function trustingClient(): SSLContext {
  return createDefaultContext(Purpose.SERVER_AUTH, { cafile: CERT });
}

/** Poll `cond` (in kernel time) until it holds; fail after `seconds` instead of hanging. */
async function waitFor(cond: () => boolean, what: string, seconds = 3): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(0.002);
  }
}

const SYSTEM_CODE = /^E[A-Z0-9]+$/;

/** The error is one the README allows: an SSLError, a Node system error, or a cancellation. */
function expectWellTyped(err: unknown, where: string): void {
  if (err instanceof SSLError || isCancellation(err)) return;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && SYSTEM_CODE.test(code)) return;
  throw new Error(
    `${where}: expected an SSLError, a system error or a cancellation, got ${String(
      (err as Error)?.constructor?.name,
    )} code=${String(code)}: ${String((err as Error)?.message ?? err)}`,
  );
}

/** A connected TLS pair over 127.0.0.1: [client, server]. */
async function tlsPair(
  serverCtx: SSLContext = serverContext(),
  clientCtx: SSLContext = trustingClient(),
  serverHostname: string | undefined = 'localhost',
): Promise<[SSLSocket, SSLSocket]> {
  const listener = tcpServerSocket('127.0.0.1', 0);
  try {
    const accepting = await spawn(async () => {
      const [c] = await listener.accept();
      try {
        return await serverCtx.wrapSocket(c, { serverSide: true });
      } finally {
        await c.close();
      }
    });
    let client: SSLSocket;
    try {
      client = (await openConnection(
        '127.0.0.1',
        portOf(listener),
        serverHostname === undefined ? { ssl: clientCtx } : { ssl: clientCtx, serverHostname },
      )) as SSLSocket;
    } catch (err) {
      await accepting.cancel();
      throw err;
    }
    const server = await accepting.join();
    return [client, server];
  } finally {
    await listener.close();
  }
}

/** Read until end-of-file. */
async function readAll(sock: Socket, chunk = 65536): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const data = await sock.recv(chunk);
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A TCP relay (node:net) between clients and `target`, that can withhold bytes in either
 * direction: `up(seen)` / `down(seen)` say how many of the bytes seen so far in that
 * direction may pass (the rest are held back forever). Closing either end destroys both.
 */
class Relay {
  readonly server: net.Server;
  readonly pairs: { client: net.Socket; upstream: net.Socket; closed: boolean }[] = [];
  constructor(
    readonly target: number,
    readonly limits: { up?: (seen: Buffer) => number; down?: (seen: Buffer) => number } = {},
  ) {
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.#relay(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  #relay(client: net.Socket): void {
    const upstream = net.connect(this.target, '127.0.0.1');
    const pair = { client, upstream, closed: false };
    this.pairs.push(pair);
    const kill = () => {
      pair.closed = true;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    const pipe = (from: net.Socket, to: net.Socket, limit?: (seen: Buffer) => number) => {
      let seen = Buffer.alloc(0);
      let passed = 0;
      from.on('data', (d: Buffer) => {
        seen = Buffer.concat([seen, d]);
        const allowed = limit === undefined ? seen.length : Math.min(seen.length, limit(seen));
        if (allowed > passed) {
          to.write(seen.subarray(passed, allowed));
          passed = allowed;
        }
      });
      from.on('end', () => {
        if (passed === seen.length) to.end();
      });
    };
    pipe(client, upstream, this.limits.up);
    pipe(upstream, client, this.limits.down);
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** How many bytes the first `n` TLS records of `seen` take (Infinity-safe: never more than seen). */
function firstRecords(n: number): (seen: Buffer) => number {
  return (seen) => {
    let off = 0;
    for (let i = 0; i < n; i++) {
      if (seen.length < off + 5) return off;
      off += 5 + seen.readUInt16BE(off + 3);
    }
    return off;
  };
}

/** A raw node:net client that records whether it saw the connection close. */
function rawClient(port: number): { sock: net.Socket; ended: () => boolean } {
  const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let ended = false;
  sock.on('error', () => {});
  sock.on('end', () => {
    ended = true;
  });
  sock.on('close', () => {
    ended = true;
  });
  sock.resume();
  return { sock, ended: () => ended };
}

// ---- Cancellation and timeouts in the handshake -----------------------------------------

describe('cancelled handshakes', () => {
  test('server side: a timeout while the client has sent nothing closes the connection', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = rawClient(portOf(listener));
      const [c] = await listener.accept();
      const err = await caught(() =>
        timeoutAfter(0.05, () => serverContext().wrapSocket(c, { serverSide: true })),
      );
      expect(err).toBeInstanceOf(TaskTimeout);
      expect(c.closed).toBe(true);
      await waitFor(peer.ended, 'the client to see the connection closed');
      peer.sock.destroy();
      await listener.close();
    });
  });

  test('server side: a timeout after a partial ClientHello closes the connection', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = rawClient(portOf(listener));
      // A handshake record header announcing 512 bytes, and only 3 of them.
      peer.sock.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
      const [c] = await listener.accept();
      const err = await caught(() =>
        timeoutAfter(0.05, () => serverContext().wrapSocket(c, { serverSide: true })),
      );
      expect(err).toBeInstanceOf(TaskTimeout);
      await waitFor(peer.ended, 'the client to see the connection closed');
      peer.sock.destroy();
      await listener.close();
    });
  });

  test('server side: a partial ClientHello then half-close fails with an SSLError, no hang', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = rawClient(portOf(listener));
      peer.sock.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
      const [c] = await listener.accept();
      const err = await caught(() =>
        timeoutAfter(2, () => serverContext().wrapSocket(c, { serverSide: true })),
      );
      expect(err).not.toBeInstanceOf(TaskTimeout);
      expect(err).toBeInstanceOf(SSLError);
      await waitFor(peer.ended, 'the client to see the connection closed');
      peer.sock.destroy();
      await listener.close();
    });
  });

  test('client side: cancelled mid-handshake (server flight withheld) by another task', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverErrors: unknown[] = [];
      const server = await spawn(async () => {
        const [c] = await listener.accept();
        try {
          await using s = await serverContext().wrapSocket(c, { serverSide: true });
          await s.recv(10);
        } catch (err) {
          serverErrors.push(err);
        }
      });
      // Only the first 10 bytes of the server's first flight reach the client.
      const relay = new Relay(portOf(listener), { down: () => 10 });
      const port = await relay.listen();
      const client = await spawn(() =>
        openConnection('127.0.0.1', port, { ssl: trustingClient(), serverHostname: 'localhost' }),
      );
      await waitFor(
        () => relay.pairs.length === 1 && client.state === 'READ_WAIT',
        'the client to wait in its handshake',
      );
      await client.cancel();
      expect(client.failed).toBe(true);
      // Our end hung up: the relay (the client's peer) sees it and passes it on.
      await waitFor(() => relay.pairs[0]!.closed, 'the relay to see the client hang up');
      await server.join();
      for (const e of serverErrors) expectWellTyped(e, 'server');
      await relay.close();
      await listener.close();
    });
  });

  test('server side: a timeout while waiting for the client Finished closes the connection', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      // Only the ClientHello reaches the server: it answers and waits for the client's Finished.
      const relay = new Relay(portOf(listener), { up: firstRecords(1) });
      const port = await relay.listen();
      const client = await spawn(async () => {
        try {
          const s = await openConnection('127.0.0.1', port, {
            ssl: trustingClient(),
            serverHostname: 'localhost',
          });
          try {
            return await s.recv(10); // TLS 1.3: done on our side; the server gives up
          } finally {
            await s.close();
          }
        } catch (err) {
          return err;
        }
      });
      const [c] = await listener.accept();
      const err = await caught(() =>
        timeoutAfter(0.1, () => serverContext().wrapSocket(c, { serverSide: true })),
      );
      expect(err).toBeInstanceOf(TaskTimeout);
      const outcome = await client.join();
      if (outcome instanceof Error) expectWellTyped(outcome, 'client');
      else expect((outcome as Buffer).length).toBe(0);
      await relay.close();
      await listener.close();
    });
  });

  /** Seconds one handshake takes here (the mean of a few). */
  async function handshakeTime(sctx: SSLContext, cctx: SSLContext): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) {
      const [a, b] = await tlsPair(sctx, cctx);
      await a.close();
      await b.close();
    }
    return (performance.now() - t0) / 5 / 1000;
  }

  test('client timeouts swept across the handshake: nothing leaks, the server sees every end', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      const cctx = trustingClient();
      const one = await handshakeTime(sctx, cctx);
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      let finished = 0;
      const handlerErrors: unknown[] = [];
      const server = await spawn(
        runServer,
        listener,
        async (c: Socket) => {
          try {
            await timeoutAfter(2, () => c.recv(1));
          } finally {
            finished++;
          }
        },
        {
          ssl: sctx,
          onHandlerError: (err: unknown, _a: SocketAddress) => {
            handlerErrors.push(err);
            finished++;
          },
        },
      );
      const N = 60;
      const outcomes: Record<string, number> = {};
      for (let i = 0; i < N; i++) {
        let outcome: string;
        try {
          const s = await timeoutAfter((one * 2 * i) / N, () =>
            openConnection('127.0.0.1', port, { ssl: cctx, serverHostname: 'localhost' }),
          );
          expect(s).toBeInstanceOf(SSLSocket);
          await s.sendall('x');
          await s.close();
          outcome = 'ok';
        } catch (err) {
          if (err instanceof TaskTimeout) outcome = 'timeout';
          else {
            expectWellTyped(err, 'client');
            outcome = 'error';
          }
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      await waitFor(() => finished === N, 'the server to be done with every connection', 5);
      // No handler waited for its 2 s timeout: each saw its client's byte or its end.
      for (const e of handlerErrors) {
        expect(e).not.toBeInstanceOf(TaskTimeout);
        expectWellTyped(e, 'server');
      }
      expect(outcomes.timeout ?? 0).toBeGreaterThan(0);
      expect(outcomes.ok ?? 0).toBeGreaterThan(0);
      await server.cancel();
    });
  });

  test('server timeouts swept across the handshake: nothing leaks, the client sees every end', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      const cctx = trustingClient();
      const one = await handshakeTime(sctx, cctx);
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      const N = 60;
      const outcomes: Record<string, number> = {};
      for (let i = 0; i < N; i++) {
        const server = await spawn(async () => {
          const [c] = await listener.accept();
          try {
            const s = await timeoutAfter((one * 2 * i) / N, () =>
              sctx.wrapSocket(c, { serverSide: true }),
            );
            await s.close(); // the client reads end-of-file
            return 'ok';
          } catch (err) {
            if (err instanceof TaskTimeout) return 'timeout';
            expectWellTyped(err, 'server');
            return 'error';
          } finally {
            await c.close();
          }
        });
        try {
          const s = await openConnection('127.0.0.1', port, {
            ssl: cctx,
            serverHostname: 'localhost',
          });
          try {
            // Never a hang: the server closed, whatever happened to it.
            const err = await caught(async () => {
              const d = await timeoutAfter(2, () => s.recv(1));
              expect(d.length).toBe(0);
              throw new Error('eof');
            });
            expect(err).not.toBeInstanceOf(TaskTimeout);
            if ((err as Error).message !== 'eof') expectWellTyped(err, 'client recv');
          } finally {
            await s.close();
          }
        } catch (err) {
          expectWellTyped(err, 'client handshake');
        }
        const outcome = await server.join();
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      expect(outcomes.timeout ?? 0).toBeGreaterThan(0);
      expect(outcomes.ok ?? 0).toBeGreaterThan(0);
      await listener.close();
    });
  });
});

// ---- Data over an established TLS connection -----------------------------------------

describe('data over TLS', () => {
  test('4 MiB each way at the same time, in odd-sized pieces', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const up = randomBytes(4 * 1024 * 1024 + 17);
      const down = randomBytes(4 * 1024 * 1024 + 33);
      const send = async (sock: Socket, data: Buffer) => {
        for (let off = 0; off < data.length; ) {
          const n = Math.min(data.length - off, 1 + ((off * 7919) % 200_000));
          await sock.sendall(data.subarray(off, off + n));
          off += n;
        }
        await sock.shutdown(SHUT_WR);
      };
      const tasks = [
        await spawn(send, client, up),
        await spawn(send, server, down),
        await spawn(readAll, server, 1000),
        await spawn(readAll, client),
      ];
      await tasks[0]!.join();
      await tasks[1]!.join();
      const gotUp = (await tasks[2]!.join()) as Buffer;
      const gotDown = (await tasks[3]!.join()) as Buffer;
      expect(gotUp.length).toBe(up.length);
      expect(sha(gotUp)).toBe(sha(up));
      expect(gotDown.length).toBe(down.length);
      expect(sha(gotDown)).toBe(sha(down));
      await client.close();
      await server.close();
    });
  });

  test('asStream() line reading over TLS, lines split across records', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(i % 300)}\n`);
      const text = Buffer.from(lines.join(''));
      const writer = await spawn(async () => {
        for (let off = 0; off < text.length; ) {
          const n = Math.min(text.length - off, 1 + ((off * 31) % 5000));
          await client.sendall(text.subarray(off, off + n));
          off += n;
        }
        await client.shutdown(SHUT_WR);
      });
      const stream = server.asStream();
      const got: string[] = [];
      for await (const line of stream) got.push(line.toString());
      await writer.join();
      expect(got).toEqual(lines);
      await stream.close();
      expect(server.closed).toBe(true);
      expect((await client.recv(10)).length).toBe(0);
      await client.close();
    });
  });

  test('shutdown(SHUT_WR) over TLS: the peer sees end-of-file and can still answer', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      await client.sendall('request');
      await client.shutdown(SHUT_WR);
      expect((await timeoutAfter(2, () => readAll(server))).toString()).toBe('request');
      // The other direction still works, both ways of closing it.
      await server.sendall('reply part 1;');
      await sleep(0.01);
      await server.sendall('reply part 2');
      await server.shutdown(SHUT_WR);
      expect((await timeoutAfter(2, () => readAll(client))).toString()).toBe(
        'reply part 1;reply part 2',
      );
      await client.close();
      await server.close();
    });
  });

  test('shutdown(SHUT_WR) by the server side first (client keeps sending)', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      await server.sendall('banner');
      await server.shutdown(SHUT_WR);
      expect((await timeoutAfter(2, () => readAll(client))).toString()).toBe('banner');
      await client.sendall('after eof');
      await client.shutdown(SHUT_WR);
      expect((await timeoutAfter(2, () => readAll(server))).toString()).toBe('after eof');
      await client.close();
      await server.close();
    });
  });

  test('close() while another task is blocked in recv: EBADF for it, end-of-file for the peer', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const reader = await spawn(async () => caught(() => client.recv(100)));
      await waitFor(() => reader.state === 'READ_WAIT', 'the reader to block');
      await client.close();
      const err = (await reader.join()) as NodeJS.ErrnoException;
      expect(err.code).toBe('EBADF');
      expect((await timeoutAfter(2, () => server.recv(100))).length).toBe(0);
      await server.close();
    });
  });

  test('close() while another task is blocked in sendall to a peer that does not read', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const writer = await spawn(async () =>
        caught(() => client.sendall(Buffer.alloc(16 * 1024 * 1024))),
      );
      await waitFor(() => writer.state === 'WRITE_WAIT', 'the writer to block');
      await client.close();
      const err = (await writer.join()) as NodeJS.ErrnoException;
      expect(err.code).toBe('EBADF');
      // The peer reads what was flushed, then the connection ends (within the linger time).
      let total = 0;
      const outcome = await caught(async () => {
        for (;;) {
          const d = await timeoutAfter(2, () => server.recv(1 << 20));
          if (d.length === 0) throw new Error('eof');
          total += d.length;
        }
      });
      if ((outcome as Error).message !== 'eof') expectWellTyped(outcome, 'server recv');
      expect(total).toBeLessThanOrEqual(16 * 1024 * 1024);
      await server.close();
    });
  });

  test('a recv timed out over TLS loses nothing', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      expect(await caught(() => timeoutAfter(0.02, () => server.recv(100)))).toBeInstanceOf(
        TaskTimeout,
      );
      await client.sendall('still here');
      expect((await server.recv(100)).toString()).toBe('still here');
      await client.close();
      await server.close();
    });
  });

  test('STARTTLS: plaintext first, then TLS with the ClientHello already queued', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        // Read the command a byte at a time: the ClientHello behind it stays queued.
        let cmd = '';
        while (!cmd.endsWith('\n')) cmd += (await c.recv(1)).toString();
        expect(cmd).toBe('STARTTLS\n');
        // Make sure the ClientHello has arrived before wrapping.
        await sleep(0.02);
        await using s = await serverContext().wrapSocket(c, { serverSide: true });
        await s.sendall(`secure ${(await s.recv(100)).toString()}`);
      });
      const plain = await openConnection('127.0.0.1', portOf(listener));
      await plain.sendall('STARTTLS\n');
      await using s = await trustingClient().wrapSocket(plain, { serverHostname: 'localhost' });
      await s.sendall('hello');
      expect((await readAll(s)).toString()).toBe('secure hello');
      await serverTask.join();
      await listener.close();
    });
  });

  test('the peer resets the connection mid-transfer: a system error or end-of-file', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const relay = new Relay(portOf(listener));
      const port = await relay.listen();
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        await using s = await serverContext().wrapSocket(c, { serverSide: true });
        return caught(async () => {
          for (;;) await s.sendall(Buffer.alloc(65536));
        });
      });
      const client = (await openConnection('127.0.0.1', port, {
        ssl: trustingClient(),
        serverHostname: 'localhost',
      })) as SSLSocket;
      await client.recv(1000);
      relay.pairs[0]!.client.resetAndDestroy();
      relay.pairs[0]!.upstream.resetAndDestroy();
      const clientErr = await caught(async () => {
        for (;;) {
          const d = await timeoutAfter(2, () => client.recv(65536));
          if (d.length === 0) throw new Error('eof');
        }
      });
      if ((clientErr as Error).message !== 'eof') expectWellTyped(clientErr, 'client recv');
      expectWellTyped(await serverTask.join(), 'server sendall');
      await client.close();
      await relay.close();
      await listener.close();
    });
  });
});

// ---- What errors look like -------------------------------------------------------------

describe('error types', () => {
  test('TLS 1.3, CERT_REQUIRED, no client certificate: the client read fails with an SSLError', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      sctx.verifyMode = CERT_REQUIRED;
      sctx.loadVerifyLocations(CERT);
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        try {
          return await caught(() => sctx.wrapSocket(c, { serverSide: true }));
        } finally {
          await c.close();
        }
      });
      let err: unknown;
      try {
        const s = await openConnection('127.0.0.1', portOf(listener), {
          ssl: trustingClient(),
          serverHostname: 'localhost',
        });
        expect((s as SSLSocket).version()).toBe('TLSv1.3');
        // The server's alert (certificate required) arrives at the first read.
        err = await caught(() => timeoutAfter(2, () => s.recv(100)));
        await s.close();
      } catch (e) {
        err = e; // the alert came in before wrapSocket returned
      }
      const serverErr = await serverTask.join();
      await listener.close();
      expect(serverErr).toBeInstanceOf(SSLError);
      expectWellTyped(err, 'client read after a refused handshake');
    });
  });

  test('garbage injected after the handshake: the client read fails with an SSLError', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const relay = new Relay(portOf(listener));
      const port = await relay.listen();
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        await using s = await serverContext().wrapSocket(c, { serverSide: true });
        return caught(() => timeoutAfter(2, () => s.recv(100)));
      });
      const client = await openConnection('127.0.0.1', port, {
        ssl: trustingClient(),
        serverHostname: 'localhost',
      });
      // An application-data record that does not decrypt.
      relay.pairs[0]!.client.write(
        Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20]), randomBytes(32)]),
      );
      const err = await caught(() => timeoutAfter(2, () => client.recv(100)));
      await client.close();
      const serverErr = await serverTask.join();
      await relay.close();
      await listener.close();
      expectWellTyped(err, 'client read of a corrupt record');
      if (serverErr instanceof Error && !/nothing was thrown/.test(serverErr.message))
        expectWellTyped(serverErr, 'server');
    });
  });

  test('ALPN with no protocol in common: SSLError on both sides', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      sctx.setAlpnProtocols(['h2']);
      const cctx = trustingClient();
      cctx.setAlpnProtocols(['http/1.1']);
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        try {
          return await caught(() => sctx.wrapSocket(c, { serverSide: true }));
        } finally {
          await c.close();
        }
      });
      const err = await caught(() =>
        openConnection('127.0.0.1', portOf(listener), { ssl: cctx, serverHostname: 'localhost' }),
      );
      expect(err).toBeInstanceOf(SSLError);
      expect(await serverTask.join()).toBeInstanceOf(SSLError);
      await listener.close();
    });
  });

  /** True when `setAlpnProtocols` refuses the name at once (as Python's does). */
  function refusesEarly(ctx: SSLContext, name: string): boolean {
    try {
      ctx.setAlpnProtocols([name]);
      return false;
    } catch {
      return true;
    }
  }

  test('an ALPN name longer than 255 bytes (server side): the connection is not leaked', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = rawClient(portOf(listener));
      try {
        const [c] = await listener.accept();
        const ctx = serverContext();
        if (!refusesEarly(ctx, 'x'.repeat(300))) {
          // The wrap fails (Node refuses the name): the connection must be closed all the same.
          const err = await caught(() => ctx.wrapSocket(c, { serverSide: true }));
          expect(err).toBeInstanceOf(Error);
          expect(c.closed).toBe(true);
          await waitFor(peer.ended, 'the client to see the connection closed', 0.5);
        }
        await c.close();
      } finally {
        peer.sock.destroy();
        await listener.close();
      }
    });
  });

  test('an ALPN name longer than 255 bytes (client side): openConnection leaks no socket', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      try {
        const accepted = await spawn(async () => (await listener.accept())[0]);
        const cctx = trustingClient();
        if (refusesEarly(cctx, 'y'.repeat(300))) {
          await accepted.cancel();
          return;
        }
        const err = await caught(() =>
          openConnection('127.0.0.1', portOf(listener), { ssl: cctx, serverHostname: 'localhost' }),
        );
        expect(err).toBeInstanceOf(Error);
        await using server = (await accepted.join()) as Socket;
        // Our end must have closed the connection: the server reads end-of-file.
        const got = await caught(async () => {
          const d = await timeoutAfter(0.5, () => server.recv(100));
          throw new Error(`read ${d.length} bytes`);
        });
        expect((got as Error).message).toBe('read 0 bytes');
      } finally {
        await listener.close();
      }
    });
  });
});

// ---- Contexts reused and changed between connections ----------------------------------

describe('contexts across connections', () => {
  /** A server that completes handshakes with `ctx` (whatever it is at each accept) and echoes once. */
  async function server(ctx: SSLContext) {
    const listener = tcpServerSocket('127.0.0.1', 0);
    const errors: unknown[] = [];
    let done = 0;
    const task = await spawn(
      runServer,
      listener,
      async (c: Socket) => {
        try {
          const d = await c.recv(100);
          if (d.length > 0) await c.sendall(d);
        } catch (err) {
          if (isCancellation(err)) throw err;
          errors.push(err);
        } finally {
          done++;
        }
      },
      {
        ssl: ctx,
        onHandlerError: (err: unknown) => {
          errors.push(err);
          done++;
        },
      },
    );
    return { port: portOf(listener), task, errors, done: () => done };
  }

  async function echo(port: number, ctx: SSLContext, name = 'localhost'): Promise<SSLSocket> {
    const s = (await openConnection('127.0.0.1', port, {
      ssl: ctx,
      serverHostname: name,
    })) as SSLSocket;
    await s.sendall('ping');
    expect((await s.recv(100)).toString()).toBe('ping');
    return s;
  }

  test('loadVerifyLocations after a first (refused) wrap: the new CA is used', async () => {
    await runSSL(async () => {
      const srv = await server(serverContext());
      const cctx = new SSLContext(PROTOCOL_TLS_CLIENT); // trusts nobody yet
      const first = await caught(() =>
        openConnection('127.0.0.1', srv.port, { ssl: cctx, serverHostname: 'localhost' }),
      );
      expect(first).toBeInstanceOf(SSLCertVerificationError);
      cctx.loadVerifyLocations(CERT);
      await (await echo(srv.port, cctx)).close();
      await waitFor(() => srv.done() === 2, 'the server to finish both');
      await srv.task.cancel();
    });
  });

  test('loadCertChain on a serving context: later handshakes use the new certificate', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      const srv = await server(sctx);
      const cctx = trustingClient();
      await (await echo(srv.port, cctx)).close();
      sctx.loadCertChain(OTHER_CERT, OTHER_KEY);
      const err = await caught(() =>
        openConnection('127.0.0.1', srv.port, { ssl: cctx, serverHostname: 'localhost' }),
      );
      expect(err).toBeInstanceOf(SSLCertVerificationError);
      // Trusting the other certificate too (it is for CN=intruder: no host name check).
      cctx.loadVerifyLocations(OTHER_CERT);
      cctx.checkHostname = false;
      const s = await echo(srv.port, cctx);
      expect(s.getpeercert()?.subject.CN).toBe('intruder');
      await s.close();
      await waitFor(() => srv.done() === 3, 'the server to finish all three');
      await srv.task.cancel();
    });
  });

  test('checkHostname and verifyMode changed between wraps of one context', async () => {
    await runSSL(async () => {
      const srv = await server(serverContext());
      const cctx = createDefaultContext(); // Node's authorities only
      expect(
        await caught(() =>
          openConnection('127.0.0.1', srv.port, { ssl: cctx, serverHostname: 'localhost' }),
        ),
      ).toBeInstanceOf(SSLCertVerificationError);
      cctx.checkHostname = false;
      cctx.verifyMode = CERT_NONE;
      await (await echo(srv.port, cctx, 'wrong.example')).close();
      cctx.checkHostname = true; // back to CERT_REQUIRED
      expect(cctx.verifyMode).toBe(CERT_REQUIRED);
      expect(
        await caught(() =>
          openConnection('127.0.0.1', srv.port, { ssl: cctx, serverHostname: 'localhost' }),
        ),
      ).toBeInstanceOf(SSLCertVerificationError);
      await waitFor(() => srv.done() === 3, 'the server to finish all three');
      await srv.task.cancel();
    });
  });

  test('setAlpnProtocols between connections of one context', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      sctx.setAlpnProtocols(['h2', 'http/1.1']);
      const srv = await server(sctx);
      const cctx = trustingClient();
      cctx.setAlpnProtocols(['http/1.1']);
      const a = await echo(srv.port, cctx);
      expect(a.selectedAlpnProtocol()).toBe('http/1.1');
      cctx.setAlpnProtocols(['h2']);
      const b = await echo(srv.port, cctx);
      expect(b.selectedAlpnProtocol()).toBe('h2');
      // The first connection keeps what it agreed on.
      expect(a.selectedAlpnProtocol()).toBe('http/1.1');
      await a.close();
      await b.close();
      await srv.task.cancel();
    });
  });

  /** A node:tls server limited to TLS 1.2 that answers 'ok' (the only way to get TLS 1.2 here). */
  async function tls12Server(options: tls.TlsOptions = {}) {
    const srv = tls.createServer(
      { cert: readFileSync(CERT), key: readFileSync(KEY), maxVersion: 'TLSv1.2', ...options },
      (c) => {
        c.on('error', () => {});
        c.end('ok');
      },
    );
    srv.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return {
      port: (srv.address() as net.AddressInfo).port,
      close: () => new Promise((resolve) => srv.close(resolve)),
    };
  }

  test('setCiphers (TLS 1.2): the cipher asked for; none in common is an SSLError', async () => {
    const srv = await tls12Server({
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
    });
    try {
      await runSSL(async () => {
        const cctx = trustingClient();
        cctx.setCiphers('ECDHE-RSA-AES256-GCM-SHA384');
        {
          await using s = (await openConnection('127.0.0.1', srv.port, {
            ssl: cctx,
            serverHostname: 'localhost',
          })) as SSLSocket;
          expect(s.version()).toBe('TLSv1.2');
          expect(s.cipher()?.name).toBe('ECDHE-RSA-AES256-GCM-SHA384');
          expect((await readAll(s)).toString()).toBe('ok');
        }
        cctx.setCiphers('ECDHE-RSA-CHACHA20-POLY1305');
        const err = await caught(() =>
          openConnection('127.0.0.1', srv.port, { ssl: cctx, serverHostname: 'localhost' }),
        );
        expect(err).toBeInstanceOf(SSLError);
      });
    } finally {
      await srv.close();
    }
  });

  /** A node:tls client limited to TLS 1.2; `outcome()` says how it ended. */
  function tls12Client(port: number, options: tls.ConnectionOptions = {}) {
    let outcome: string | undefined;
    const c = tls.connect({
      port,
      host: '127.0.0.1',
      maxVersion: 'TLSv1.2',
      rejectUnauthorized: false,
      ...options,
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      outcome ??= `error ${e.code}`;
    });
    c.on('close', () => {
      outcome ??= 'closed';
    });
    return { outcome: () => outcome, sock: c };
  }

  test('TLS 1.2 on the server side: no cipher in common, an untrusted client certificate', async () => {
    await runSSL(async () => {
      const sctx = serverContext();
      sctx.setCiphers('ECDHE-RSA-AES128-GCM-SHA256');
      sctx.verifyMode = CERT_REQUIRED;
      sctx.loadVerifyLocations(CERT);
      const srv = await server(sctx);
      const a = tls12Client(srv.port, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' });
      a.sock.resume();
      await waitFor(() => srv.done() === 1 && a.outcome() !== undefined, 'the first to end');
      const b = tls12Client(srv.port, {
        ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
        cert: readFileSync(OTHER_CERT),
        key: readFileSync(OTHER_KEY),
      });
      b.sock.resume();
      await waitFor(() => srv.done() === 2 && b.outcome() !== undefined, 'the second to end');
      const c = tls12Client(srv.port, {
        ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
        cert: readFileSync(CERT),
        key: readFileSync(KEY),
      });
      let got = '';
      c.sock.on('data', (d: Buffer) => {
        got += d.toString();
      });
      c.sock.write('hi');
      await waitFor(() => got === 'hi', 'the trusted TLS 1.2 client to be echoed');
      c.sock.end();
      await waitFor(() => srv.done() === 3 && c.outcome() !== undefined, 'the third to end');
      await srv.task.cancel();
      expect(srv.errors).toHaveLength(2);
      expect(srv.errors[0]).toBeInstanceOf(SSLError);
      expect((srv.errors[0] as SSLError).reason).toBe('ERR_SSL_NO_SHARED_CIPHER');
      expect(srv.errors[1]).toBeInstanceOf(SSLCertVerificationError);
      expect((srv.errors[1] as SSLError).reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    });
  });

  test('the module-level wrapSocket: client CERT_NONE, server requiring a client certificate', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(async () => {
        const [c] = await listener.accept();
        await using s = await wrapSocket(c, {
          serverSide: true,
          certfile: CERT,
          keyfile: KEY,
          certReqs: CERT_REQUIRED,
          caCerts: OTHER_CERT,
        });
        await s.sendall(String(s.getpeercert()?.subject.CN));
      });
      const plain = await openConnection('127.0.0.1', portOf(listener));
      // A client context made for the socket: no check at all, but it must present a certificate.
      const ctx = createDefaultContext();
      ctx.checkHostname = false;
      ctx.verifyMode = CERT_NONE;
      ctx.loadCertChain(OTHER_CERT, OTHER_KEY);
      await using s = await ctx.wrapSocket(plain);
      expect((await readAll(s)).toString()).toBe('intruder');
      await serverTask.join();
      // wrapSocket() with certReqs CERT_NONE and no host name: anything goes.
      const serverTask2 = await spawn(async () => {
        const [c] = await listener.accept();
        await using t = await wrapSocket(c, {
          serverSide: true,
          certfile: OTHER_CERT,
          keyfile: OTHER_KEY,
        });
        await t.sendall('ok');
      });
      const plain2 = await openConnection('127.0.0.1', portOf(listener));
      await using s2 = await wrapSocket(plain2, { certReqs: CERT_NONE });
      expect((await readAll(s2)).toString()).toBe('ok');
      await serverTask2.join();
      await listener.close();
    });
  });

  test('wrapSocket() refusing its configuration leaves the socket usable (not taken over)', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const accepted = await spawn(async () => (await listener.accept())[0]);
      const plain = await openConnection('127.0.0.1', portOf(listener));
      const server = (await accepted.join()) as Socket;
      // The certificate file holds no key.
      const err = await caught(() => wrapSocket(server, { serverSide: true, certfile: CERT }));
      expect(err).toBeInstanceOf(SSLError);
      expect(server.closed).toBe(false);
      await plain.sendall('still plain');
      expect((await server.recv(100)).toString()).toBe('still plain');
      await plain.close();
      await server.close();
      await listener.close();
    });
  });
});

// ---- One server, many clients ------------------------------------------------------------

describe('many handshakes against one server', () => {
  test('50 good clients, with untrusting, plain-text and stalled clients mixed in', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      const handlerErrors: unknown[] = [];
      let served = 0;
      const sctx = serverContext();
      const server = await spawn(
        runServer,
        listener,
        async (c: Socket) => {
          const stream = c.asStream();
          const line = await stream.readline();
          await stream.write(`echo ${line.toString()}`);
          served++;
        },
        {
          ssl: sctx,
          onHandlerError: (err: unknown) => {
            handlerErrors.push(err);
          },
        },
      );
      // Stalled clients: connected, a partial ClientHello, then nothing.
      const stalled = Array.from({ length: 5 }, () => {
        const r = rawClient(port);
        r.sock.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00]));
        return r;
      });
      // Plain-text clients.
      const plain = Array.from({ length: 5 }, () => {
        const r = rawClient(port);
        r.sock.write('GET / HTTP/1.0\r\n\r\n');
        return r;
      });
      const cctx = trustingClient();
      const good: Task[] = [];
      const bad: Task[] = [];
      for (let i = 0; i < 50; i++) {
        good.push(
          await spawn(async () => {
            await using s = await openConnection('127.0.0.1', port, {
              ssl: cctx,
              serverHostname: i % 2 === 0 ? 'localhost' : '127.0.0.1',
            });
            await s.sendall(`client ${i}\n`);
            return (await s.asStream().readline()).toString();
          }),
        );
        if (i % 10 === 0) {
          bad.push(
            await spawn(async () =>
              caught(() =>
                openConnection('127.0.0.1', port, {
                  ssl: createDefaultContext(),
                  serverHostname: 'localhost',
                }),
              ),
            ),
          );
        }
      }
      for (let i = 0; i < 50; i++) expect(await good[i]!.join()).toBe(`echo client ${i}\n`);
      for (const b of bad) expect(await b.join()).toBeInstanceOf(SSLCertVerificationError);
      expect(served).toBe(50);
      await waitFor(() => plain.every((p) => p.ended()), 'the plain-text clients to be dropped');
      // The untrusting clients hang up; the server is done with them too.
      await waitFor(() => handlerErrors.length >= 5, 'the plain-text handshakes to fail');
      // Cancelling the server ends the stalled handshakes and closes their connections.
      await server.cancel();
      await waitFor(() => stalled.every((p) => p.ended()), 'the stalled clients to be dropped');
      for (const e of handlerErrors) expectWellTyped(e, 'server handshake');
      for (const p of [...stalled, ...plain]) p.sock.destroy();
    });
  });
});

// ---- Odds and ends -----------------------------------------------------------------------

describe('odds and ends', () => {
  test('sendall 2 MiB then close() at once: the peer still gets every byte, then end-of-file', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const data = randomBytes(2 * 1024 * 1024);
      const reader = await spawn(readAll, client);
      await server.sendall(data);
      await server.close();
      const got = (await reader.join()) as Buffer;
      expect(got.length).toBe(data.length);
      expect(sha(got)).toBe(sha(data));
      await client.close();
    });
  });

  test('a banner written and closed right after the handshake reaches the client', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const server = await spawn(
        runServer,
        listener,
        async (c: Socket) => {
          await c.sendall('220 ready\r\n');
        },
        { ssl: serverContext() },
      );
      for (let i = 0; i < 20; i++) {
        await using s = await openConnection('127.0.0.1', portOf(listener), {
          ssl: trustingClient(),
          serverHostname: 'localhost',
        });
        expect((await timeoutAfter(2, () => readAll(s))).toString()).toBe('220 ready\r\n');
      }
      await server.cancel();
    });
  });

  test('wrapping a socket whose peer has already half-closed: an SSLError, not a hang', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = rawClient(portOf(listener));
      const [c] = await listener.accept();
      peer.sock.end();
      expect((await c.recv(10)).length).toBe(0); // end-of-file seen before wrapping
      const err = await caught(() =>
        timeoutAfter(1, () => serverContext().wrapSocket(c, { serverSide: true })),
      );
      peer.sock.destroy();
      await listener.close();
      expect(err).not.toBeInstanceOf(TaskTimeout);
      expect(err).toBeInstanceOf(SSLError);
    });
  });

  test('wrapSocket while another task reads the socket: refused, the socket is not taken over', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const accepted = await spawn(async () => (await listener.accept())[0]);
      const plain = await openConnection('127.0.0.1', portOf(listener));
      const server = (await accepted.join()) as Socket;
      const reader = await spawn(() => server.recv(100));
      await waitFor(() => reader.state === 'READ_WAIT', 'the reader to block');
      const err = await caught(() => serverContext().wrapSocket(server, { serverSide: true }));
      expect(err).toBeInstanceOf(CurioError);
      expect(server.closed).toBe(false);
      await plain.sendall('for the reader');
      expect(((await reader.join()) as Buffer).toString()).toBe('for the reader');
      await plain.close();
      await server.close();
      await listener.close();
    });
  });

  test('cipher() and version() are null once closed, even with data still being flushed', async () => {
    await runSSL(async () => {
      const [client, server] = await tlsPair();
      const writer = await spawn(async () =>
        caught(() => client.sendall(Buffer.alloc(8 * 1024 * 1024))),
      );
      await waitFor(() => writer.state === 'WRITE_WAIT', 'the writer to block');
      await client.close();
      await writer.join();
      const after = { cipher: client.cipher(), version: client.version() };
      await server.close(); // the peer goes away: the lingering flush ends
      expect(after).toEqual({ cipher: null, version: null });
    });
  });

  test('cancelling a TLS server with connected, idle clients closes them all', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      let inHandler = 0;
      const server = await spawn(
        runServer,
        listener,
        async (c: Socket) => {
          inHandler++;
          await c.recv(100);
        },
        { ssl: serverContext() },
      );
      const clients: Socket[] = [];
      for (let i = 0; i < 10; i++) {
        clients.push(
          await openConnection('127.0.0.1', portOf(listener), {
            ssl: trustingClient(),
            serverHostname: 'localhost',
          }),
        );
      }
      await waitFor(() => inHandler === 10, 'every handler to run');
      await server.cancel();
      for (const c of clients) {
        expect((await timeoutAfter(2, () => c.recv(100))).length).toBe(0);
        await c.close();
      }
    });
  });
});
