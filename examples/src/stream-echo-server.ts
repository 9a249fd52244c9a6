// stream-echo-server.ts — "A Stream-Based Echo Server": the client socket wrapped in a
// file-like stream, read and written with read() and write().
//
//   pnpm example stream-echo-server [host] [port]
import { run } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { isMain } from './support/is-main.js';

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  const s = client.asStream();
  while (true) {
    const data = await s.read(1000);
    if (data.length === 0) {
      break;
    }
    await s.write(data);
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
