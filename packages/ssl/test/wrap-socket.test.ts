// Handshakes over real connections on 127.0.0.1 (and a Unix socket): what each side checks,
// the errors a refused certificate or a broken handshake raise, and that a cancelled or
// failed handshake closes the connection.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CurioError,
  isCancellation,
  sleep,
  spawn,
  type Task,
  TaskTimeout,
  timeoutAfter,
} from '@curio/kernel';
import {
  AF_INET,
  openConnection,
  openUnixConnection,
  runServer,
  SOCK_STREAM,
  type Socket,
  type SocketAddress,
  socket,
  tcpServerSocket,
  unixServerSocket,
} from '@curio/net';
import {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  createDefaultContext,
  Purpose,
  SSLCertVerificationError,
  type SSLContext,
  SSLError,
  SSLSocket,
  wrapSocket,
} from '@curio/ssl';
import { afterAll, describe, expect, test } from 'vitest';
import { CERT, caught, KEY, OTHER_CERT, OTHER_KEY, portOf, runSSL } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-ssl-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function serverContext(): SSLContext {
  const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
  ctx.loadCertChain(CERT, KEY);
  return ctx;
}

/** A client context that trusts the test certificate (and nothing else). */
function trustingClient(): SSLContext {
  return createDefaultContext(Purpose.SERVER_AUTH, { cafile: CERT });
}

interface Served {
  port: number;
  server: Task;
  /** What the handlers saw: the SSLSocket of each client, or the error of its handshake. */
  clients: (SSLSocket | Error)[];
  /** The CN of each handled client's certificate (null: it sent none). */
  peers: (string | null)[];
  /** How many clients the server is done with (answered, saw end-of-file, or failed). */
  finished: () => number;
}

/** Wait until the server is done with `n` clients. */
async function finishedWith(served: Served, n: number): Promise<void> {
  while (served.finished() < n) await sleep(0.005);
}

/**
 * A TLS echo server with `ctx`: each client's first line is answered with 'echo: <line>'.
 * Handshake failures are recorded, not logged.
 */
async function echoServer(ctx: SSLContext, path?: string): Promise<Served> {
  const clients: (SSLSocket | Error)[] = [];
  const peers: (string | null)[] = [];
  let finished = 0;
  const sock = path === undefined ? tcpServerSocket('127.0.0.1', 0) : unixServerSocket(path);
  const handler = async (client: Socket) => {
    clients.push(client as SSLSocket);
    const cn = (client as SSLSocket).getpeercert()?.subject.CN;
    peers.push(cn === undefined ? null : String(cn));
    try {
      const stream = client.asStream();
      const line = await stream.readline();
      if (line.length > 0) await stream.write(`echo: ${line.toString()}`);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The client went away while we wrote to it: done with it all the same.
    } finally {
      finished++;
    }
  };
  const server = await spawn(runServer, sock, handler, {
    ssl: ctx,
    // Only failed handshakes get here: the handler above keeps its own errors.
    onHandlerError: (err: unknown, _address: SocketAddress) => {
      clients.push(err as Error);
      finished++;
    },
  });
  return {
    port: path === undefined ? portOf(sock) : 0,
    server,
    clients,
    peers,
    finished: () => finished,
  };
}

async function ask(sock: Socket, line: string): Promise<string> {
  await sock.sendall(`${line}\n`);
  const stream = sock.asStream();
  return (await stream.readline()).toString();
}

