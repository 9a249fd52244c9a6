// "A Simple Echo Server" with tcpServer(): the same echo service, each client in the server's
// task group, each client socket closed by the server when its handler ends.
import { format } from 'node:util';
import { run, sleep, spawn } from '@curio/kernel';
import { expect, test } from 'vitest';
import { echoClient, main } from '../src/tcp-echo-server.js';
import { captureOutput } from './helpers.js';
import { freePort, nc, serve, untilPrinted } from './net-helpers.js';

test('tcp-echo-server: echoes back what the client types', async () => {
  const out = captureOutput();
  await run(async () => {
    const { server, port } = await serve(echoClient);
    const session = await nc(port, ['Hello', 'Is anyone there?']);
    expect(session.replies).toEqual(['Hello\n', 'Is anyone there?\n']);
    await untilPrinted(out.lines, 'Connection closed');
    await server.cancel();
    expect(out.lines).toEqual([format('Connection from', session.addr), 'Connection closed']);
  });
});

test('tcp-echo-server: main(host, port) serves until cancelled', async () => {
  const out = captureOutput();
  const port = await freePort();
  await run(async () => {
    const server = await spawn(main, '127.0.0.1', port);
    await sleep(0); // let the server bind and listen before we connect
    const session = await nc(port, ['Hello']);
    expect(session.replies).toEqual(['Hello\n']);
    await untilPrinted(out.lines, 'Connection closed');
    await server.cancel();
  });
  expect(out.lines).toEqual([expect.stringMatching(/^Connection from/), 'Connection closed']);
});
