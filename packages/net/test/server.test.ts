// Port of Curio 1.6 tests/test_network.py (same tests, same orderings), then the server
// behaviours the issue asks for: handler crashes stay local, finished handlers are reaped,
// cancelling the server cancels every client, EADDRINUSE surfaces in the task.
//
// Servers run on port 0 (`runServer(tcpServerSocket('127.0.0.1', 0), handler)`), Unix
// servers under os.tmpdir(). The SSL tests use a small `wrapSocket` object over node:tls
// (the role @curio/ssl's SSLContext plays) and a self-signed certificate kept in fixtures/.
//
// Not ported:
// - test_ssl_outgoing and the google.com half of test_errors: they need the internet.
// - The stdlib-vs-curio context pairs of the SSL tests: there is one kind of context here.
// - test_errors' `tcp_server('localhost', 80)` expects EACCES, which depends on privileges;
//   the same path (a listen error surfacing in the task) is tested with EADDRINUSE.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import {
  awaitPromise,
  CancelledError,
  CurioError,
  currentTask,
  sleep,
  spawn,
  type Task,
  withTaskGroup,
} from '@curio/kernel';
import {
  AF_INET,
  type InetAddress,
  openConnection,
  openUnixConnection,
  runServer,
  SOCK_STREAM,
  Socket,
  type SocketAddress,
  type SSLWrapper,
  socket,
  tcpServer,
  tcpServerSocket,
  unixServer,
  unixServerSocket,
  type WrapSocketOptions,
} from '@curio/net';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { caught, portOf, runNet } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-net-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A self-signed certificate for localhost / 127.0.0.1 (valid until 2126), made once with
//   openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost \
//     -addext subjectAltName=DNS:localhost,IP:127.0.0.1
// and kept as a test fixture, so the TLS tests never depend on an openssl binary.
const certificate = {
  key: readFileSync(new URL('./fixtures/test-key.pem', import.meta.url)),
  cert: readFileSync(new URL('./fixtures/test-cert.pem', import.meta.url)),
};

/** What @curio/ssl's SSLContext does, in a few lines of node:tls. */
class TestTLSContext implements SSLWrapper {
  constructor(readonly options: { key?: Buffer; cert?: Buffer; verify?: boolean }) {}
  async wrapSocket(
    sock: Socket,
    { serverSide, serverHostname }: WrapSocketOptions,
  ): Promise<Socket> {
    const family = sock.family;
    const raw = sock.detach();
    const secure = serverSide
      ? new tls.TLSSocket(raw, { isServer: true, key: this.options.key, cert: this.options.cert })
      : tls.connect({
          socket: raw,
          servername: serverHostname,
          rejectUnauthorized: this.options.verify ?? false,
        });
    secure.on('error', () => {}); // until the Socket below listens
    try {
      await awaitPromise(once(secure, serverSide ? 'secure' : 'secureConnect'));
    } catch (err) {
      secure.destroy(); // cancelled (or failed): the connection goes with it
      throw err;
    }
    return new Socket(secure, { family });
  }
}

const unixPath = (name: string) => join(scratch, name);