describe('client and server', () => {
  test('echo over TLS, checking the server by name and by address', async () => {
    await runSSL(async () => {
      const { port, server, clients, peers } = await echoServer(serverContext());
      for (const serverHostname of ['localhost', '127.0.0.1']) {
        await using sock = await openConnection('127.0.0.1', port, {
          ssl: trustingClient(),
          serverHostname,
        });
        expect(sock).toBeInstanceOf(SSLSocket);
        const ssl = sock as SSLSocket;
        expect(ssl.serverSide).toBe(false);
        expect(ssl.serverHostname).toBe(serverHostname);
        expect(ssl.version()).toMatch(/^TLSv1\.[23]$/);
        expect(ssl.cipher()?.name).toBeTruthy();
        expect(ssl.getpeercert()?.subject.CN).toBe('localhost');
        expect(ssl.getpeercert(true)).toBeInstanceOf(Buffer);
        expect(String(ssl)).toMatch(/^<curio\.SSLSocket family=AF_INET, .*version=TLSv1\.\d>$/);
        expect(await ask(sock, `hello ${serverHostname}`)).toBe(`echo: hello ${serverHostname}\n`);
      }
      await server.cancel();
      expect(clients).toHaveLength(2);
      for (const c of clients) {
        expect(c).toBeInstanceOf(SSLSocket);
        expect((c as SSLSocket).serverSide).toBe(true);
      }
      // The server asked for no client certificate.
      expect(peers).toEqual([null, null]);
    });
  });

  test('wrapSocket on sockets made by hand', async () => {
    await runSSL(async () => {
      const listener = socket(AF_INET, SOCK_STREAM);
      listener.bind(['127.0.0.1', 0]);
      listener.listen(1);
      const serverSide = await spawn(async () => {
        const [client] = await listener.accept();
        await using ssl = await serverContext().wrapSocket(client, { serverSide: true });
        await ssl.sendall(await ssl.recv(100));
        return ssl.getpeername();
      });
      const plain = socket(AF_INET, SOCK_STREAM);
      await plain.connect(['127.0.0.1', portOf(listener)]);
      const sock = await trustingClient().wrapSocket(plain, { serverHostname: 'localhost' });
      expect(plain.closed).toBe(true); // taken over
      await sock.sendall('ping');
      expect((await sock.recv(100)).toString()).toBe('ping');
      expect(await serverSide.join()).toEqual(sock.getsockname());
      await sock.close();
      await listener.close();
    });
  });

  test('over a Unix socket', async () => {
    await runSSL(async () => {
      const path = join(scratch, 'tls.sock');
      const { server } = await echoServer(serverContext(), path);
      {
        await using sock = await openUnixConnection(path, {
          ssl: trustingClient(),
          serverHostname: 'localhost',
        });
        expect(await ask(sock, 'unix')).toBe('echo: unix\n');
      }
      await server.cancel();
    });
  });

  test('ALPN: the server picks from what the client offers', async () => {
    await runSSL(async () => {
      const serverCtx = serverContext();
      serverCtx.setAlpnProtocols(['http/1.1']);
      const { port, server, clients } = await echoServer(serverCtx);
      const clientCtx = trustingClient();
      clientCtx.setAlpnProtocols(['h2', 'http/1.1']);
      {
        await using sock = await openConnection('127.0.0.1', port, {
          ssl: clientCtx,
          serverHostname: 'localhost',
        });
        expect((sock as SSLSocket).selectedAlpnProtocol()).toBe('http/1.1');
        expect(await ask(sock, 'alpn')).toBe('echo: alpn\n');
      }
      {
        await using sock = await openConnection('127.0.0.1', port, {
          ssl: trustingClient(),
          serverHostname: 'localhost',
        });
        expect((sock as SSLSocket).selectedAlpnProtocol()).toBeNull();
        expect(await ask(sock, 'none')).toBe('echo: none\n');
      }
      await server.cancel();
      expect((clients[0] as SSLSocket).selectedAlpnProtocol()).toBe('http/1.1');
    });
  });
});

