// http-client.ts — "Making Connections": openConnection() to a web server, an HTTP/1.0
// request by hand, and the whole response read until the server closes the connection.
//
//   pnpm example http-client [host] [port]      (default: www.python.org 80)
import { run } from '@curio/kernel';
import { openConnection } from '@curio/net';
import { isMain } from './support/is-main.js';

export async function main(host = 'www.python.org', port = 80): Promise<void> {
  const chunks: Buffer[] = [];
  {
    await using sock = await openConnection(host, port);
    await sock.sendall(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    while (true) {
      const chunk = await sock.recv(10000);
      if (chunk.length === 0) {
        break;
      }
      chunks.push(chunk);
    }
  }

  const response = Buffer.concat(chunks);
  console.log(response.toString('latin1'));
}

if (isMain(import.meta)) {
  const [host, port] = process.argv.slice(2);
  await run(main, host, port === undefined ? undefined : Number(port));
}
