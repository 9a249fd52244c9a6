// line-echo-server.ts — "A Stream-Based Echo Server", line by line: `for await` over a
// stream gives one line at a time (handy for reading HTTP headers and the like).
//
//   pnpm example line-echo-server [host] [port]
import { run } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { isMain } from './support/is-main.js';

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  const s = client.asStream();
  for await (const line of s) {
    await s.write(line);
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
