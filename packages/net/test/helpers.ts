// Shared helpers for the @curio/net tests. Every server binds 127.0.0.1 (or ::1) on port 0;
// every test runs its own kernel with the real clock and short delays (<= 0.2 s).
import net from 'node:net';
import { run } from '@curio/kernel';
import type { InetAddress, Socket } from '@curio/net';

/** Run `fn` as the main task of a fresh kernel (SIGINT left to Node). */
export const runNet = <R>(fn: () => Promise<R>): Promise<R> => run({ signals: 'default' }, fn);

/** The port a socket is bound to. */
export const portOf = (sock: Socket): number => (sock.getsockname() as InetAddress)[1];

/** What `fn` threw (fails the test if it did not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound once, then released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** True when this machine can listen on ::1 (some containers have no IPv6). */
export function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
