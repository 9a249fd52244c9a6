// UDP sockets (SOCK_DGRAM over node:dgram). Curio's own UDP tests (test_udp_echo,
// test_recvfrom_timeout, test_recvfrom_cancel) are ported in socket.test.ts; these cover
// the rest of the behaviour.
import { ReadResourceBusy, sleep, spawn, TaskTimeout, timeoutAfter } from '@curio/kernel';
import { AF_INET, AF_INET6, type InetAddress, SOCK_DGRAM, socket } from '@curio/net';
import { describe, expect, test } from 'vitest';
import { caught, ipv6Loopback, portOf, runNet } from './helpers.js';

const hasIPv6 = await ipv6Loopback();

describe('UDP', () => {
  test('bind is synchronous: the port is known at once, and errors are thrown by bind', async () => {
    await runNet(async () => {
      const a = socket(AF_INET, SOCK_DGRAM);
      a.bind(['127.0.0.1', 0]);
      expect(portOf(a)).toBeGreaterThan(0);
      const b = socket(AF_INET, SOCK_DGRAM);
      expect(() => b.bind(['127.0.0.1', portOf(a)])).toThrow(
        expect.objectContaining({ code: 'EADDRINUSE' }),
      );
      await a.close();
      await b.close();
    });
  });

  test('recvfrom cuts a datagram to maxsize, as the OS does', async () => {
    await runNet(async () => {
      const server = socket(AF_INET, SOCK_DGRAM);
      server.bind(['127.0.0.1', 0]);
      const client = socket(AF_INET, SOCK_DGRAM);
      expect(await client.sendto('0123456789', ['127.0.0.1', portOf(server)])).toBe(10);
      const [data, from] = await server.recvfrom(4);
      expect(data.toString()).toBe('0123');
      expect(from).toEqual(['127.0.0.1', portOf(client)]); // the client was bound by its first send
      await server.close();
      await client.close();
    });
  });

  test('a long queue read one datagram at a time keeps every datagram, in order', async () => {
    // The queue is compacted while it is being read (it never empties here): nothing may be
    // lost or repeated on the way.
    const got: string[] = [];
    await runNet(async () => {
      const server = socket(AF_INET, SOCK_DGRAM);
      server.bind(['127.0.0.1', 0]);
      const client = socket(AF_INET, SOCK_DGRAM);
      for (let i = 0; i < 200; i++) await client.sendto(`d${i}`, ['127.0.0.1', portOf(server)]);
      for (let i = 0; i < 200; i++) {
        if (i === 1) await sleep(0.02); // let the rest queue up behind the first
        got.push((await server.recvfrom(100))[0].toString());
      }
      await server.close();
      await client.close();
    });
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `d${i}`));
  });

  test('a cancelled recvfrom takes no datagram', async () => {
    await runNet(async () => {
      const server = socket(AF_INET, SOCK_DGRAM);
      server.bind(['127.0.0.1', 0]);
      expect(await caught(() => timeoutAfter(0.05, () => server.recvfrom(100)))).toBeInstanceOf(
        TaskTimeout,
      );
      const client = socket(AF_INET, SOCK_DGRAM);
      await client.sendto('one', ['127.0.0.1', portOf(server)]);
      await client.sendto('two', ['127.0.0.1', portOf(server)]);
      expect((await server.recvfrom(100))[0].toString()).toBe('one');
      expect((await server.recvfrom(100))[0].toString()).toBe('two');
      await server.close();
      await client.close();
    });
  });

  test('connect() fixes the peer for send() and recv()', async () => {
    await runNet(async () => {
      const a = socket(AF_INET, SOCK_DGRAM);
      a.bind(['127.0.0.1', 0]);
      const b = socket(AF_INET, SOCK_DGRAM);
      b.bind(['127.0.0.1', 0]);
      await a.connect(['127.0.0.1', portOf(b)]);
      await b.connect(['127.0.0.1', portOf(a)]);
      expect(a.getpeername()).toEqual(b.getsockname());
      await a.send('hello');
      expect((await b.recv(100)).toString()).toBe('hello');
      await b.sendall('back');
      expect((await a.recv(100)).toString()).toBe('back');
      await a.close();
      await b.close();
    });
  });

  test('a second reader gets ReadResourceBusy', async () => {
    await runNet(async () => {
      const s = socket(AF_INET, SOCK_DGRAM);
      s.bind(['127.0.0.1', 0]);
      const first = await spawn(() => s.recvfrom(100));
      await sleep(0); // first blocks in recvfrom
      expect(first.state).toBe('READ_WAIT');
      expect(await caught(() => s.recvfrom(100))).toBeInstanceOf(ReadResourceBusy);
      await first.cancel();
      await s.close();
    });
  });

  test('close wakes a waiting reader with EBADF', async () => {
    await runNet(async () => {
      const s = socket(AF_INET, SOCK_DGRAM);
      s.bind(['127.0.0.1', 0]);
      const reader = await spawn(() => s.recvfrom(100));
      await sleep(0);
      await s.close();
      expect(((await caught(() => reader.join())) as Error).cause).toMatchObject({ code: 'EBADF' });
    });
  });

  test.skipIf(!hasIPv6)('UDP over IPv6 on ::1', async () => {
    await runNet(async () => {
      const server = socket(AF_INET6, SOCK_DGRAM);
      server.bind(['::1', 0]);
      const client = socket(AF_INET6, SOCK_DGRAM);
      await client.sendto('v6', ['::1', portOf(server)]);
      const [data, from] = await server.recvfrom(100);
      expect(data.toString()).toBe('v6');
      expect((from as InetAddress)[0]).toBe('::1');
      await server.close();
      await client.close();
    });
  });
});
