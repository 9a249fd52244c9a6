// Open a connection with node:net and wait for it (WRITE_WAIT, as Curio waits to connect).
// A cancelled or failed attempt destroys the half-open socket: no trace is left.
import net from 'node:net';
import { writeChannelFor } from './channels.js';
import { waitEvent } from './event-wait.js';

/** Connect and resolve to the connected `net.Socket` (half-open allowed, as Python's sockets). */
export async function dial(options: net.NetConnectOpts): Promise<net.Socket> {
  const conn = net.connect({ ...options, allowHalfOpen: true });
  // Listen for 'error' from the start: between 'connect' and the caller wrapping the socket
  // an error must not go unhandled.
  writeChannelFor(conn);
  await waitEvent(conn, 'connect', 'WRITE_WAIT', () => conn.destroy());
  return conn;
}
