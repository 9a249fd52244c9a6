/**
 * The tutorial's `tcp_server` echo server: the library sets up the listening socket, runs
 * each client in a task group and closes the client socket when the handler returns.
 * @module
 */
import { runServer, type Socket, type SocketAddress, tcpServerSocket } from '@curio/net';
import { formatAddressForLog } from './address.js';
import { type EchoOptions, logOf } from './log.js';

/**
 * Serve forever on `host`, `port` with `tcpServer`'s machinery. (`tcpServer(host, port,
 * echoClient)` is the same thing; the socket is made here only to print the port chosen
 * when `port` is 0.)
 */
export async function tcpEchoServer(
  host: string,
  port: number,
  options: EchoOptions = {},
): Promise<void> {
  const log = logOf(options);
  const sock = tcpServerSocket(host, port);
  log(`Server listening at ${formatAddressForLog(sock.getsockname())}`);
  await runServer(sock, (client: Socket, addr: SocketAddress) => echoClient(client, addr, options));
}

/** Echo with `recv`/`sendall` until the client closes. */
async function echoClient(
  client: Socket,
  addr: SocketAddress,
  options: EchoOptions,
): Promise<void> {
  const log = logOf(options);
  log(`Connection from ${formatAddressForLog(addr)}`);
  for (;;) {
    const data = await client.recv(1000);
    if (data.length === 0) break;
    await client.sendall(data);
  }
  log('Connection closed');
}
