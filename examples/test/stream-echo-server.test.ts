// "A Stream-Based Echo Server": the client socket as a stream, read(1000) and write().
import { format } from 'node:util';
import { run } from '@curio/kernel';
import { expect, test } from 'vitest';
import { echoClient } from '../src/stream-echo-server.js';
import { captureOutput } from './helpers.js';
import { nc, serve, untilPrinted } from './net-helpers.js';

test('stream-echo-server: echoes back what the client types', async () => {
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
