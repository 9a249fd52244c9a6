// Port of Curio 1.6 tests/test_socket.py (same tests, same orderings), then the socket
// behaviours DESIGN §1, §6 rules 7-8 and the issue ask for: cancelled recv/accept leave no
// trace, ResourceBusy, backpressure both ways, half-close, IPv6, errors in the task.
//
// Timing: Curio's sleep(0.1)/sleep(1.0)/timeout 0.5 become 0.05/0.2/0.1 s. Ports: Curio's
// fixed ports (25000, 25001) become port 0 and the port read back with getsockname().
//
// Not ported:
// - test_socket_funcs: skipped in Curio itself ("unreliable"); getaddrinfo/gethostbyname
//   and friends are not part of @curio/net (use node:dns with awaitPromise).
// - test_create_bad_connection connects to python.org:1 (needs the internet): ported as a
//   refused connection to a local port nobody listens on.
// - test_fromfd_tcp_echo: there are no file descriptors to pass around in Node; ported as
//   the same echo through `detach()` and `new Socket(netSocket)`.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import {
  CancelledError,
  ReadResourceBusy,
  sleep,
  spawn,
  TaskTimeout,
  timeoutAfter,
  WriteResourceBusy,
  withTaskGroup,
} from '@curio/kernel';
import {
  AF_INET,
  AF_INET6,
  createConnection,
  FileStream,
  type InetAddress,
  IPPROTO_TCP,
  progressOf,
  SHUT_RD,
  SHUT_WR,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketStream,
  socket,
  socketpair,
  TCP_NODELAY,
  tcpServerSocket,
} from '@curio/net';
import { Event } from '@curio/sync';
import { describe, expect, test } from 'vitest';
import { caught, freePort, ipv6Loopback, portOf, runNet } from './helpers.js';

const hasIPv6 = await ipv6Loopback();

