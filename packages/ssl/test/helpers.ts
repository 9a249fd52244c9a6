// Shared helpers for the @curio/ssl tests: the certificate fixtures, a kernel per test, and
// TLS echo servers on 127.0.0.1 port 0.
import { fileURLToPath } from 'node:url';
import { run } from '@curio/kernel';
import type { InetAddress, Socket } from '@curio/net';

/**
 * Self-signed certificates for localhost / 127.0.0.1 (valid until 2126), made once with
 *   openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost \
 *     -addext subjectAltName=DNS:localhost,IP:127.0.0.1
 * (and -subj /CN=intruder for the "other" pair), kept as fixtures so that the tests never
 * need an openssl binary.
 */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const CERT = fixture('test-cert.pem');
export const KEY = fixture('test-key.pem');
export const OTHER_CERT = fixture('other-cert.pem');
export const OTHER_KEY = fixture('other-key.pem');

/** Run `fn` as the main task of a fresh kernel (SIGINT left to Node). */
export const runSSL = <R>(fn: () => Promise<R>): Promise<R> => run({ signals: 'default' }, fn);

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
