// "A Stream-Based Echo Server", line by line: `for await (const line of stream)` hands over
// complete lines only.
import { format } from 'node:util';
import { run, sleep } from '@curio/kernel';
import { type InetAddress, openConnection } from '@curio/net';
import { expect, test } from 'vitest';
import { echoClient } from '../src/line-echo-server.js';
import { captureOutput } from './helpers.js';
import { nc, serve, untilPrinted } from './net-helpers.js';

test('line-echo-server: echoes back each line the client types', async () => {
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

test('line-echo-server: a line is echoed only once it is complete', async () => {
  captureOutput();
  await run(async () => {
    const { server, port } = await serve(echoClient);
    {
      await using conn = await openConnection('127.0.0.1', port);
      await conn.sendall('Hel');
      await sleep(0.05);
      await conn.sendall('lo\nIs anyone');
      const s = conn.asStream();
      expect((await s.readline()).toString()).toBe('Hello\n');
      await conn.sendall(' there?\n');
      expect((await s.readline()).toString()).toBe('Is anyone there?\n');
      expect((conn.getsockname() as InetAddress)[0]).toBe('127.0.0.1');
    }
    await server.cancel();
  });
});
