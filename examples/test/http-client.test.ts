// "Making Connections": the client prints the raw HTTP response. The test plays
// www.python.org with a local node:http server answering as it did in the tutorial.
import { createServer, type IncomingMessage } from 'node:http';
import { run } from '@curio/kernel';
import { expect, test } from 'vitest';
import { main } from '../src/http-client.js';
import { captureOutput, transcript } from './helpers.js';

const RESPONSE_HEADERS = [
  ['Server', 'Varnish'],
  ['Retry-After', '0'],
  ['Location', 'https://www.python.org/'],
  ['Content-Length', '0'],
  ['Accept-Ranges', 'bytes'],
  ['Date', 'Fri, 30 Oct 2015 17:33:34 GMT'],
  ['Via', '1.1 varnish'],
  ['Connection', 'close'],
  ['X-Served-By', 'cache-dfw1826-DFW'],
  ['X-Cache', 'HIT'],
  ['X-Cache-Hits', '0'],
  ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains'],
];

test('http-client: prints the response, status line and headers', async () => {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    res.sendDate = false;
    res.writeHead(301, 'Moved Permanently', RESPONSE_HEADERS.flat());
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const out = captureOutput();
    await run(main, '127.0.0.1', port);
    // The response ends with an empty line (\r\n\r\n); print() adds the last newline.
    expect(out.lines.map((l) => l.replace(/\r$/, ''))).toEqual([
      ...transcript(`
HTTP/1.1 301 Moved Permanently
Server: Varnish
Retry-After: 0
Location: https://www.python.org/
Content-Length: 0
Accept-Ranges: bytes
Date: Fri, 30 Oct 2015 17:33:34 GMT
Via: 1.1 varnish
Connection: close
X-Served-By: cache-dfw1826-DFW
X-Cache: HIT
X-Cache-Hits: 0
Strict-Transport-Security: max-age=63072000; includeSubDomains
`),
      '',
      '',
    ]);
    expect(requests.map((r) => [r.method, r.url, r.httpVersion, r.headers.host])).toEqual([
      ['GET', '/', '1.0', '127.0.0.1'],
    ]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
