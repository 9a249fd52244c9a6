/**
 * The tutorial's stream-based echo server: the socket as a file-like stream, echoed line by
 * line with `for await`.
 * @module
 */
import { runServer, type Socket, type SocketAddress, tcpServerSocket } from '@curio/net';
import { formatAddressForLog } from './address.js';
import { type EchoOptions, logOf } from './log.js';

/** Serve forever on `host`, `port`, echoing each line back. */
export async function streamEchoServer(
  host: string,
  port: number,
  options: EchoOptions = {},
): Promise<void> {
  const log = logOf(options);
  const sock = tcpServerSocket(host, port);
  log(`Server listening at ${formatAddressForLog(sock.getsockname())}`);
  await runServer(sock, (client: Socket, addr: SocketAddress) => echoLines(client, addr, options));
}

/** `async for line in s: await s.write(line)`. */
async function echoLines(client: Socket, addr: SocketAddress, options: EchoOptions): Promise<void> {
  const log = logOf(options);
  log(`Connection from ${formatAddressForLog(addr)}`);
  const s = client.asStream();
  for await (const line of s) await s.write(line);
  log('Connection closed');
}
