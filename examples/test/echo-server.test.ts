// "A Simple Echo Server": the socket-level echo server echoes what each client types, serving
// several clients at once.
import { format } from 'node:util';
import { run, spawn, withTaskGroup } from '@curio/kernel';
import { expect, test } from 'vitest';
import { main } from '../src/echo-server.js';
import { captureOutput } from './helpers.js';
import { nc, untilPrinted } from './net-helpers.js';

type Session = Awaited<ReturnType<typeof nc>>;

test('echo-server: echoes back what each of several clients types', async () => {
  const out = captureOutput();
  await run(async () => {
    const server = await spawn(main, ['127.0.0.1', 0]);
    await untilPrinted(out.lines, /^Server listening at/);
    const port = Number(/(\d+) \]$/.exec(out.lines[0]!)![1]);
    expect(out.lines).toEqual([format('Server listening at', ['127.0.0.1', port])]);

    // bash % nc localhost 25000   (in two terminals at once: two tasks)
    const sessions = await withTaskGroup<Session>(async (g) => {
      await g.spawn(nc, port, ['Hello', 'Is anyone there?']);
      await g.spawn(nc, port, ['Hello', 'Is anyone there?']);
    });
    const [first, second] = sessions.results;
    for (const session of [first, second]) {
      expect(session.replies).toEqual(['Hello\n', 'Is anyone there?\n']);
    }
    await untilPrinted(out.lines, 'Connection closed', 2);
    await server.cancel();

    expect(out.lines.slice(1).sort()).toEqual(
      [
        format('Connection from', first.addr),
        format('Connection from', second.addr),
        'Connection closed',
        'Connection closed',
      ].sort(),
    );
    expect(out.lines.indexOf(format('Connection from', first.addr))).toBeLessThan(
      out.lines.lastIndexOf('Connection closed'),
    );
  });
});
