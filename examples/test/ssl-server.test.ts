// "An SSL Server": a client speaking HTTPS gets the page; the server prints the request's
// lines. The client trusts the example's self-signed certificate.
import { fileURLToPath } from 'node:url';
import { run, sleep, spawn } from '@curio/kernel';
import { openConnection } from '@curio/net';
import { createDefaultContext, type SSLSocket } from '@curio/ssl';
import { expect, test } from 'vitest';
import { main } from '../src/ssl-server.js';
import { captureOutput } from './helpers.js';
import { freePort, untilPrinted } from './net-helpers.js';

const CERTFILE = fileURLToPath(new URL('../certs/ssl_test.crt', import.meta.url));

test('ssl-server: serves a page over TLS and prints the request', async () => {
  const out = captureOutput();
  const port = await freePort();
  await run(async () => {
    const server = await spawn(main, '127.0.0.1', port);
    await sleep(0); // let the server bind and listen before we connect
    const chunks: Buffer[] = [];
    {
      await using sock = await openConnection('127.0.0.1', port, {
        ssl: createDefaultContext(undefined, { cafile: CERTFILE }),
        serverHostname: 'localhost',
      });
      expect((sock as SSLSocket).getpeercert()?.subject.CN).toBe('localhost');
      await sock.sendall('GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n');
      while (true) {
        const chunk = await sock.recv(10000);
        if (chunk.length === 0) break;
        chunks.push(chunk);
      }
    }
    const page = Buffer.concat(chunks).toString('latin1');
    expect(page).toMatch(
      /^HTTP\/1\.0 200 OK\r\nContent-type: text\/plain\r\n\r\nIf you're seeing this, it probably worked\. Yay!\n[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/,
    );
    await untilPrinted(out.lines, 'User-Agent: test');
    await server.cancel();
  });
  expect(out.lines).toEqual([
    `Connect to https://localhost:${port} to see if it works`,
    'GET / HTTP/1.1',
    'Host: localhost',
    'User-Agent: test',
  ]);
});
