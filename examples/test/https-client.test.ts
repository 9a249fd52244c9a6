// "Making Connections" over TLS: the client checks the server's certificate and name, then
// prints the raw response. The test plays www.python.org with a local node:https server whose
// self-signed certificate the client is told to trust.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import { run } from '@curio/kernel';
import { createDefaultContext, SSLCertVerificationError } from '@curio/ssl';
import { expect, test } from 'vitest';
import { main } from '../src/https-client.js';
import { captureOutput } from './helpers.js';

const CERTFILE = fileURLToPath(new URL('../certs/ssl_test.crt', import.meta.url));
const KEYFILE = fileURLToPath(new URL('../certs/ssl_test_rsa', import.meta.url));

async function withServer(fn: (port: number, requests: IncomingMessage[]) => Promise<void>) {
  const requests: IncomingMessage[] = [];
  const server = createServer(
    { cert: readFileSync(CERTFILE), key: readFileSync(KEYFILE) },
    (req, res) => {
      requests.push(req);
      res.sendDate = false;
      res.writeHead(200, 'OK', ['Content-Type', 'text/html', 'Connection', 'close']);
      res.end('<!doctype html>\n');
    },
  );
  server.on('tlsClientError', () => {}); // the refused handshake below
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as { port: number }).port, requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('https-client: checks the certificate, then prints the response', async () => {
  await withServer(async (port, requests) => {
    const out = captureOutput();
    const trusting = createDefaultContext(undefined, { cafile: CERTFILE });
    await run(main, '127.0.0.1', port, trusting);
    expect(out.lines.map((l) => l.replace(/\r$/, ''))).toEqual([
      'HTTP/1.1 200 OK',
      'Content-Type: text/html',
      'Connection: close',
      '',
      '<!doctype html>',
      '',
    ]);
    expect(requests.map((r) => [r.method, r.url, r.httpVersion, r.headers.host])).toEqual([
      ['GET', '/', '1.0', '127.0.0.1'],
    ]);
  });
});

test("https-client: with ssl: true, a certificate Node's authorities do not vouch for is refused", async () => {
  await withServer(async (port, requests) => {
    const out = captureOutput();
    await expect(run(main, '127.0.0.1', port)).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    // And through an SSLContext, the same refusal is typed.
    await expect(run(main, '127.0.0.1', port, createDefaultContext())).rejects.toBeInstanceOf(
      SSLCertVerificationError,
    );
    expect(out.lines).toEqual([]);
    expect(requests).toEqual([]);
  });
});
