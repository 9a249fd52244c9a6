// https-client.ts — "Making Connections", over TLS: the same request as http-client to port
// 443. `ssl: true` checks the server's certificate against Node's trusted authorities, and
// that it was issued for `serverHostname`.
//
//   pnpm example https-client [host] [port]     (default: www.python.org 443)
import { run } from '@curio/kernel';
import { openConnection, type SSLWrapper } from '@curio/net';
import { isMain } from './support/is-main.js';

export async function main(
  host = 'www.python.org',
  port = 443,
  ssl: SSLWrapper | true = true,
): Promise<void> {
  const chunks: Buffer[] = [];
  {
    await using sock = await openConnection(host, port, { ssl, serverHostname: host });
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
