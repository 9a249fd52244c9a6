// "A Managed Echo Server": a SIGHUP restarts the server; every client connected at the time
// is told 'SERVER IS GOING AWAY!' and dropped. The server runs in a child process (built with
// tsc, started by run.mjs as `pnpm example` does) and gets real signals. It restarts on the
// same port, so the test gives it a port that was free a moment ago rather than port 0.
import { beforeAll, expect, test } from 'vitest';
import { buildExamples, LineClient, runExample } from './child.js';
import { freePort } from './net-helpers.js';

beforeAll(buildExamples, 60_000);

test('managed-echo-server: SIGHUP drops every client and restarts the server', async () => {
  const port = await freePort();
  const p = runExample('managed-echo-server', '127.0.0.1', String(port));
  const clients: LineClient[] = [];
  try {
    await p.waitFor('Starting the server');
    const first = await LineClient.connect(port);
    const second = await LineClient.connect(port);
    clients.push(first, second);
    first.send('Hello\n');
    expect(await first.readline()).toBe('Hello\n');
    second.send('Is anyone there?\n');
    expect(await second.readline()).toBe('Is anyone there?\n');

    p.kill('SIGHUP'); // kill -HUP <pid>
    for (const client of [first, second]) {
      expect(await client.readline()).toBe('SERVER IS GOING AWAY!\n');
      expect(await client.readline()).toBeUndefined();
    }
    await p.waitFor('Starting the server', 2);

    // A fresh server on the same port; this client hangs up by itself.
    const third = await LineClient.connect(port);
    clients.push(third);
    third.send('Hello again\n');
    expect(await third.readline()).toBe('Hello again\n');
    await third.close();
    await p.waitFor('Connection closed');

    p.kill('SIGINT'); // Ctrl-C: the kernel cancels everything and run() fails
    const exit = await p.exited;
    expect(exit.code).not.toBe(0);
    expect(p.stderr).toMatch(/KeyboardInterrupt/);

    const from = (line: string) => line.startsWith('Connection from [');
    expect(p.lines.filter((l) => !from(l))).toEqual([
      'Starting the server',
      'Server shutting down',
      'Starting the server',
      'Connection closed',
    ]);
    expect(p.lines.filter(from)).toHaveLength(3);
    expect(p.lines[1]).toMatch(/^Connection from \[ '127\.0\.0\.1', \d+ \]$/);
    expect(p.lines.indexOf('Server shutting down')).toBe(3);
  } finally {
    for (const client of clients) await client.close();
    await p.stop();
  }
});
