// tcp-echo-server.ts — "A Simple Echo Server", the short way: tcpServer() creates, binds and
// listens on the server socket, runs each client in a task group, and closes each client
// socket when its handler ends.
//
//   pnpm example tcp-echo-server [host] [port]  (default: every interface, port 25000)
import { run } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { isMain } from './support/is-main.js';

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  while (true) {
    const data = await client.recv(1000);
    if (data.length === 0) {
      break;
    }
    await client.sendall(data);
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
