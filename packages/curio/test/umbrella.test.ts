import net from 'node:net';
import process from 'node:process';
import * as kernel from '@curio/kernel';
import * as monitorPkg from '@curio/monitor';
import * as netPkg from '@curio/net';
import * as ssl from '@curio/ssl';
import * as subprocess from '@curio/subprocess';
import * as sync from '@curio/sync';
import * as workers from '@curio/workers';
import * as curio from 'curio';
import { expect, test } from 'vitest';

test('the umbrella re-exports every name of the kernel, sync, net, ssl, workers and monitor packages', () => {
  for (const pkg of [kernel, sync, netPkg, ssl, workers, monitorPkg]) {
    for (const [name, value] of Object.entries(pkg)) {
      // run is the kernel's with withMonitor (tested below).
      if (name === 'run') continue;
      expect((curio as Record<string, unknown>)[name], name).toBe(value);
    }
  }
});

test('the umbrella has @curio/subprocess as the namespace subprocess', () => {
  for (const [name, value] of Object.entries(subprocess)) {
    expect((curio.subprocess as Record<string, unknown>)[name], name).toBe(value);
  }
  // Not mixed into the top level: run stays the kernel's (with withMonitor).
  expect(curio.subprocess.run).not.toBe(curio.run);
});

test('a program can be written against the umbrella alone', async () => {
  const { run, spawn, Queue, MockClock, sleep } = curio;
  const got = await run({ clock: new MockClock({ autojump: true }) }, async () => {
    const q = new Queue<number>();
    const producer = await spawn(async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(1);
        await q.put(i);
      }
    });
    const items = [await q.get(), await q.get(), await q.get()];
    await producer.join();
    return items;
  });
  expect(got).toEqual([0, 1, 2]);
});

/** A port nothing listens on (bound once, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** From inside a task: the monitor's banner at 127.0.0.1:port, or the connection error. */
async function banner(port: number, attempts = 200): Promise<string> {
  for (let i = 0; ; i++) {
    const got = await curio.awaitPromise(
      new Promise<string | Error>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        let text = '';
        sock.setEncoding('latin1');
        sock.on('data', (d: string) => {
          text += d;
          if (text.endsWith('curio > ')) {
            sock.destroy();
            resolve(text);
          }
        });
        sock.on('error', (err) => resolve(err));
      }),
    );
    if (typeof got === 'string' || i >= attempts)
      return typeof got === 'string' ? got : got.message;
    await curio.sleep(0.005); // the monitor's thread is still starting
  }
}

test('run({ withMonitor }) serves the monitor while the run lasts', async () => {
  const port = await freePort();
  const text = await curio.run({ withMonitor: { port }, signals: 'default' }, () => banner(port));
  expect(text).toBe('\nCurio Monitor: 1 tasks running\nType help for commands\ncurio > ');
});

test('CURIOMONITOR=host:port does the same; without it there is no monitor', async () => {
  const port = await freePort();
  process.env.CURIOMONITOR = `127.0.0.1:${port}`;
  try {
    const text = await curio.run({ signals: 'default' }, () => banner(port));
    expect(text).toMatch(/^\nCurio Monitor: 1 tasks running\n/);
  } finally {
    delete process.env.CURIOMONITOR;
  }
  const refused = await curio.run({ signals: 'default' }, () => banner(port, 0));
  expect(refused).toMatch(/ECONNREFUSED/);
});
