/**
 * The four echo servers by name.
 * @module
 */
import type { Mode } from './cli.js';
import type { EchoOptions } from './log.js';
import { managedEchoServer } from './managed-server.js';
import { rawEchoServer } from './raw-server.js';
import { streamEchoServer } from './stream-server.js';
import { tcpEchoServer } from './tcp-server.js';

/** A server: runs until cancelled. */
export type EchoServer = (host: string, port: number, options?: EchoOptions) => Promise<void>;

/** The server for each mode. */
export const SERVERS: Readonly<Record<Mode, EchoServer>> = {
  raw: rawEchoServer,
  tcp: tcpEchoServer,
  stream: streamEchoServer,
  managed: managedEchoServer,
};

export { GOING_AWAY, managedEchoServer } from './managed-server.js';
export { rawEchoServer } from './raw-server.js';
export { streamEchoServer } from './stream-server.js';
export { tcpEchoServer } from './tcp-server.js';
