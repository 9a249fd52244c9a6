/**
 * Servers: `tcpServer`, `unixServer` and the `runServer` loop under them. Every client
 * handler runs in one task group, so cancelling the server cancels every client (their
 * `catch`/`finally` blocks run) and then closes the listening socket. The server closes
 * each client socket when its handler ends. A handler that crashes is reported and ends
 * only its own connection; finished handlers are reaped as they end.
 * @module
 */
import { CurioError, currentTask, isCancellation, type Task, TaskGroup } from '@curio/kernel';
import { familyOfHost, formatAddress, type SocketAddress } from './address.js';
import type { SSLWrapper } from './connection.js';
import {
  AF_INET,
  AF_UNIX,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_STREAM,
  SOL_SOCKET,
} from './constants.js';
import { supportsReusePort } from './internal/listen.js';
import { type Socket, socket } from './socket.js';

/** A client handler: called with the connected socket and the client's address. */
export type ClientHandler = (client: Socket, address: SocketAddress) => unknown;

/** Options of {@link runServer}. */
export interface RunServerOptions {
  /** TLS: an `SSLContext` (anything with `wrapSocket`); each client is wrapped server-side. */
  ssl?: SSLWrapper;
  /**
   * Called when a handler fails (with an error that is not a cancellation). Default: log
   * `Task Crash: ...` with the stack to `console.error`.
   */
  onHandlerError?: (error: unknown, address: SocketAddress) => void;
}

