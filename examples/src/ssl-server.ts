// ssl-server.ts — "An SSL Server": tcpServer() with an SSLContext holding a certificate and
// its key. Each client reads a request's lines up to the blank one and gets a short page.
// Point a browser at https://localhost:10000 (it warns first: the certificate is self-signed).
//
//   pnpm example ssl-server [host] [port]       (default: every interface, port 10000)
import { fileURLToPath } from 'node:url';
import { run } from '@curio/kernel';
import { type Socket, type SocketAddress, tcpServer } from '@curio/net';
import { createDefaultContext, Purpose, type SSLContext } from '@curio/ssl';
import { isMain } from './support/is-main.js';

const KEYFILE = fileURLToPath(new URL('../certs/ssl_test_rsa', import.meta.url)); // Private key
// Certificate (self-signed)
const CERTFILE = fileURLToPath(new URL('../certs/ssl_test.crt', import.meta.url));

/** Python's time.asctime(): 'Sun Nov 22 11:30:00 2026' (the day padded to two), local time. */
function asctime(date = new Date()): string {
  const day = date.toLocaleDateString('en-US', { weekday: 'short' });
  const month = date.toLocaleDateString('en-US', { month: 'short' });
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day} ${month} ${String(date.getDate()).padStart(2)} ${time} ${date.getFullYear()}`;
}

export async function handler(client: Socket, _addr: SocketAddress): Promise<void> {
  const s = client.asStream();
  for await (const raw of s) {
    const line = raw.toString('latin1').trim();
    if (!line) {
      break;
    }
    console.log(line);
  }

  await s.write(
    "HTTP/1.0 200 OK\r\nContent-type: text/plain\r\n\r\nIf you're seeing this, it probably worked. Yay!\n",
  );
  await s.write(asctime());
  await client.close();
}

export function serverContext(): SSLContext {
  const sslContext = createDefaultContext(Purpose.CLIENT_AUTH);
  sslContext.loadCertChain(CERTFILE, KEYFILE);
  return sslContext;
}

export async function main(host = '', port = 10000): Promise<void> {
  const sslContext = serverContext();
  console.log(`Connect to https://localhost:${port} to see if it works`);
  await tcpServer(host, port, handler, { ssl: sslContext });
}

if (isMain(import.meta)) {
  const [host = '', port = '10000'] = process.argv.slice(2);
  await run(main, host, Number(port));
}