describe('test_socket.py', () => {
  test('tcp echo (test_tcp_echo)', async () => {
    const results: unknown[] = [];
    let port = 0;
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(5);
      port = portOf(sock);
      results.push('accept wait');
      const [client] = await sock.accept();
      results.push('accept done');
      await spawn(handler, client);
      await sock.close();
    }
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
      await client.close();
    }
    async function client(host: string) {
      results.push('client start');
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect([host, port]);
      await sock.send(Buffer.from('Msg1'));
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      await sock.send(Buffer.from('Msg2'));
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      results.push('client close');
      await sock.close();
      await sleep(0.05);
    }
    await runNet(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn(server, ['127.0.0.1', 0]);
        await g.spawn(client, 'localhost');
      });
    });
    expect(results).toEqual([
      'accept wait',
      'client start',
      'accept done',
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

  test('line echo over streams (test_tcp_file_echo)', async () => {
    const results: unknown[] = [];
    let port = 0;
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(5);
      port = portOf(sock);
      results.push('accept wait');
      const [client] = await sock.accept();
      results.push('accept done');
      await spawn(handler, client);
      await sock.close();
    }
    async function handler(client: Socket) {
      results.push('handler start');
      const stream = client.asStream();
      for await (const line of stream) {
        results.push(['handler', line.toString()]);
        await stream.write(line);
      }
      results.push('handler done');
      await client.close();
    }
    async function client(host: string) {
      results.push('client start');
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect([host, port]);
      const stream = sock.asStream();
      await stream.write(Buffer.from('Msg1\n'));
      await sleep(0.05);
      results.push(['client', (await stream.read(100)).toString()]);
      await stream.write(Buffer.from('Msg2\n'));
      await sleep(0.05);
      results.push(['client', (await stream.read(100)).toString()]);
      results.push('client close');
      await sock.close();
      await sleep(0.05);
    }
    await runNet(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn(server, ['127.0.0.1', 0]);
        await g.spawn(client, 'localhost');
      });
    });
    expect(results).toEqual([
      'accept wait',
      'client start',
      'accept done',
      'handler start',
      ['handler', 'Msg1\n'],
      ['client', 'Msg1\n'],
      ['handler', 'Msg2\n'],
      ['client', 'Msg2\n'],
      'client close',
      'handler done',
    ]);
  });

  test('udp echo (test_udp_echo)', async () => {
    const results: unknown[] = [];
    let port = 0;
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_DGRAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      port = portOf(sock);
      results.push('recvfrom wait');
      const [data, addr] = await sock.recvfrom(8192);
      results.push(['server', data.toString()]);
      await sock.sendto(data, addr as InetAddress);
      await sock.close();
      results.push('server close');
    }
    async function client(host: string) {
      results.push('client start');
      const sock = socket(AF_INET, SOCK_DGRAM);
      results.push('client send');
      await sock.sendto(Buffer.from('Msg1'), [host, port]);
      const [data] = await sock.recvfrom(8192);
      results.push(['client', data.toString()]);
      await sock.close();
      results.push('client close');
    }
    await runNet(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn(server, ['127.0.0.1', 0]);
        await g.spawn(client, 'localhost');
      });
    });
    expect(results).toEqual([
      'recvfrom wait',
      'client start',
      'client send',
      ['server', 'Msg1'],
      'server close',
      ['client', 'Msg1'],
      'client close',
    ]);
  });

  test('echo through a detached and re-wrapped socket (test_fromfd_tcp_echo)', async () => {
    const results: unknown[] = [];
    let port = 0;
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(5);
      port = portOf(sock);
      results.push('accept wait');
      const [client] = await sock.accept();
      results.push('accept done');
      await spawn(handler, client.detach());
      await sock.close();
    }
    async function handler(raw: net.Socket) {
      const client = new Socket(raw);
      results.push('handler start');
      for (;;) {
        results.push('recv wait');
        const data = await client.recv(100);
        if (data.length === 0) break;
        results.push(['handler', data.toString()]);
        await client.sendall(data);
      }
      results.push('handler done');
      await client.close();
    }
    async function client(host: string) {
      results.push('client start');
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect([host, port]);
      await sock.send('Msg1');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      await sock.send('Msg2');
      await sleep(0.05);
      results.push(['client', (await sock.recv(100)).toString()]);
      results.push('client close');
      await sock.close();
      await sleep(0.05);
    }
    await runNet(async () => {
      await withTaskGroup(async (g) => {
        await g.spawn(server, ['127.0.0.1', 0]);
        await g.spawn(client, 'localhost');
      });
    });
    expect(results).toEqual([
      'accept wait',
      'client start',
      'accept done',
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

  test('accept with a timeout (test_accept_timeout)', async () => {
    const results: string[] = [];
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(1);
      results.push('accept wait');
      try {
        await timeoutAfter(0.1, () => sock.accept());
        results.push('not here');
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('accept timeout');
      }
      await sock.close();
    }
    await runNet(() => server(['127.0.0.1', 0]));
    expect(results).toEqual(['accept wait', 'accept timeout']);
  });

  test('cancelling accept (test_accept_cancel)', async () => {
    const results: string[] = [];
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(1);
      results.push('accept wait');
      try {
        await sock.accept();
        results.push('not here');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('accept cancel');
      }
      await sock.close();
    }
    async function canceller() {
      const task = await spawn(server, ['127.0.0.1', 0]);
      await sleep(0.1);
      await task.cancel();
    }
    await runNet(canceller);
    expect(results).toEqual(['accept wait', 'accept cancel']);
  });

  test('recv with a timeout (test_recv_timeout)', async () => {
    const results: string[] = [];
    let port = 0;
    async function server(address: InetAddress, accepting: Event) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(1);
      port = portOf(sock);
      results.push('accept wait');
      accepting.set();
      const [client] = await sock.accept();
      results.push('recv wait');
      try {
        await timeoutAfter(0.1, () => client.recv(8192));
        results.push('not here');
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('recv timeout');
      }
      await client.close();
      await sock.close();
    }
    async function canceller() {
      const accepting = new Event();
      const task = await spawn(server, ['127.0.0.1', 0], accepting);
      await accepting.wait();
      const sock = socket(AF_INET, SOCK_STREAM);
      results.push('client connect');
      await sock.connect(['localhost', port]);
      await sleep(0.2);
      await sock.close();
      results.push('client done');
      await task.join();
    }
    await runNet(canceller);
    expect(results).toEqual([
      'accept wait',
      'client connect',
      'recv wait',
      'recv timeout',
      'client done',
    ]);
  });

  test('cancelling recv (test_recv_cancel)', async () => {
    const results: string[] = [];
    let port = 0;
    async function server(address: InetAddress, accepting: Event) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(1);
      port = portOf(sock);
      results.push('accept wait');
      accepting.set();
      const [client] = await sock.accept();
      results.push('recv wait');
      try {
        await client.recv(8192);
        results.push('not here');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('recv cancel');
      }
      await client.close();
      await sock.close();
    }
    async function canceller() {
      const accepting = new Event();
      const task = await spawn(server, ['127.0.0.1', 0], accepting);
      await accepting.wait();
      const sock = socket(AF_INET, SOCK_STREAM);
      results.push('client connect');
      await sock.connect(['localhost', port]);
      await sleep(0.2);
      await task.cancel();
      await sock.close();
      results.push('client done');
    }
    await runNet(canceller);
    expect(results).toEqual([
      'accept wait',
      'client connect',
      'recv wait',
      'recv cancel',
      'client done',
    ]);
  });

  test('recvfrom with a timeout (test_recvfrom_timeout)', async () => {
    const results: string[] = [];
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_DGRAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      results.push('recvfrom wait');
      try {
        await timeoutAfter(0.1, () => sock.recvfrom(8192));
        results.push('not here');
      } catch (e) {
        if (!(e instanceof TaskTimeout)) throw e;
        results.push('recvfrom timeout');
      }
      await sock.close();
    }
    async function canceller() {
      const t = await spawn(server, ['127.0.0.1', 0]);
      await sleep(0.2);
      results.push('client done');
      await t.join();
    }
    await runNet(canceller);
    expect(results).toEqual(['recvfrom wait', 'recvfrom timeout', 'client done']);
  });

  test('cancelling recvfrom (test_recvfrom_cancel)', async () => {
    const results: string[] = [];
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_DGRAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      results.push('recvfrom wait');
      try {
        await sock.recvfrom(8192);
        results.push('not here');
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        results.push('recvfrom cancel');
      }
      await sock.close();
    }
    async function canceller() {
      const task = await spawn(server, ['127.0.0.1', 0]);
      await sleep(0.2);
      await task.cancel();
      results.push('client done');
    }
    await runNet(canceller);
    expect(results).toEqual(['recvfrom wait', 'recvfrom cancel', 'client done']);
  });

  const N = 1_000_000;
  const sequence = () => Int32Array.from({ length: N }, (_, i) => i);
  const isSequence = (a: Int32Array) => a.every((x, i) => x === i);

  test('recvInto a large typed array (test_buffer_into)', async () => {
    const results: Int32Array[] = [];
    async function sender(s1: Socket) {
      await s1.sendall(sequence());
    }
    async function receiver(s2: Socket) {
      const a = new Int32Array(N);
      let view = Buffer.from(a.buffer);
      while (view.length > 0) {
        const n = await s2.recvInto(view);
        if (n === 0) break;
        view = view.subarray(n);
      }
      results.push(a);
    }
    await runNet(async () => {
      const [s1, s2] = await socketpair();
      await withTaskGroup(async (g) => {
        await g.spawn(sender, s1);
        await g.spawn(receiver, s2);
      });
      await s1.close();
      await s2.close();
    });
    expect(isSequence(results[0]!)).toBe(true);
  });

  test('readline then readinto on a stream (test_buffer_stream_into)', async () => {
    const results: Int32Array[] = [];
    async function sender(s1: Socket) {
      await s1.sendall(Buffer.from('Hello world\n'));
      await s1.sendall(sequence());
    }
    async function receiver(s2: Socket) {
      const a = new Int32Array(N);
      let view = Buffer.from(a.buffer);
      const stream = s2.asStream();
      expect(stream).toBeInstanceOf(SocketStream);
      expect((await stream.readline()).toString()).toBe('Hello world\n');
      while (view.length > 0) {
        const n = await stream.readinto(view);
        if (n === 0) break;
        view = view.subarray(n);
      }
      results.push(a);
    }
    await runNet(async () => {
      const [s1, s2] = await socketpair();
      await withTaskGroup(async (g) => {
        await g.spawn(sender, s1);
        await g.spawn(receiver, s2);
      });
      await s1.close();
      await s2.close();
    });
    expect(isSequence(results[0]!)).toBe(true);
  });

  test('readline then readinto on makefile() (test_buffer_makefile_into)', async () => {
    const results: Int32Array[] = [];
    async function sender(s1: Socket) {
      await s1.sendall(Buffer.from('Hello world\n'));
      await s1.sendall(sequence());
    }
    async function receiver(s2: Socket) {
      const a = new Int32Array(N);
      let view = Buffer.from(a.buffer);
      const file = s2.makefile('rb');
      expect(file).toBeInstanceOf(FileStream);
      expect((await file.readline()).toString()).toBe('Hello world\n');
      while (view.length > 0) {
        const n = await file.readinto(view);
        if (n === 0) break;
        view = view.subarray(n);
      }
      results.push(a);
    }
    await runNet(async () => {
      const [s1, s2] = await socketpair();
      await withTaskGroup(async (g) => {
        await g.spawn(sender, s1);
        await g.spawn(receiver, s2);
      });
      await s1.close();
      await s2.close();
    });
    expect(isSequence(results[0]!)).toBe(true);
  });

  test('one reader and one writer on the same socket (test_read_write_on_same_socket)', async () => {
    await runNet(async () => {
      const [s1, s2] = await socketpair();
      const t1 = await spawn(() => s1.recv(1000));
      // Large enough to block on write:
      const n = 10_000_000;
      const t2 = await spawn(() => s1.sendall(Buffer.alloc(n, 'x')));
      await s2.sendall('x'); // lets t1 finish
      let got = 0;
      while (got < n) got += (await s2.recv(n)).length; // lets t2 finish
      expect((await t1.join()).toString()).toBe('x');
      await t2.join();
      await s1.close();
      await s2.close();
    });
  });

  test('create_connection from a chosen source address (test_create_connection)', async () => {
    const sourcePort = await freePort();
    const evt = new Event();
    let port = 0;
    const seen: unknown[] = [];
    async function server(address: InetAddress) {
      const sock = socket(AF_INET, SOCK_STREAM);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
      sock.bind(address);
      sock.listen(1);
      port = portOf(sock);
      evt.set();
      const [client, addr] = await sock.accept();
      seen.push((addr as InetAddress)[1]);
      await client.close();
      await sock.close();
    }
    async function client(host: string) {
      await evt.wait();
      const sock = await createConnection([host, port], {
        sourceAddress: ['127.0.0.1', sourcePort],
      });
      await sock.close();
    }
    await runNet(async () => {
      const g = await withTaskGroup(async (g) => {
        await g.spawn(server, ['127.0.0.1', 0]);
        await sleep(0.05);
        await g.spawn(client, '127.0.0.1');
      });
      expect(g.exceptions.every((e) => e === undefined)).toBe(true);
    });
    expect(seen).toEqual([sourcePort]);
  });

  test('a refused connection fails in the task (test_create_bad_connection)', async () => {
    const port = await freePort();
    const err = await runNet(() => caught(() => createConnection(['127.0.0.1', port])));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** A connected pair over TCP on 127.0.0.1: [server side, client side]. */
async function tcpPair(family = AF_INET, host = '127.0.0.1'): Promise<[Socket, Socket]> {
  const listener = tcpServerSocket(host, 0, { family });
  const client = socket(family, SOCK_STREAM);
  await client.connect([host, portOf(listener)]);
  const [server] = await listener.accept();
  await listener.close();
  return [server, client];
}

describe('no trace left by cancelled operations', () => {
  test('a cancelled recv consumes nothing', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const err = await caught(() => timeoutAfter(0.05, () => a.recv(100)));
      expect(err).toBeInstanceOf(TaskTimeout);
      await b.sendall('abc');
      await b.sendall('def');
      await sleep(0.05);
      expect((await a.recv(100)).toString()).toBe('abcdef');
      await a.close();
      await b.close();
    });
  });

  test('a recv cancelled while data is queued for it still gets nothing lost', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const reader = await spawn(() => a.recv(2));
      await sleep(0.02); // reader blocks
      await b.sendall('hello');
      await reader.cancel(); // may race with the data: either it got 'he' or nothing
      const first = reader.exception === undefined ? (reader.result as Buffer).toString() : '';
      await sleep(0.02);
      const rest = (await a.recv(100)).toString();
      expect(first + rest).toBe('hello');
      await a.close();
      await b.close();
    });
  });

  test('a cancelled accept loses no connection', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const waiter = await spawn(() => listener.accept());
      await sleep(0.02);
      await waiter.cancel();
      const client = socket(AF_INET, SOCK_STREAM);
      await client.connect(['127.0.0.1', portOf(listener)]);
      await sleep(0.02); // the connection is queued: nobody is accepting
      const [server, addr] = await listener.accept();
      expect(addr).toEqual(client.getsockname());
      await server.close();
      await client.close();
      await listener.close();
    });
  });

  test('a cancelled connect closes the attempt and leaves the socket usable', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const sock = socket(AF_INET, SOCK_STREAM);
      const attempt = await spawn(() => sock.connect(['127.0.0.1', portOf(listener)]));
      await sleep(0); // the attempt starts and blocks in connect
      expect(attempt.state).toBe('WRITE_WAIT');
      await attempt.cancel(); // before the event loop could complete it
      expect(attempt.exception).toBeInstanceOf(CancelledError);
      await sock.connect(['127.0.0.1', portOf(listener)]);
      const [server] = await listener.accept();
      await sock.sendall('ok');
      expect((await server.recv(10)).toString()).toBe('ok');
      await server.close();
      await sock.close();
      await listener.close();
    });
  });
});

