/**
 * The tutorial's first echo server ("A Small Taste"): a socket made by hand, an accept loop,
 * and one daemon task per client.
 * @module
 */
import { spawn } from '@curio/kernel';
import {
  AF_INET,
  AF_INET6,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type Socket,
  type SocketAddress,
  socket,
} from '@curio/net';
import { formatAddressForLog } from './address.js';
import { type EchoOptions, logOf } from './log.js';

/**
 * Serve forever on `host`, `port` (0 picks a free port): `socket`, `bind`, `listen`, then
 * `accept` in a loop, spawning `echoClient` as a daemon for each connection.
 */
export async function rawEchoServer(
  host: string,
  port: number,
  options: EchoOptions = {},
): Promise<void> {
  const log = logOf(options);
  const sock = socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_STREAM);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.bind([host, port]);
  sock.listen(5);
  log(`Server listening at ${formatAddressForLog(sock.getsockname())}`);
  await using _listening = sock;
  for (;;) {
    const [client, addr] = await sock.accept();
    await spawn({ daemon: true }, echoClient, client, addr, options);
  }
}

/** Echo what the client sends until it closes; the socket is closed at block exit. */
async function echoClient(
  client: Socket,
  addr: SocketAddress,
  options: EchoOptions,
): Promise<void> {
  const log = logOf(options);
  log(`Connection from ${formatAddressForLog(addr)}`);
  {
    await using _client = client;
    for (;;) {
      const data = await client.recv(1000);
      if (data.length === 0) break;
      await client.sendall(data);
    }
  }
  log('Connection closed');
}
