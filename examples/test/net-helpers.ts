// Helpers for the network examples' tests: serve a handler on 127.0.0.1 port 0, talk to it
// the way `nc` does, and wait for a server to print something.
import { createServer } from 'node:net';
import { sleep, spawn, type Task } from '@curio/kernel';
import {
  type ClientHandler,
  type InetAddress,
  openConnection,
  runServer,
  tcpServerSocket,
} from '@curio/net';

/**
 * Serve `handler` on 127.0.0.1, port 0, in a new task — what `tcpServer(host, port,
 * handler)` does, in two steps so that the test learns the port. Cancel the task to stop.
 */
export async function serve(handler: ClientHandler): Promise<{ server: Task; port: number }> {
  const sock = tcpServerSocket('127.0.0.1', 0);
  const [, port] = sock.getsockname() as InetAddress;
  const server = await spawn(runServer, sock, handler);
  return { server, port };
}

/**
 * `nc 127.0.0.1 port`: type each line, read the reply line. Returns the client's own address
 * (as the server sees it) and the replies.
 */
export async function nc(
  port: number,
  lines: string[],
): Promise<{ addr: InetAddress; replies: string[] }> {
  await using conn = await openConnection('127.0.0.1', port);
  const s = conn.asStream();
  const replies: string[] = [];
  for (const line of lines) {
    await s.write(`${line}\n`);
    replies.push((await s.readline()).toString());
  }
  return { addr: conn.getsockname() as InetAddress, replies };
}

/** Wait (polling, at most a few real seconds) until `lines` holds `count` copies of `line`. */
export async function untilPrinted(
  lines: string[],
  line: string | RegExp,
  count = 1,
): Promise<void> {
  const matches = () =>
    lines.filter((l) => (typeof line === 'string' ? l === line : line.test(l))).length;
  for (let waited = 0; matches() < count; waited += 0.002) {
    if (waited > 5)
      throw new Error(`gave up waiting for ${String(line)}; printed so far:\n${lines.join('\n')}`);
    await sleep(0.002);
  }
}

/** A port that was free a moment ago, for programs that must bind a fixed port (restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
