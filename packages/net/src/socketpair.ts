/**
 * `socketpair()`: two connected stream sockets, as Python's `socket.socketpair()` — over a
 * Unix socket (an abstract one on Linux, nothing on disk), or TCP on 127.0.0.1 on Windows.
 * @module
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitPromise } from '@curio/kernel';
import { AF_INET, AF_UNIX } from './constants.js';
import { writeChannelFor } from './internal/channels.js';
import { Socket } from './socket.js';

function rendezvous(): string | undefined {
  const name = `curio-socketpair-${process.pid}-${randomBytes(6).toString('hex')}`;
  if (process.platform === 'linux') return `\0${name}`;
  if (process.platform === 'win32') return undefined;
  return join(tmpdir(), `${name}.sock`);
}

/**
 * Two connected stream sockets: what one sends the other receives. A cancellation point.
 * @example
 * const [a, b] = await socketpair();
 * await a.sendall('ping');
 * console.log((await b.recv(100)).toString()); // ping
 */
export async function socketpair(): Promise<[Socket, Socket]> {
  const path = rendezvous();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  let accepted: net.Socket | undefined;
  let connected: net.Socket | undefined;
  const both = new Promise<void>((resolve, reject) => {
    let pending = 2;
    const done = () => {
      if (--pending === 0) resolve();
    };
    server.once('connection', (conn) => {
      accepted = conn;
      writeChannelFor(conn);
      done();
    });
    server.once('error', reject);
    const start = () => {
      const address = server.address();
      const target =
        typeof address === 'object' && address !== null
          ? { host: '127.0.0.1', port: address.port }
          : { path: path! };
      connected = net.connect({ ...target, allowHalfOpen: true });
      writeChannelFor(connected);
      connected.once('connect', done);
      connected.once('error', reject);
    };
    if (path === undefined) server.listen(0, '127.0.0.1', start);
    else {
      server.listen(path);
      start();
    }
  });
  try {
    await awaitPromise(both);
  } catch (err) {
    // Cancelled or failed: nothing may outlive the call.
    both.then(
      () => {
        accepted?.destroy();
        connected?.destroy();
      },
      () => {
        accepted?.destroy();
        connected?.destroy();
      },
    );
    accepted?.destroy();
    connected?.destroy();
    throw err;
  } finally {
    server.close();
  }
  const family = path === undefined ? AF_INET : AF_UNIX;
  return [
    new Socket(accepted!, { family }),
    new Socket(connected!, { family, peerPath: path === undefined ? undefined : '' }),
  ];
}
