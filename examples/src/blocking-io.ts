// blocking-io.ts — "Blocking I/O": lend a curio socket's underlying net.Socket to existing
// Node code that knows nothing about curio, then take it back.
//
//   pnpm example blocking-io [host] [port]

import type { Socket as NodeSocket } from 'node:net';
import { awaitPromise, run } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { isMain } from './support/is-main.js';

// Existing Node code: writes with a callback, resolves once the data is handed to the OS.
export function legacySendall(sock: NodeSocket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  while (true) {
    const data = await client.recv(1000);
    if (data.length === 0) {
      break;
    }

    // Temporarily lend the socket to plain Node code
    {
      using lease = client.blocking();
      await awaitPromise(legacySendall(lease.socket, data));
    }
  }
  console.log('Connection closed');
}

export async function main(host = '', port = 25000): Promise<void> {
  await tcpServer(host, port, echoClient);
}

if (isMain(import.meta)) {
  const [host = '', port = '25000'] = process.argv.slice(2);
  await run(tcpServer, host, Number(port), echoClient);
}
