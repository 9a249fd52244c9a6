// managed-echo-server.ts — "A Managed Echo Server": a line echo server that restarts on
// SIGHUP. Cancelling the server cancels every connected client, and each tells its client
// the server is going away.
//
//   pnpm example managed-echo-server [host] [port]   (then: kill -HUP <pid>)
import { CancelledError, run, spawn } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { SignalQueue } from '@curio/sync';
import { isMain } from './support/is-main.js';

export async function echoClient(client: Socket, addr: SocketAddress): Promise<void> {
  console.log('Connection from', addr);
  const s = client.asStream();
  try {
    for await (const line of s) {
      await s.write(line);
    }
  } catch (err) {
    if (err instanceof CancelledError) {
      await s.write('SERVER IS GOING AWAY!\n');
    }
    throw err;
  }
  console.log('Connection closed');
}

export async function main(host = '', port = 25000): Promise<void> {
  await using restart = new SignalQueue('SIGHUP');
  while (true) {
    console.log('Starting the server');
    const servTask = await spawn(tcpServer, host, port, echoClient);
    await restart.get();
    console.log('Server shutting down');
    await servTask.cancel();
  }
}

if (isMain(import.meta)) {
  const [host = '', port = '25000'] = process.argv.slice(2);
  await run(main, host, Number(port));
}
