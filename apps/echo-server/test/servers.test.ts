// The four servers in-process, each driven by real TCP clients on 127.0.0.1 (port 0).
// (The SIGHUP restart of the managed server runs in a child process: process.test.ts.)
import net from 'node:net';
import { awaitPromise, sleep, spawn, timeoutAfter } from '@curio/kernel';
import { openConnection, type Socket } from '@curio/net';
import { describe, expect, test } from 'vitest';
import {
  GOING_AWAY,
  managedEchoServer,
  rawEchoServer,
  streamEchoServer,
  tcpEchoServer,
} from '../src/servers.js';
import { Lines, runApp } from './helpers.js';

async function roundTrip(sock: Socket, text: string): Promise<string> {
  await sock.sendall(text);
  let got = '';
  while (got.length < text.length) {
    const data = await sock.recv(1000);
    if (data.length === 0) break;
    got += data.toString();
  }
  return got;
}

/** A plain node:net client: send, half-close, collect everything until the server closes. */
function nodeClient(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => c.end(text));
    let got = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (got += d));
    c.on('end', () => {
      c.destroy();
      resolve(got);
    });
    c.on('error', reject);
  });
}

describe('echo servers', () => {
  test('raw: socket, accept loop and one daemon per client', async () => {
    const out = new Lines();
    await runApp(async () => {
      const server = await spawn(rawEchoServer, '127.0.0.1', 0, { log: out.log });
      const port = await out.port();
      const a = await openConnection('127.0.0.1', port);
      const b = await openConnection('127.0.0.1', port);
      expect(await roundTrip(a, 'Hello\n')).toBe('Hello\n');
      expect(await roundTrip(b, 'Is anyone there?\n')).toBe('Is anyone there?\n');
      await a.close();
      await out.waitFor(/^Connection closed$/);
      // Cancelling the server closes the listening socket; daemon clients keep going.
      await server.cancel();
      expect(await roundTrip(b, 'still here\n')).toBe('still here\n');
      await b.close();
      await out.waitFor(/^Connection closed$/, 2);
      expect(
        await timeoutAfter(1, () =>
          awaitPromise(nodeClient(port, 'x').catch((e: { code: string }) => e.code)),
        ),
      ).toBe('ECONNREFUSED');
    });
    expect(out.lines[0]).toMatch(/^Server listening at 127\.0\.0\.1:\d+$/);
    expect(out.lines.filter((l) => l.startsWith('Connection from 127.0.0.1:'))).toHaveLength(2);
  });

  test('tcp: tcpServer echoes bytes and closes each client when it is done', async () => {
    const out = new Lines();
    await runApp(async () => {
      const server = await spawn(tcpEchoServer, '127.0.0.1', 0, { log: out.log });
      const port = await out.port();
      const sock = await openConnection('127.0.0.1', port);
      expect(await roundTrip(sock, 'no newline needed')).toBe('no newline needed');
      const big = 'z'.repeat(200_000);
      expect(await roundTrip(sock, big)).toBe(big);
      await sock.close();
      expect(await awaitPromise(nodeClient(port, 'from node:net'))).toBe('from node:net');
      await out.waitFor(/^Connection closed$/, 2);
      await server.cancel();
    });
    expect(out.lines.filter((l) => l === 'Connection closed')).toHaveLength(2);
  });

  test('stream: lines are echoed whole, as they complete', async () => {
    const out = new Lines();
    await runApp(async () => {
      const server = await spawn(streamEchoServer, '127.0.0.1', 0, { log: out.log });
      const port = await out.port();
      const sock = await openConnection('127.0.0.1', port);
      const s = sock.asStream();
      await s.write('first line\nsecond ');
      expect((await s.readline()).toString()).toBe('first line\n');
      await sleep(0.05);
      await s.write('line\n');
      expect((await s.readline()).toString()).toBe('second line\n');
      await sock.close();
      // At end-of-file the unfinished last line comes through too (Curio's readline).
      expect(await awaitPromise(nodeClient(port, 'a\nb\nno end'))).toBe('a\nb\nno end');
      await out.waitFor(/^Connection closed$/, 2);
      await server.cancel();
    });
  });

  test('managed: cancelling the server tells every client it is going away', async () => {
    const out = new Lines();
    await runApp(async () => {
      const server = await spawn(managedEchoServer, '127.0.0.1', 0, { log: out.log });
      const port = await out.port();
      const clients = [
        await openConnection('127.0.0.1', port),
        await openConnection('127.0.0.1', port),
      ];
      for (const c of clients) expect(await roundTrip(c, 'ping\n')).toBe('ping\n');
      await server.cancel();
      for (const c of clients) {
        expect((await c.asStream().readall()).toString()).toBe(GOING_AWAY);
        await c.close();
      }
    });
    expect(out.lines[0]).toBe('Starting the server');
    expect(out.lines).not.toContain('Connection closed'); // they were cut off, not closed
  });
});
