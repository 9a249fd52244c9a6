// echo-server.ts — "A Small Taste" and "A Simple Echo Server": an echo server written
// directly with sockets. Each client is served by its own task; no threads.
//
//   pnpm example echo-server [host] [port]      (default: every interface, port 25000)
//   nc localhost 25000
import { run, spawn } from '@curio/kernel';
import {
  AF_INET,
  type InetAddress,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type Socket,
  type SocketAddress,
  socket,
} from '@curio/net';
import { isMain } from './support/is-main.js';

export async function echoServer(address: InetAddress): Promise<void> {
  await using sock = socket(AF_INET, SOCK_STREAM);
  sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sock.bind(address);
  sock.listen(5);
  console.log('Server listening at', sock.getsockname());
  while (true) {
    const [client, addr] = await sock.accept();
    await spawn({ daemon: true }, echoClient, client, addr);
  }
}

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  {
    await using _ = client;
    while (true) {
      const data = await client.recv(1000);
      if (data.length === 0) {
        break;
      }
      await client.sendall(data);
    }
  }
  console.log('Connection closed');
}

export const main = echoServer;

if (isMain(import.meta)) {
  const [host = '', port = '25000'] = process.argv.slice(2);
  await run(echoServer, [host, Number(port)]);
}
