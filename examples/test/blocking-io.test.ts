// "Blocking I/O": the handler lends its socket to plain Node code to send each reply, and
// takes it back to read the next message.
import { format } from 'node:util';
import { run } from '@curio/kernel';
import { expect, test } from 'vitest';
import { echoClient } from '../src/blocking-io.js';
import { captureOutput } from './helpers.js';
import { nc, serve, untilPrinted } from './net-helpers.js';

test('blocking-io: replies go out through the lent net.Socket', async () => {
  const out = captureOutput();
  await run(async () => {
    const { server, port } = await serve(echoClient);
    const session = await nc(port, ['Hello', 'Is anyone there?', 'Still here']);
    expect(session.replies).toEqual(['Hello\n', 'Is anyone there?\n', 'Still here\n']);
    await untilPrinted(out.lines, 'Connection closed');
    await server.cancel();
    expect(out.lines).toEqual([format('Connection from', session.addr), 'Connection closed']);
  });
});