describe('one reader and one writer per socket (rule 7)', () => {
  test('a second reader gets ReadResourceBusy; one reader and one writer are fine', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const reader = await spawn(() => a.recv(100));
      await sleep(0.02);
      const err = await caught(() => a.recv(100));
      expect(err).toBeInstanceOf(ReadResourceBusy);
      await a.sendall('to b'); // a writer while a reader waits: fine
      expect((await b.recv(100)).toString()).toBe('to b');
      await b.sendall('to a');
      expect((await reader.join()).toString()).toBe('to a');
      await a.close();
      await b.close();
    });
  });

  test('a second blocked writer gets WriteResourceBusy', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const big = Buffer.alloc(32 * 1024 * 1024, 'x');
      const writer = await spawn(() => a.sendall(big));
      await sleep(0.05); // the writer blocks: b does not read
      const err = await caught(() => a.sendall(big));
      expect(err).toBeInstanceOf(WriteResourceBusy);
      await writer.cancel();
      await b.close(); // the peer goes away: a's unsent data is dropped at once
      await a.close();
    });
  });
});

describe('backpressure (rule 8)', () => {
  test('a peer that does not read makes sendall block; bytesSent tells what was sent', async () => {
    const total = 64 * 1024 * 1024;
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const err = await caught(() => timeoutAfter(0.2, () => a.sendall(Buffer.alloc(total, 'y'))));
      expect(err).toBeInstanceOf(TaskTimeout);
      const sent = progressOf(err).bytesSent!;
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(total);
      const reader = await spawn(async () => {
        let n = 0;
        for (;;) {
          const data = await b.recv(1 << 20);
          if (data.length === 0) return n;
          n += data.length;
        }
      });
      await a.close(); // flushes what was accepted
      expect(await reader.join()).toBe(sent);
      await b.close();
    });
  });

  test('a task that does not read makes the peer block: the receive queue stays bounded', async () => {
    await runNet(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peer = net.connect({ port: portOf(listener), host: '127.0.0.1' });
      peer.on('error', () => {});
      const [server] = await listener.accept();
      await listener.close();
      // The task reads once (so the socket is being read), then stops reading.
      peer.write('first');
      expect((await server.recv(100)).toString()).toBe('first');
      let written = 0;
      const chunk = Buffer.alloc(64 * 1024, 'z');
      while (peer.write(chunk)) written += chunk.length;
      written += chunk.length;
      let drained = false;
      peer.once('drain', () => {
        drained = true;
      });
      await sleep(0.2);
      expect(drained).toBe(false); // the peer's writes are blocked
      // Now read everything: it all arrives.
      peer.end();
      let got = 0;
      for (;;) {
        const data = await server.recv(1 << 20);
        if (data.length === 0) break;
        got += data.length;
      }
      expect(got).toBe(written);
      await server.close();
      peer.destroy();
    });
  });
});