describe('test_network.py', () => {
  test('tcp echo (test_tcp_echo)', async () => {
    const results: unknown[] = [];
    async function handler(client: Socket) {
      results.push('handler start');
      for (;;) {
        results.push('recv wait');
        const data = await client.recv(100);
        if (data.length === 0) break;
        results.push(['handler', data.toString()]);
        await client.sendall(data);
      }
      results.push('handler done');
    }
    async function client(address: InetAddress, serv: Task) {
      results.push('client start');
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect(address);
      await sock.send('Msg1');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      await sock.send('Msg2');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      results.push('client close');
      await sock.close();
      await sleep(0.05);
      await serv.cancel();
    }
    await runNet(async () => {
      await withTaskGroup(async (g) => {
        const sock = tcpServerSocket('127.0.0.1', 0);
        const serv = await g.spawn(runServer, sock, handler);
        await g.spawn(client, ['localhost', portOf(sock)], serv);
      });
    });
    expect(results).toEqual([
      'client start',
      'handler start',
      'recv wait',
      ['handler', 'Msg1'],
      'recv wait',
      ['client', 'Msg1'],
      ['handler', 'Msg2'],
      'recv wait',
      ['client', 'Msg2'],
      'client close',
      'handler done',
    ]);
  });

  test.skipIf(process.platform === 'win32')('unix socket echo (test_unix_echo)', async () => {
    const results: unknown[] = [];
    const path = unixPath('curionet');
    async function handler(client: Socket, addr: SocketAddress) {
      expect(addr).toBe('');
      results.push('handler start');
      for (;;) {
        results.push('recv wait');
        const data = await client.recv(100);
        if (data.length === 0) break;
        results.push(['handler', data.toString()]);
        await client.sendall(data);
      }
      results.push('handler done');
    }
    async function client(address: string, serv: Task) {
      results.push('client start');
      const sock = await openUnixConnection(address);
      expect(sock.getpeername()).toBe(address);
      await sock.send('Msg1');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      await sock.send('Msg2');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      results.push('client close');
      await sock.close();
      // Curio cancels at once: its kernel polls I/O before the next cycle, so the handler
      // sees end-of-file first. Our kernel chains up to 64 cycles without polling (reported),
      // so let the event loop deliver the end-of-file, as the TCP twin of this test does.
      await sleep(0.05);
      await serv.cancel();
    }
    await runNet(async () => {
      rmSync(path, { force: true });
      await withTaskGroup(async (g) => {
        const serv = await g.spawn(unixServer, path, handler);
        await g.spawn(client, path, serv);
      });
    });
    expect(results).toEqual([
      'client start',
      'handler start',
      'recv wait',
      ['handler', 'Msg1'],
      'recv wait',
      ['client', 'Msg1'],
      ['handler', 'Msg2'],
      'recv wait',
      ['client', 'Msg2'],
      'client close',
      'handler done',
    ]);
  });

  async function sslHandler(client: Socket) {
    const data = await client.recv(1000);
    expect(data.toString()).toBe('Hello, world!');
    await client.send(Buffer.concat([Buffer.from('Back atcha: '), data]));
  }

  async function sslClient(host: string, port: number, ssl: SSLWrapper | true): Promise<string> {
    const sock = await openConnection(host, port, {
      ssl,
      serverHostname: ssl === true ? undefined : host,
    });
    await sock.sendall('Hello, world!');
    const resp = await sock.recv(4096);
    await sock.close();
    return resp.toString();
  }

  test('TLS server and clients (test_ssl_server)', async () => {
    const serverContext = new TestTLSContext({ ...certificate });
    await runNet(async () => {
      const sock = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(runServer, sock, sslHandler, { ssl: serverContext });
      for (const ssl of [new TestTLSContext({ verify: false }), true] as const) {
        expect(await sslClient('localhost', portOf(sock), ssl)).toBe('Back atcha: Hello, world!');
      }
      await serverTask.cancel();
    });
  });

  test('ssl: true checks an address given as serverHostname, without sending it as SNI', async () => {
    const serverContext = new TestTLSContext({ ...certificate });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      await runNet(async () => {
        const sock = tcpServerSocket('127.0.0.1', 0);
        const serverTask = await spawn(runServer, sock, sslHandler, {
          ssl: serverContext,
          onHandlerError: () => {},
        });
        const err = await caught(() =>
          openConnection('127.0.0.1', portOf(sock), { ssl: true, serverHostname: '127.0.0.1' }),
        );
        // Checked (against Node's authorities, which do not know the test certificate).
        expect((err as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
        await serverTask.cancel();
      });
    } finally {
      process.off('warning', onWarning);
    }
    // Node warns (DEP0123) when an address is set as the TLS server name.
    expect(warnings).toEqual([]);
  });

  test.skipIf(process.platform === 'win32')(
    'TLS over a unix socket (test_unix_ssl_server)',
    async () => {
      const serverContext = new TestTLSContext({ ...certificate });
      const path = unixPath('curionet-ssl');
      await runNet(async () => {
        const serverTask = await spawn(unixServer, path, sslHandler, { ssl: serverContext });
        await sleep(0.05);
        for (const ssl of [new TestTLSContext({ verify: false }), true] as const) {
          const sock = await openUnixConnection(path, { ssl });
          await sock.sendall('Hello, world!');
          expect((await sock.recv(4096)).toString()).toBe('Back atcha: Hello, world!');
          await sock.close();
        }
        await serverTask.cancel();
      });
    },
  );

  test('runServer on a hand-made socket with TLS (test_ssl_wrapping)', async () => {
    const serverContext = new TestTLSContext({ ...certificate });
    function server(host: string, context: SSLWrapper): [Promise<void>, number] {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.bind([host, 0]);
      sock.listen(5);
      return [runServer(sock, sslHandler, { ssl: context }), portOf(sock)];
    }
    await runNet(async () => {
      let port = 0;
      const serverTask = await spawn(() => {
        const [serving, p] = server('127.0.0.1', serverContext);
        port = p;
        return serving;
      });
      await sleep(0.01);
      expect(await sslClient('localhost', port, new TestTLSContext({ verify: false }))).toBe(
        'Back atcha: Hello, world!',
      );
      await serverTask.cancel();
    });
  });

  test('wrapping a connected socket by hand (test_ssl_manual_wrapping)', async () => {
    const serverContext = new TestTLSContext({ ...certificate });
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverTask = await spawn(runServer, listener, sslHandler, { ssl: serverContext });
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect(['127.0.0.1', portOf(listener)]);
      const secure = await new TestTLSContext({ verify: false }).wrapSocket(sock, {
        serverHostname: 'localhost',
      });
      await secure.sendall('Hello, world!');
      expect((await secure.recv(4096)).toString()).toBe('Back atcha: Hello, world!');
      await secure.close();
      await serverTask.cancel();
    });
  });

  test('misuse is refused in the task (test_errors)', async () => {
    await runNet(async () => {
      const inUse = tcpServerSocket('127.0.0.1', 0);
      expect(
        await caught(() =>
          openConnection('127.0.0.1', portOf(inUse), { serverHostname: 'example.com' }),
        ),
      ).toBeInstanceOf(CurioError);
      expect(
        await caught(() =>
          tcpServer('127.0.0.1', 0, async () => {}, { ssl: true as unknown as SSLWrapper }),
        ),
      ).toBeInstanceOf(CurioError);
      expect(
        await caught(() => tcpServer('127.0.0.1', portOf(inUse), async () => {})),
      ).toMatchObject({ code: 'EADDRINUSE' });
      if (process.platform !== 'win32') {
        expect(await caught(() => unixServer(scratch, async () => {}))).toMatchObject({
          code: 'EADDRINUSE',
        });
        expect(
          await caught(() =>
            openUnixConnection(unixPath('nothing'), { serverHostname: 'example.com' }),
          ),
        ).toBeInstanceOf(CurioError);
      }
      await inUse.close();
    });
  });
});

