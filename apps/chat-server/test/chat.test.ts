// The chat server in-process: real TCP clients (node:net) against `chatServer` on an
// ephemeral port. Each test waits on data, never on fixed sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, startServer, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: ChatClient[] = [];

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<number> {
  server = await startServer(options);
  return server.port;
}

async function join(port: number, name: string): Promise<ChatClient> {
  const c = await ChatClient.join(port, name);
  clients.push(c);
  return c;
}

async function connect(port: number): Promise<ChatClient> {
  const c = await ChatClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
  server = undefined;
});

describe('chat', () => {
  it('three clients join, chat and leave', async () => {
    const port = await start();
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    await alice.waitFor('bob:joined\n');
    const carol = await join(port, 'carol');
    await Promise.all([alice, bob].map((c) => c.waitFor('carol:joined\n')));

    const say = async (from: ChatClient, line: string, prefix: string) => {
      from.send(`${line}\n`);
      await Promise.all([alice, bob, carol].map((c) => c.waitFor(`${prefix}:${line}\n`)));
    };
    await say(alice, 'hello', 'alice');
    await say(bob, 'hi alice', 'bob');
    await say(carol, 'hey all', 'carol');

    await alice.leave();
    await Promise.all([bob, carol].map((c) => c.waitFor('alice:has gone away\n')));
    await bob.leave();
    await carol.waitFor('bob:has gone away\n');
    await carol.leave();

    expect([alice.received, bob.received, carol.received]).toEqual([
      'Your name: alice:joined\nbob:joined\ncarol:joined\nalice:hello\nbob:hi alice\ncarol:hey all\n',
      'Your name: bob:joined\ncarol:joined\nalice:hello\nbob:hi alice\ncarol:hey all\nalice:has gone away\n',
      'Your name: carol:joined\nalice:hello\nbob:hi alice\ncarol:hey all\nalice:has gone away\nbob:has gone away\n',
    ]);
  });

  it('asks again after an empty name and strips the name', async () => {
    const port = await start();
    const dave = await connect(port);
    await dave.waitFor('Your name: ');
    dave.send('\n');
    await dave.waitFor('Your name: ', 2);
    dave.send('  \t\r\n');
    await dave.waitFor('Your name: ', 3);
    dave.send('  dave \r\n');
    await dave.waitFor('dave:joined\n');
    await dave.leave();
    expect(dave.received).toBe('Your name: Your name: Your name: dave:joined\n');
  });

  it('delivers a last line that lacks its newline', async () => {
    const port = await start();
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    bob.send('last words');
    bob.socket.end();
    await alice.waitFor('bob:has gone away\n');
    expect(alice.received).toBe(
      'Your name: alice:joined\nbob:joined\nbob:last words\nbob:has gone away\n',
    );
  });

  it('passes binary junk through and survives a junk name', async () => {
    const port = await start();
    const alice = await join(port, 'alice');
    const junk = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x80, 0x7f]);
    const mallory = await connect(port);
    await mallory.waitFor('Your name: ');
    mallory.send(Buffer.concat([junk, Buffer.from('\n')]));
    const name = junk.toString('latin1');
    await alice.waitFor(`${name}:joined\n`);
    mallory.send(Buffer.concat([junk, junk, Buffer.from('\n\n')]));
    await alice.waitFor(`${name}:${name}${name}\n${name}:\n`);
    alice.send('still here\n');
    await mallory.waitFor('alice:still here\n');
    mallory.destroy();
    await alice.waitFor(`${name}:has gone away\n`);
  });

  it('survives a client that resets mid-line', async () => {
    const port = await start();
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    bob.send('half a li');
    bob.socket.resetAndDestroy();
    await alice.waitFor('bob:has gone away\n');
    const carol = await join(port, 'carol');
    carol.send('anyone?\n');
    await alice.waitFor('carol:anyone?\n');
    // When the reset arrives right behind the data, Linux may report it as end of file, and
    // then the partial line goes out like any last line; either way nothing breaks.
    expect(alice.received.replace('bob:half a li\n', '')).toBe(
      'Your name: alice:joined\nbob:joined\nbob:has gone away\ncarol:joined\ncarol:anyone?\n',
    );
  });

  it('survives a client that resets before giving a name', async () => {
    const port = await start();
    const ghost = await connect(port);
    await ghost.waitFor('Your name: ');
    ghost.send('gho');
    ghost.socket.resetAndDestroy();
    const alice = await join(port, 'alice');
    alice.send('ok\n');
    await alice.waitFor('alice:ok\n');
  });

  it('cuts off a line longer than --max-line', async () => {
    const port = await start({ maxLine: 16 });
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    bob.send(`${'x'.repeat(16)}\n`);
    await alice.waitFor(`bob:${'x'.repeat(16)}\n`);
    bob.send(`${'y'.repeat(17)}\n`);
    await bob.waitClosed();
    await alice.waitFor('bob:has gone away\n');
    expect(bob.received).toBe(
      `Your name: bob:joined\nbob:${'x'.repeat(16)}\n*** disconnected: line longer than 16 bytes\n`,
    );
    expect(alice.received).not.toContain('yyy');
  });

  it('cuts off a client streaming bytes without a newline, name included', async () => {
    const port = await start({ maxLine: 100 });
    const alice = await join(port, 'alice');
    const flood = await join(port, 'flood');
    flood.send('z'.repeat(10_000));
    await flood.waitClosed();
    expect(flood.received.endsWith('*** disconnected: line longer than 100 bytes\n')).toBe(true);
    await alice.waitFor('flood:has gone away\n');
    const noname = await connect(port);
    await noname.waitFor('Your name: ');
    noname.send('n'.repeat(101));
    await noname.waitClosed();
    expect(noname.received).toBe('Your name: *** disconnected: line longer than 100 bytes\n');
  });

  it('drops a client that stops reading while the others keep chatting', async () => {
    const port = await start({ maxLine: 65_536, clientQueue: 16 });
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    const slow = await join(port, 'slow');
    await Promise.all([alice, bob].map((c) => c.waitFor('slow:joined\n')));
    slow.socket.pause();

    // Big lines fill the slow client's socket buffers quickly; alice and bob take turns and
    // each waits for its own line to come back, as a chat does.
    const big = (i: number) => `${String(i).padStart(6, '0')}${'.'.repeat(32_000)}`;
    let sent = 0;
    while (!alice.received.includes('slow:has gone away\n')) {
      const from = sent % 2 === 0 ? alice : bob;
      from.send(`${big(sent)}\n`);
      await Promise.all([alice, bob].map((c) => c.waitFor(`:${big(sent)}\n`)));
      sent++;
      expect(sent).toBeLessThan(5_000);
    }
    await bob.waitFor('slow:has gone away\n');
    alice.send('bye slow\n');
    await bob.waitFor('alice:bye slow\n');

    // Everything alice and bob sent reached both of them, in order.
    const expected = Array.from(
      { length: sent },
      (_, i) => `${i % 2 === 0 ? 'alice' : 'bob'}:${big(i)}`,
    );
    for (const c of [alice, bob]) {
      expect(c.received.split('\n').filter((l) => l.endsWith('....'))).toEqual(expected);
    }

    // The slow client, once it reads again, finds the reason and the end of the connection.
    slow.socket.resume();
    await slow.waitClosed();
    expect(
      slow.received.endsWith(
        '*** disconnected: you are not reading and 16 messages are waiting for you\n',
      ),
    ).toBe(true);
  });

  // A client that stopped reading, flooded until the server's writer to it is blocked in a
  // write: more than the socket buffers hold on loopback (a few MB), far less than its queue
  // (1000 lines), so it is not dropped. The lines it then reads must be the room's, in order.
  async function stall(port: number) {
    const slow = await join(port, 'slow');
    const talker = await join(port, 'talker');
    await slow.waitFor('talker:joined\n');
    slow.socket.pause();
    const line = (i: number) => `${String(i).padStart(4, '0')}${'.'.repeat(20_000)}`;
    for (let i = 0; i < 400; i++) {
      talker.send(`${line(i)}\n`);
      await talker.waitFor(`talker:${String(i).padStart(4, '0')}.`);
    }
    /** The talker's lines the slow client received: `0000`, `0001`, ... */
    const received = () =>
      slow.received
        .split('\n')
        .filter((l) => l.startsWith('talker:') && l.endsWith('....'))
        .map((l) => l.slice(7, 11));
    const inOrder = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(4, '0'));
    return { slow, talker, received, inOrder };
  }

  it('a client that stopped reading finds its lines in order when the server stops', async () => {
    const port = await start({ writeInterval: 0, maxLine: 65_536 });
    const { slow, received, inOrder } = await stall(port);
    const stopping = server!.stop();
    server = undefined;
    await stopping;
    slow.socket.resume();
    await slow.waitClosed();
    // The writer was cancelled in the middle of a write: what it had taken from the queue
    // goes out before the rest (the server keeps at most 64 KiB for it), never skipped.
    const got = received();
    expect(got.length).toBeGreaterThan(100);
    expect(got).toEqual(inOrder(got.length));
  });

  it('a client that stopped reading, then leaves, gets what was queued for it in order', async () => {
    const port = await start({ writeInterval: 0, maxLine: 65_536 });
    const { slow, talker, received, inOrder } = await stall(port);
    slow.socket.end();
    await talker.waitFor('slow:has gone away\n');
    slow.socket.resume();
    await slow.waitClosed();
    const got = received();
    expect(got.length).toBeGreaterThan(100);
    expect(got).toEqual(inOrder(got.length));
  });

  it('stops without waiting for a client that stopped reading', async () => {
    const tcpSockets = () =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const before = tcpSockets();
    const port = await start({ writeInterval: 0, maxLine: 65_536 });
    const { talker } = await stall(port);
    const stopping = server!.stop();
    server = undefined;
    await stopping;
    await talker.waitClosed();
    // Closing gives the slow client CLOSE_SECONDS (0.25 s) to take its last lines, then the
    // server's side is gone: only the test's own paused socket is left.
    const deadline = performance.now() + 1_000;
    while (tcpSockets() > before + 1 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(tcpSockets()).toBe(before + 1);
  });

  it('sends what the room already said before going away, even lines held back to batch writes', async () => {
    const port = await start({ writeInterval: 200 });
    const alice = await join(port, 'alice');
    // alice was written to just now, so bob's arrival waits for the rest of her interval.
    await join(port, 'bob');
    const stopping = server!.stop();
    server = undefined;
    await alice.waitClosed();
    await stopping;
    expect(alice.received).toBe('Your name: alice:joined\nbob:joined\nSERVER IS GOING AWAY!\n');
  });

  it('tells every client, named or not, that the server is going away', async () => {
    const port = await start();
    const alice = await join(port, 'alice');
    const silent = await connect(port);
    await silent.waitFor('Your name: ');
    const stopping = server!.stop();
    server = undefined;
    await Promise.all([alice.waitClosed(), silent.waitClosed()]);
    await stopping;
    expect(alice.received).toBe('Your name: alice:joined\nSERVER IS GOING AWAY!\n');
    expect(silent.received).toBe('Your name: SERVER IS GOING AWAY!\n');
  });
});