describe('ending a connection', () => {
  test('shutdown(SHUT_WR) half-closes: the peer reads EOF and can still answer', async () => {
    const results: unknown[] = [];
    await runNet(async () => {
      const [server, client] = await tcpPair();
      const handler = await spawn(async () => {
        const request = await server.asStream().readall();
        results.push(['server got', request.toString()]);
        await server.sendall(`echo:${request}`);
        await server.close();
      });
      await client.sendall('question');
      await client.shutdown(SHUT_WR);
      const stream = client.asStream();
      results.push(['client got', (await stream.readall()).toString()]);
      const err = await caught(() => client.sendall('more'));
      results.push(['send after SHUT_WR', (err as { code: string }).code]);
      await handler.join();
      await client.close();
    });
    expect(results).toEqual([
      ['server got', 'question'],
      ['client got', 'echo:question'],
      ['send after SHUT_WR', 'EPIPE'],
    ]);
  });

  test('shutdown(SHUT_RD) makes recv report end-of-file', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      await b.sendall('ignored');
      await a.shutdown(SHUT_RD);
      expect((await a.recv(100)).length).toBe(0);
      await a.sendall('still sending');
      expect((await b.recv(100)).toString()).toBe('still sending');
      await a.close();
      await b.close();
    });
  });

  test('closing flushes what was accepted for writing', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const payload = Buffer.alloc(4 * 1024 * 1024, 'q');
      const reader = await spawn(() => b.asStream().readall());
      await a.sendall(payload);
      await a.close();
      expect((await reader.join()).equals(payload)).toBe(true);
      await b.close();
    });
  });

  test('a task waiting in recv when another task closes the socket gets EBADF', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      const reader = await spawn(() => a.recv(100));
      await sleep(0.02);
      await a.close();
      const err = await caught(() => reader.join());
      expect((err as Error).cause).toMatchObject({ code: 'EBADF' });
      expect(await caught(() => a.recv(1))).toMatchObject({ code: 'EBADF' });
      await a.close(); // idempotent
      await b.close();
    });
  });

  test('the peer closing gives an empty recv', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      await b.sendall('last words');
      await b.close();
      expect((await a.asStream().readall()).toString()).toBe('last words');
      expect((await a.recv(10)).length).toBe(0);
      await a.close();
    });
  });
});