describe('servers', () => {
  test('EADDRINUSE surfaces as an exception in the server task', async () => {
    await runNet(async () => {
      const first = tcpServerSocket('127.0.0.1', 0);
      const second = tcpServerSocket('127.0.0.1', portOf(first)); // listen() itself does not throw
      const err = await caught(() => second.accept());
      expect(err).toMatchObject({ code: 'EADDRINUSE', syscall: 'listen' });
      const serving = await spawn(tcpServer, '127.0.0.1', portOf(first), async () => {});
      expect((await caught(() => serving.join())) as Error).toMatchObject({
        cause: { code: 'EADDRINUSE' },
      });
      await second.close();
      await first.close();
    });
  });

  test('tcpServer serves until cancelled, then closes the listening socket', async () => {
    await runNet(async () => {
      const probe = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(probe);
      await probe.close();
      const server = await spawn(tcpServer, '127.0.0.1', port, async (client: Socket) => {
        await client.sendall('hi\n');
      });
      await sleep(0.02);
      const sock = await openConnection('127.0.0.1', port);
      expect((await sock.asStream().readall()).toString()).toBe('hi\n'); // the server closed it
      await sock.close();
      await server.cancel();
      expect(await caught(() => openConnection('127.0.0.1', port))).toMatchObject({
        code: 'ECONNREFUSED',
      });
    });
  });

  test('cancelling the server cancels every client: their catch blocks run', async () => {
    const events: string[] = [];
    async function handler(client: Socket) {
      const s = client.asStream();
      try {
        for await (const line of s) await s.write(line);
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        await s.write('SERVER IS GOING AWAY!\n');
        events.push('handler cancelled');
        throw err;
      } finally {
        events.push('handler finally');
      }
    }
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      const server = await spawn(runServer, listener, handler);
      const clients = [
        await openConnection('127.0.0.1', port),
        await openConnection('127.0.0.1', port),
      ];
      for (const c of clients) {
        await c.sendall('ping\n');
        expect((await c.asStream().readline()).toString()).toBe('ping\n');
      }
      await server.cancel();
      events.push('server cancelled');
      for (const c of clients) {
        expect((await c.asStream().readall()).toString()).toBe('SERVER IS GOING AWAY!\n');
        await c.close();
      }
      expect(listener.closed).toBe(true);
    });
    expect(events).toEqual([
      'handler cancelled',
      'handler finally',
      'handler cancelled',
      'handler finally',
      'server cancelled',
    ]);
  });

  test('a crashing handler is reported and closes only its own connection', async () => {
    const reported: unknown[] = [];
    async function handler(client: Socket) {
      const line = (await client.asStream().readline()).toString();
      if (line === 'crash\n') throw new TypeError('handler bug');
      await client.sendall(`ok ${line}`);
    }
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      const server = await spawn(runServer, listener, handler, {
        onHandlerError: (err: unknown, addr: SocketAddress) =>
          reported.push([(err as Error).message, typeof addr]),
      });
      const bad = await openConnection('127.0.0.1', port);
      const good = await openConnection('127.0.0.1', port);
      await bad.sendall('crash\n');
      expect((await bad.recv(100)).length).toBe(0); // closed by the server
      await good.sendall('fine\n');
      expect((await good.recv(100)).toString()).toBe('ok fine\n');
      await bad.close();
      await good.close();
      await server.cancel();
    });
    expect(reported).toEqual([['handler bug', 'object']]);
  });

  test('by default a crash is logged as a Task Crash', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await runNet(async () => {
        const listener = tcpServerSocket('127.0.0.1', 0);
        const server = await spawn(runServer, listener, async function crashy() {
          throw new RangeError('boom');
        });
        const c = await openConnection('127.0.0.1', portOf(listener));
        expect((await c.recv(10)).length).toBe(0);
        await c.close();
        await server.cancel();
      });
      expect(log).toHaveBeenCalledTimes(1);
      expect(String(log.mock.calls[0]![0])).toMatch(
        /^Task Crash: Task\(id=\d+, name='crashy'.*\(client 127\.0\.0\.1:\d+\)\nRangeError: boom/,
      );
    } finally {
      log.mockRestore();
    }
  });

  test('finished handlers are reaped: tasks do not pile up', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const port = portOf(listener);
      const server = await spawn(runServer, listener, async (client: Socket) => {
        await client.sendall('bye');
      });
      const kernel = currentTask().kernel;
      for (let i = 0; i < 50; i++) {
        const c = await openConnection('127.0.0.1', port);
        await c.asStream().readall();
        await c.close();
      }
      await sleep(0.02);
      expect(kernel.taskCount).toBe(3); // main, the server, its accept loop
      await server.cancel();
    });
  });

  test('the server closes each client socket when its handler returns', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const seen: Socket[] = [];
      const server = await spawn(runServer, listener, async (client: Socket) => {
        seen.push(client);
      });
      const c = await openConnection('127.0.0.1', portOf(listener));
      expect((await c.recv(10)).length).toBe(0);
      expect(seen[0]!.closed).toBe(true);
      await c.close();
      await server.cancel();
    });
  });

  test.skipIf(process.platform === 'win32')(
    'unixServerSocket is synchronous and serves under runServer',
    async () => {
      const path = unixPath('sync.sock');
      await runNet(async () => {
        const sock = unixServerSocket(path);
        expect(sock.getsockname()).toBe(path);
        const server = await spawn(runServer, sock, async (client: Socket) => {
          await client.sendall('unix');
        });
        const c = await openUnixConnection(path);
        expect((await c.recv(10)).toString()).toBe('unix');
        await c.close();
        await server.cancel();
      });
    },
  );

  test('a plain node:net client can talk to a curio server (and the reverse)', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const server = await spawn(runServer, listener, async (client: Socket) => {
        for await (const line of client.asStream())
          await client.sendall(line.toString().toUpperCase());
      });
      const reply = await awaitPromise(
        new Promise<string>((resolve, reject) => {
          const c = net.connect(portOf(listener), '127.0.0.1', () => c.end('hello\n'));
          let text = '';
          c.on('data', (d) => (text += d));
          c.on('end', () => resolve(text));
          c.on('error', reject);
        }),
      );
      expect(reply).toBe('HELLO\n');
      await server.cancel();
    });
  });
});