/** Options of {@link tcpServerSocket}. */
export interface TcpServerSocketOptions {
  /** `AF_INET` or `AF_INET6` (default: from the host literal, else `AF_INET`). */
  family?: number;
  /** Listen backlog (default 100). */
  backlog?: number;
  /** `SO_REUSEADDR` (default true). */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT` (default false; needs Node >= 22.12, else a warning is emitted). */
  reusePort?: boolean;
}

/** Options of {@link tcpServer}. */
export interface TcpServerOptions extends TcpServerSocketOptions, RunServerOptions {}

/** Options of {@link unixServerSocket}. */
export interface UnixServerSocketOptions {
  /** Listen backlog (default 100). */
  backlog?: number;
}

/** Options of {@link unixServer}. */
export interface UnixServerOptions extends UnixServerSocketOptions, RunServerOptions {}

function checkSSL(ssl: unknown): void {
  if (
    ssl !== undefined &&
    (typeof ssl !== 'object' ||
      ssl === null ||
      typeof (ssl as SSLWrapper).wrapSocket !== 'function')
  ) {
    throw new CurioError(
      'the ssl option of a server must have a wrapSocket() method (an SSLContext from @curio/ssl)',
    );
  }
}

function defaultReport(error: unknown, address: SocketAddress): void {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  console.error(`Task Crash: ${currentTask()} (client ${formatAddress(address)})\n${stack}`);
}

async function runClient(
  client: Socket,
  address: SocketAddress,
  handler: ClientHandler,
  options: RunServerOptions,
): Promise<void> {
  let sock = client;
  try {
    if (options.ssl !== undefined)
      sock = await options.ssl.wrapSocket(client, { serverSide: true });
    await handler(sock, address);
  } catch (err) {
    if (isCancellation(err)) throw err;
    (options.onHandlerError ?? defaultReport)(err, address);
  } finally {
    await sock.close();
    if (sock !== client) await client.close();
  }
}

async function acceptClients(
  sock: Socket,
  group: TaskGroup,
  handler: ClientHandler,
  options: RunServerOptions,
): Promise<void> {
  const name = handler.name || 'client';
  for (;;) {
    const [client, address] = await sock.accept();
    try {
      await group.spawn({ name }, runClient, client, address, handler, options);
    } catch (err) {
      await client.close();
      throw err;
    }
  }
}

/**
 * Serve connections on a listening socket: each client runs `handler(client, address)` in
 * its own task. Runs until cancelled (or until `accept` fails, e.g. `EADDRINUSE`, which is
 * thrown here); the listening socket is closed at the end.
 * @example
 * const sock = tcpServerSocket('127.0.0.1', 0);
 * const [, port] = sock.getsockname() as InetAddress;
 * const server = await spawn(runServer, sock, echoClient);
 */
export async function runServer(
  sock: Socket,
  handler: ClientHandler,
  options: RunServerOptions = {},
): Promise<void> {
  try {
    checkSSL(options.ssl);
    if (typeof handler !== 'function')
      throw new CurioError('runServer() needs a handler function (client, address) => ...');
    const group = new TaskGroup();
    let acceptor: Task | undefined;
    try {
      acceptor = await group.spawn(
        { name: 'acceptClients' },
        acceptClients,
        sock,
        group,
        handler,
        options,
      );
      // Reap handlers as they end so that finished ones do not pile up; stop when the
      // accept loop itself ends (it only ends by failing).
      for (;;) {
        const done = await group.nextDone();
        if (done === undefined || done === acceptor) {
          if (done !== undefined) void done.result; // rethrows the accept error
          return;
        }
      }
    } finally {
      // Stop accepting first. An acceptor woken with a connection just as the server is
      // cancelled still hands it to a new handler before its cancellation lands; made after
      // cancelRemaining() looked at the group, that handler would escape it, and join()
      // would wait for it (for as long as its client stays connected).
      if (acceptor !== undefined) await acceptor.cancel();
      await group.cancelRemaining();
      await group.join();
    }
  } finally {
    await sock.close();
  }
}

/**
 * A listening TCP socket, as Curio's `tcp_server_socket`: `SO_REUSEADDR` set, bound and
 * listening. Synchronous; with port 0 read the chosen port with `getsockname()`.
 */
export function tcpServerSocket(
  host: string,
  port: number,
  options: TcpServerSocketOptions = {},
): Socket {
  const family = options.family ?? familyOfHost(host) ?? AF_INET;
  const sock = socket(family, SOCK_STREAM);
  try {
    if (options.reuseAddress ?? true) sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (options.reusePort) {
      if (!supportsReusePort()) {
        process.emitWarning(`reusePort needs Node >= 22.12 (this is ${process.version}): ignored`, {
          code: 'CURIO_REUSEPORT',
        });
      }
      sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    }
    sock.bind([host, port]);
    sock.listen(options.backlog ?? 100);
  } catch (err) {
    void sock.close();
    throw err;
  }
  return sock;
}

/**
 * Serve TCP connections on `host`, `port` with `handler` until cancelled.
 * @example
 * async function echoClient(client: Socket, addr: SocketAddress) {
 *   for (;;) {
 *     const data = await client.recv(1000);
 *     if (data.length === 0) break;
 *     await client.sendall(data);
 *   }
 * }
 * await run(tcpServer, '', 25000, echoClient);
 */
export async function tcpServer(
  host: string,
  port: number,
  handler: ClientHandler,
  options: TcpServerOptions = {},
): Promise<void> {
  checkSSL(options.ssl);
  await runServer(tcpServerSocket(host, port, options), handler, options);
}

/** A listening Unix socket at `path` (which must not exist yet). Synchronous. */
export function unixServerSocket(path: string, options: UnixServerSocketOptions = {}): Socket {
  const sock = socket(AF_UNIX, SOCK_STREAM);
  try {
    sock.bind(path);
    sock.listen(options.backlog ?? 100);
  } catch (err) {
    void sock.close();
    throw err;
  }
  return sock;
}

/** Serve Unix socket connections at `path` with `handler` until cancelled. */
export async function unixServer(
  path: string,
  handler: ClientHandler,
  options: UnixServerOptions = {},
): Promise<void> {
  checkSSL(options.ssl);
  await runServer(unixServerSocket(path, options), handler, options);
}