describe('socket lifecycle', () => {
  test('a lease hands buffered data back; after the peer closed, it stays for the next recv', async () => {
    const seen: unknown[] = [];
    await runNet(async () => {
      const [a, b] = await tcpPair();
      await a.sendall('abc');
      seen.push((await b.recv(1)).toString()); // 'bc' stays buffered in Curio
      {
        using lease = b.blocking(); // the peer is still open: 'bc' goes back to the socket
        seen.push(String(lease.socket.read()));
        lease.socket.unshift(Buffer.from('bc'));
      }
      await a.sendall('de');
      await a.close();
      seen.push((await b.recv(2)).toString());
      // 'de' and the end of the stream arrive (within 0.2 s), buffered in Curio.
      for (let i = 0; i < 40; i++) {
        using lease = b.blocking();
        if (lease.socket.readableEnded) {
          seen.push(lease.socket.read(), lease.socket.readableEnded);
          break;
        }
        lease.release();
        await sleep(0.005);
      }
      seen.push((await b.recv(10)).toString(), (await b.recv(10)).length);
      await b.close();
    });
    expect(seen).toEqual(['a', 'bc', 'bc', null, true, 'de', 0]);
  });

  test('operations in the wrong state fail with the errors Python raises', async () => {
    await runNet(async () => {
      const sock = socket(AF_INET, SOCK_STREAM);
      expect(await caught(() => sock.recv(10))).toMatchObject({ code: 'ENOTCONN' });
      expect(await caught(() => sock.accept())).toMatchObject({ code: 'EINVAL' });
      expect(() => sock.getpeername()).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
      expect(sock.getsockname()).toEqual(['0.0.0.0', 0]);
      await sock.close();
      expect(await caught(() => sock.sendall('x'))).toMatchObject({ code: 'EBADF' });
      expect(() => sock.bind(['127.0.0.1', 0])).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    });
  });

  test('addresses are [host, port] arrays; options are recorded', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair();
      expect(a.getpeername()).toEqual(b.getsockname());
      expect(b.getpeername()).toEqual(a.getsockname());
      expect((a.getsockname() as InetAddress)[0]).toBe('127.0.0.1');
      b.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      expect(b.getsockopt(IPPROTO_TCP, TCP_NODELAY)).toBe(1);
      expect(String(b)).toMatch(
        /^<curio\.Socket family=AF_INET, type=SOCK_STREAM, state=connected, laddr=127\.0\.0\.1:\d+, raddr=127\.0\.0\.1:\d+>$/,
      );
      expect(() => b.settimeout(1)).toThrow(/timeoutAfter/);
      await a.close();
      await b.close();
    });
  });

  test('await using closes sockets at block exit', async () => {
    let outer: Socket | undefined;
    await runNet(async () => {
      await using listener = tcpServerSocket('127.0.0.1', 0);
      outer = listener;
    });
    expect(outer!.closed).toBe(true);
  });

  test.skipIf(!hasIPv6)('IPv6 on ::1', async () => {
    await runNet(async () => {
      const [a, b] = await tcpPair(AF_INET6, '::1');
      expect(a.family).toBe(AF_INET6);
      expect((a.getsockname() as InetAddress)[0]).toBe('::1');
      await b.sendall('over IPv6');
      expect((await a.recv(100)).toString()).toBe('over IPv6');
      expect(String(a)).toContain('laddr=[::1]:');
      await a.close();
      await b.close();
    });
  });

  test('socketpair() gives two connected stream sockets', async () => {
    await runNet(async () => {
      const [a, b] = await socketpair();
      await a.sendall('ping');
      expect((await b.recv(10)).toString()).toBe('ping');
      await b.sendall('pong');
      expect((await a.recv(10)).toString()).toBe('pong');
      await a.close();
      expect((await b.recv(10)).length).toBe(0);
      await b.close();
    });
  });
});