describe('the client checks the server', () => {
  test('an untrusted certificate is an SSLCertVerificationError; the connection is closed', async () => {
    await runSSL(async () => {
      const served = await echoServer(serverContext());
      const { port, server } = served;
      const err = await caught(() =>
        openConnection('127.0.0.1', port, {
          ssl: createDefaultContext(),
          serverHostname: 'localhost',
        }),
      );
      expect(err).toBeInstanceOf(SSLCertVerificationError);
      expect(err).toBeInstanceOf(SSLError);
      expect(err).toBeInstanceOf(CurioError);
      const e = err as SSLCertVerificationError;
      expect(e.code).toBe('CURIO_SSL_CERT_VERIFICATION');
      expect(e.reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(e.message).toMatch(/server's certificate was refused .*loadVerifyLocations/);
      expect((e.cause as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      // The client hung up: whether the server's handshake had finished by then (TLS 1.3
      // finishes the client's side first) or not, the server is done with it.
      await finishedWith(served, 1);
      await server.cancel();
    });
  });

  test('a certificate for another name is an SSLCertVerificationError', async () => {
    await runSSL(async () => {
      const { port, server } = await echoServer(serverContext());
      const err = (await caught(() =>
        openConnection('127.0.0.1', port, {
          ssl: trustingClient(),
          serverHostname: 'www.example.com',
        }),
      )) as SSLCertVerificationError;
      expect(err).toBeInstanceOf(SSLCertVerificationError);
      expect(err.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(err.message).toMatch(/host name the certificate was issued for/);
      await server.cancel();
    });
  });

  test('checkHostname needs a serverHostname', async () => {
    await runSSL(async () => {
      const served = await echoServer(serverContext());
      const err = await caught(() =>
        openConnection('127.0.0.1', served.port, { ssl: trustingClient() }),
      );
      expect(err).toBeInstanceOf(CurioError);
      expect((err as Error).message).toMatch(/pass \{ serverHostname \}/);
      // Refused before any handshake: the server saw a client hang up in the middle of it.
      await finishedWith(served, 1);
      expect(served.clients[0]).toBeInstanceOf(SSLError);
      expect((served.clients[0] as SSLError).reason).toBe('UNEXPECTED_EOF_WHILE_READING');
      await served.server.cancel();
    });
  });

  test('with CERT_NONE and no host name check, anything goes', async () => {
    await runSSL(async () => {
      const { port, server } = await echoServer(serverContext());
      const ctx = createDefaultContext();
      ctx.checkHostname = false;
      ctx.verifyMode = CERT_NONE;
      {
        await using sock = await openConnection('127.0.0.1', port, { ssl: ctx });
        expect(await ask(sock, 'trusting')).toBe('echo: trusting\n');
      }
      await server.cancel();
    });
  });
});

describe('the server checks the client', () => {
  function mutualServer(mode: typeof CERT_OPTIONAL | typeof CERT_REQUIRED): SSLContext {
    const ctx = serverContext();
    ctx.verifyMode = mode;
    ctx.loadVerifyLocations(CERT);
    return ctx;
  }
  function clientWith(cert?: string, key?: string): SSLContext {
    const ctx = trustingClient();
    if (cert !== undefined) ctx.loadCertChain(cert, key);
    return ctx;
  }

  test('CERT_REQUIRED: a trusted client certificate gets in', async () => {
    await runSSL(async () => {
      const { port, server, peers } = await echoServer(mutualServer(CERT_REQUIRED));
      {
        await using sock = await openConnection('127.0.0.1', port, {
          ssl: clientWith(CERT, KEY),
          serverHostname: 'localhost',
        });
        expect(await ask(sock, 'mutual')).toBe('echo: mutual\n');
      }
      await server.cancel();
      expect(peers).toEqual(['localhost']);
    });
  });

  test('CERT_REQUIRED: no client certificate fails the handshake on both ends', async () => {
    await runSSL(async () => {
      const { port, server, clients } = await echoServer(mutualServer(CERT_REQUIRED));
      const err = await caught(async () => {
        const sock = await openConnection('127.0.0.1', port, {
          ssl: clientWith(),
          serverHostname: 'localhost',
        });
        // TLS 1.3: the client may finish first and hear of the refusal at its first read.
        try {
          await ask(sock, 'let me in');
        } finally {
          await sock.close();
        }
      });
      expect(err).toBeInstanceOf(Error);
      while (clients.length === 0) await sleep(0.005);
      expect(clients[0]).toBeInstanceOf(SSLError);
      expect((clients[0] as SSLError).reason).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
      await server.cancel();
    });
  });

  test('CERT_REQUIRED: an untrusted client certificate is refused', async () => {
    await runSSL(async () => {
      const { port, server, clients } = await echoServer(mutualServer(CERT_REQUIRED));
      const err = await caught(async () => {
        const sock = await openConnection('127.0.0.1', port, {
          ssl: clientWith(OTHER_CERT, OTHER_KEY),
          serverHostname: 'localhost',
        });
        try {
          const reply = await ask(sock, 'let me in');
          if (reply === '') throw new Error('closed by the server');
        } finally {
          await sock.close();
        }
      });
      expect(err).toBeInstanceOf(Error);
      while (clients.length === 0) await sleep(0.005);
      const refused = clients[0] as SSLCertVerificationError;
      expect(refused).toBeInstanceOf(SSLCertVerificationError);
      expect(refused.reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(refused.message).toMatch(/client's certificate was refused/);
      await server.cancel();
    });
  });

  test('CERT_OPTIONAL: no certificate is fine, an untrusted one is not', async () => {
    await runSSL(async () => {
      const { port, server, clients, peers } = await echoServer(mutualServer(CERT_OPTIONAL));
      {
        await using sock = await openConnection('127.0.0.1', port, {
          ssl: clientWith(),
          serverHostname: 'localhost',
        });
        expect(await ask(sock, 'anonymous')).toBe('echo: anonymous\n');
      }
      expect(peers).toEqual([null]);
      await caught(async () => {
        const sock = await openConnection('127.0.0.1', port, {
          ssl: clientWith(OTHER_CERT, OTHER_KEY),
          serverHostname: 'localhost',
        });
        try {
          if ((await ask(sock, 'intruder')) === '') throw new Error('closed by the server');
        } finally {
          await sock.close();
        }
      });
      while (clients.length < 2) await sleep(0.005);
      expect(clients[1]).toBeInstanceOf(SSLCertVerificationError);
      await server.cancel();
    });
  });
});

describe('broken handshakes', () => {
  /** A plain TCP server (node:net) that does `onConnection` with each client. */
  async function plainServer(onConnection: (c: net.Socket) => void): Promise<net.Server> {
    const srv = net.createServer((c) => {
      c.resume(); // read (and drop) what comes, so that the client's hang-up is seen
      onConnection(c);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return srv;
  }
  const portOfServer = (srv: net.Server) => (srv.address() as net.AddressInfo).port;
  const closeServer = (srv: net.Server) => new Promise((resolve) => srv.close(resolve));

  test('a server that does not speak TLS: SSLError', async () => {
    const srv = await plainServer((c) => c.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
    try {
      await runSSL(async () => {
        const err = (await caught(() =>
          openConnection('127.0.0.1', portOfServer(srv), {
            ssl: trustingClient(),
            serverHostname: 'localhost',
          }),
        )) as SSLError;
        expect(err).toBeInstanceOf(SSLError);
        expect(err.reason).toMatch(/^ERR_SSL_/);
        expect(err.message).toMatch(/^TLS handshake failed: /);
      });
    } finally {
      await closeServer(srv);
    }
  });

  test('a client that sends garbage: the server side fails with an SSLError', async () => {
    await runSSL(async () => {
      const { port, server, clients } = await echoServer(serverContext());
      const plain = net.connect(port, '127.0.0.1');
      plain.on('error', () => {});
      plain.end('GET / HTTP/1.0\r\n\r\n');
      while (clients.length === 0) await sleep(0.005);
      expect(clients[0]).toBeInstanceOf(SSLError);
      plain.destroy();
      await server.cancel();
    });
  });

  test('a client that hangs up before the handshake: the server side fails', async () => {
    await runSSL(async () => {
      const { port, server, clients } = await echoServer(serverContext());
      const plain = net.connect(port, '127.0.0.1');
      plain.on('error', () => {});
      await new Promise((resolve) => plain.once('connect', resolve));
      plain.end();
      while (clients.length === 0) await sleep(0.005);
      expect(clients[0]).toBeInstanceOf(Error);
      expect(clients[0]).not.toBeInstanceOf(SSLSocket);
      await server.cancel();
    });
  });

  test('a handshake that never ends is cancelled by a timeout; the connection is closed', async () => {
    let hungUp!: () => void;
    const peerClosed = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    // Accepts, reads, never answers the ClientHello.
    const srv = await plainServer((c) => c.on('close', hungUp));
    try {
      await runSSL(async () => {
        const err = await caught(() =>
          timeoutAfter(0.05, () =>
            openConnection('127.0.0.1', portOfServer(srv), {
              ssl: trustingClient(),
              serverHostname: 'localhost',
            }),
          ),
        );
        expect(err).toBeInstanceOf(TaskTimeout);
      });
      await peerClosed; // our end closed the connection
    } finally {
      await closeServer(srv);
    }
  });

  test('cancelling a server cancels the handshakes in progress', async () => {
    await runSSL(async () => {
      const served = await echoServer(serverContext());
      // A client that connects and never starts the handshake.
      const plain = net.connect(served.port, '127.0.0.1');
      plain.on('error', () => {});
      const closed = new Promise((resolve) => plain.once('close', resolve));
      plain.resume();
      await new Promise((resolve) => plain.once('connect', resolve));
      // Accepted: its handler task waits in the handshake.
      const inHandshake = () =>
        [...served.server.kernel.liveTasks()].some(
          (t) => t.name === 'handler' && t.state === 'READ_WAIT',
        );
      while (!inHandshake()) await sleep(0.002);
      await served.server.cancel();
      await closed;
      // Cancelled, not failed: nothing was reported.
      expect(served.clients).toEqual([]);
    });
  });

  test('misuse: wrong side, no certificate, a hostname on the server side', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const peerTask = await spawn(async () => {
        const [c] = await listener.accept();
        return c;
      });
      const sock = socket(AF_INET, SOCK_STREAM);
      await sock.connect(['127.0.0.1', portOf(listener)]);
      const accepted = (await peerTask.join()) as Socket;
      await expect(trustingClient().wrapSocket(accepted, { serverSide: true })).rejects.toThrow(
        /this is a client context/,
      );
      await expect(
        createDefaultContext(Purpose.CLIENT_AUTH).wrapSocket(accepted, { serverSide: true }),
      ).rejects.toThrow(/a server needs a certificate/);
      await expect(
        serverContext().wrapSocket(accepted, { serverSide: true, serverHostname: 'x' }),
      ).rejects.toThrow(/serverHostname is for the client side/);
      await expect(serverContext().wrapSocket(sock)).rejects.toThrow(/this is a server context/);
      // Refused before taking the sockets over: they are still usable.
      expect(accepted.closed).toBe(false);
      await sock.sendall('still plain');
      expect((await accepted.recv(100)).toString()).toBe('still plain');
      await sock.close();
      await accepted.close();
      await listener.close();
      // A closed socket cannot be wrapped.
      await expect(
        trustingClient().wrapSocket(sock, { serverHostname: 'localhost' }),
      ).rejects.toThrow(/closed/);
    });
  });
});

describe('wrapSocket()', () => {
  test('a context per socket: certificate files on the server, a CA file on the client', async () => {
    await runSSL(async () => {
      const listener = tcpServerSocket('127.0.0.1', 0);
      const serverSide = await spawn(async () => {
        const [client] = await listener.accept();
        try {
          await using ssl = await wrapSocket(client, {
            serverSide: true,
            certfile: CERT,
            keyfile: KEY,
          });
          expect(ssl.context.verifyMode).toBe(CERT_NONE);
          await ssl.sendall(await ssl.recv(100));
        } catch (err) {
          if (!(err instanceof SSLError)) throw err;
        }
      });
      const connect = async () => {
        const plain = socket(AF_INET, SOCK_STREAM);
        await plain.connect(['127.0.0.1', portOf(listener)]);
        return plain;
      };
      // Checked against Node's authorities by default: the self-signed certificate is refused.
      const refusedErr = await caught(async () => wrapSocket(await connect()));
      expect(refusedErr).toBeInstanceOf(SSLCertVerificationError);
      // The server's end failed its handshake or read end-of-file, depending on whether the
      // client's last handshake message went out before it hung up: either way it ended.
      await serverSide.join();
      const again = await spawn(async () => {
        const [client] = await listener.accept();
        await using ssl = await wrapSocket(client, {
          serverSide: true,
          certfile: CERT,
          keyfile: KEY,
        });
        await ssl.sendall(await ssl.recv(100));
      });
      {
        await using sock = await wrapSocket(await connect(), {
          caCerts: CERT,
          serverHostname: 'localhost',
        });
        expect(sock.context.checkHostname).toBe(true);
        await sock.sendall('hi');
        expect((await sock.recv(100)).toString()).toBe('hi');
      }
      await again.join();
      await listener.close();
    });
  });

  test('a server without a certificate file is refused', async () => {
    await runSSL(async () => {
      const sock = socket(AF_INET, SOCK_STREAM);
      await expect(wrapSocket(sock, { serverSide: true })).rejects.toThrow(
        /a server needs a certificate/,
      );
      await sock.close();
    });
  });
});
