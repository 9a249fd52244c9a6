/**
 * The tutorial's managed echo server: the line echo server runs as a task, and each SIGHUP
 * cancels it — every client is told `SERVER IS GOING AWAY!` and dropped — and starts it
 * afresh on the same address.
 * @module
 */
import { CancelledError, spawn } from '@curio/kernel';
import {
  type InetAddress,
  runServer,
  type Socket,
  type SocketAddress,
  tcpServerSocket,
} from '@curio/net';
import { SignalQueue } from '@curio/sync';
import { formatAddressForLog } from './address.js';
import { type EchoOptions, logOf } from './log.js';

/** What a client is told when the server restarts or stops. */
export const GOING_AWAY = 'SERVER IS GOING AWAY!\n';

/** Restart on every SIGHUP; runs until cancelled (Ctrl-C). */
export async function managedEchoServer(
  host: string,
  port: number,
  options: EchoOptions = {},
): Promise<void> {
  const log = logOf(options);
  await using restart = new SignalQueue('SIGHUP');
  for (;;) {
    log('Starting the server');
    const sock = tcpServerSocket(host, port);
    // A restart keeps the address, even when the first start picked a free port.
    port = (sock.getsockname() as InetAddress)[1];
    log(`Server listening at ${formatAddressForLog(sock.getsockname())}`);
    const server = await spawn(runServer, sock, (client: Socket, addr: SocketAddress) =>
      echoClient(client, addr, options),
    );
    try {
      await restart.get();
      log('Server shutting down');
    } finally {
      await server.cancel(); // also when this task itself is cancelled
    }
  }
}

/** Line echo; when cancelled, say goodbye first. */
async function echoClient(
  client: Socket,
  addr: SocketAddress,
  options: EchoOptions,
): Promise<void> {
  const log = logOf(options);
  log(`Connection from ${formatAddressForLog(addr)}`);
  const s = client.asStream();
  try {
    for await (const line of s) await s.write(line);
  } catch (err) {
    if (err instanceof CancelledError) await s.write(GOING_AWAY);
    throw err;
  }
  log('Connection closed');
}
