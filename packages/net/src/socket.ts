/**
 * `Socket`: Python's socket object on Node. The lifecycle is Python's — `socket()`,
 * `setsockopt`, `bind`, `listen`, `accept` / `connect`, `recv` / `send`, `shutdown`,
 * `close` — and every operation that may wait is `async` and a cancellation point. Under it
 * are a `net.Server` (listening), a `net.Socket` (connected, TCP or Unix) or a
 * `dgram.Socket` (UDP).
 *
 * Reading is pull-style: received data waits in a bounded per-socket queue (Node stops
 * reading past 64 KiB, so TCP pushes back on the peer) until a task calls `recv`. Writing
 * respects Node's backpressure: `sendall` waits for `'drain'`. A second task that would wait
 * to read (write) while another already does gets `ReadResourceBusy` (`WriteResourceBusy`).
 * @module
 */
import net from 'node:net';
import { CurioError, WriteResourceBusy } from '@curio/kernel';
import {
  type AddressLike,
  familyFromNode,
  familyOfHost,
  formatAddress,
  fromNodeAddress,
  type InetAddress,
  inetParts,
  literalHost,
  nodeFamily,
  type SocketAddress,
  unixPath,
} from './address.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  FAMILY_NAMES,
  IPPROTO_TCP,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_BROADCAST,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_NODELAY,
  TYPE_NAMES,
} from './constants.js';
import { systemError } from './errors.js';
import { FileStream } from './file-stream.js';
import { Acceptor } from './internal/acceptor.js';
import { type Bytes, toBuffer, toByteView } from './internal/bytes.js';
import { forgetChannels, readChannelFor, writeChannelFor } from './internal/channels.js';
import { dial } from './internal/dial.js';
import { listenNow } from './internal/listen.js';
import type { ReadChannel } from './internal/read-channel.js';
import type { WriteChannel } from './internal/write-channel.js';
import { SocketLease } from './lease.js';
import { SocketStream, type StreamOptions } from './stream.js';
import { DatagramEndpoint } from './udp.js';

/** Options of `new Socket(netSocket, options)`, which wraps an already connected `net.Socket`. */
export interface WrapOptions {
  /** Address family (default: from the socket's remote address; `AF_UNIX` for pipes). */
  family?: number;
  /** For Unix sockets: the peer's path, reported by `getpeername()` (default `''`). */
  peerPath?: string;
}

type State = 'idle' | 'connecting' | 'connected' | 'listening' | 'closed';

const DEFAULT_BACKLOG = 128;
/** Seconds a closed socket keeps flushing unsent data to a slow peer (see `SO_LINGER`). */
const DEFAULT_LINGER = 5;

function checkSize(n: number, where: string): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${where}() needs a byte count >= 0, got ${String(n)}`);
  }
  return n;
}

/**
 * A socket. Create one with {@link socket} (or `new Socket(family, type)`), or wrap a
 * connected `net.Socket` with `new Socket(netSocket)`. `await using sock = ...` closes it.
 * @example
 * const sock = socket(AF_INET, SOCK_STREAM);
 * sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * sock.bind(['127.0.0.1', 25000]);
 * sock.listen(5);
 * await using _ = sock;
 * for (;;) {
 *   const [client, addr] = await sock.accept();
 *   await spawn({ daemon: true }, echoClient, client, addr);
 * }
 */
export class Socket implements AsyncDisposable {
  /** Address family: `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  readonly family: number;
  /** `SOCK_STREAM` or `SOCK_DGRAM`. */
  readonly type: number;
  #state: State = 'idle';
  #options = new Map<string, number>();
  #bound: SocketAddress | undefined;
  #conn: net.Socket | undefined;
  #rx: ReadChannel | undefined;
  #tx: WriteChannel | undefined;
  #acceptor: Acceptor<Socket, SocketAddress> | undefined;
  #dgram: DatagramEndpoint | undefined;
  #local: SocketAddress | undefined;
  #peer: SocketAddress | undefined;
  #lent = false;

  /** A new, unconnected socket (as {@link socket}). */
  constructor(family?: number, type?: number);
  /** Wrap a connected `net.Socket` (a `tls.TLSSocket` works too); Curio owns it from now on. */
  constructor(conn: net.Socket, options?: WrapOptions);
  constructor(first: number | net.Socket = AF_INET, second?: number | WrapOptions) {
    if (first instanceof net.Socket) {
      const options = (typeof second === 'object' ? second : undefined) ?? {};
      this.family =
        options.family ??
        familyFromNode(
          first.remoteFamily ??
            (first.remoteAddress ? familyOfHostNode(first.remoteAddress) : undefined),
        );
      this.type = SOCK_STREAM;
      this.#adopt(first, options.peerPath);
      return;
    }
    const type = typeof second === 'number' ? second : SOCK_STREAM;
    if (first !== AF_INET && first !== AF_INET6 && first !== AF_UNIX) {
      throw new CurioError(
        `unsupported address family ${String(first)}: use AF_INET, AF_INET6 or AF_UNIX`,
      );
    }
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) {
      throw new CurioError(
        `unsupported socket type ${String(type)}: use SOCK_STREAM or SOCK_DGRAM`,
      );
    }
    if (first === AF_UNIX && type === SOCK_DGRAM) {
      throw new CurioError('AF_UNIX datagram sockets are not supported by Node: use SOCK_STREAM');
    }
    this.family = first;
    this.type = type;
  }

  #adopt(conn: net.Socket, peerPath?: string): void {
    this.#conn = conn;
    this.#state = 'connected';
    // The write channel listens for 'error' at once: an unhandled 'error' would kill the process.
    this.#tx = writeChannelFor(conn);
    if (this.family === AF_UNIX) {
      this.#peer = peerPath ?? '';
      this.#local = typeof this.#bound === 'string' ? this.#bound : '';
    } else {
      this.#peer = fromNodeAddress(conn.remoteAddress, conn.remotePort, this.family);
      this.#local = fromNodeAddress(conn.localAddress, conn.localPort, this.family);
    }
    if (this.#options.get(`${IPPROTO_TCP}:${TCP_NODELAY}`)) conn.setNoDelay(true);
    if (this.#options.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`)) conn.setKeepAlive(true);
  }

  /** True once closed (or detached). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  // ---- Errors -------------------------------------------------------------------------

  #fail(op: string): Error {
    if (this.#state === 'closed') return systemError('EBADF', op, 'the socket is closed');
    if (this.#lent) {
      return new CurioError(
        `${op}() while the socket is lent out by blocking(): release the lease first`,
      );
    }
    if (this.#state === 'listening')
      return systemError('EINVAL', op, 'the socket is listening: accept() connections instead');
    return systemError(
      'ENOTCONN',
      op,
      'the socket is not connected: call connect() first (or accept() a connection)',
    );
  }

  #connection(op: string): net.Socket {
    if (this.#state !== 'connected' || this.#lent) throw this.#fail(op);
    return this.#conn!;
  }

  #endpoint(): DatagramEndpoint {
    if (this.#state === 'closed') throw this.#fail('sendto');
    if (this.#dgram === undefined) {
      this.#dgram = new DatagramEndpoint(this.family, {
        reuseAddr: Boolean(this.#options.get(`${SOL_SOCKET}:${SO_REUSEADDR}`)),
        reusePort: Boolean(this.#options.get(`${SOL_SOCKET}:${SO_REUSEPORT}`)),
      });
      this.#applyDatagramOptions();
    }
    return this.#dgram;
  }

  #applyDatagramOptions(): void {
    const d = this.#dgram;
    if (d === undefined || !d.bound) return;
    const broadcast = this.#options.get(`${SOL_SOCKET}:${SO_BROADCAST}`);
    if (broadcast !== undefined) d.socket.setBroadcast(Boolean(broadcast));
    const rcv = this.#options.get(`${SOL_SOCKET}:${SO_RCVBUF}`);
    if (rcv) d.socket.setRecvBufferSize(rcv);
    const snd = this.#options.get(`${SOL_SOCKET}:${SO_SNDBUF}`);
    if (snd) d.socket.setSendBufferSize(snd);
  }

  // ---- Options --------------------------------------------------------------------------

  /**
   * Set a socket option. Options are recorded and applied when they mean something to
   * Node: `TCP_NODELAY` (`setNoDelay`), `SO_KEEPALIVE` (`setKeepAlive`), `SO_REUSEPORT`
   * (at `listen`/`bind`), `SO_REUSEADDR` (UDP; Node always sets it on TCP servers),
   * `SO_BROADCAST`, `SO_RCVBUF`, `SO_SNDBUF` (UDP).
   */
  setsockopt(level: number, option: number, value: number | boolean): void {
    if (this.#state === 'closed') throw this.#fail('setsockopt');
    const v = Number(value);
    this.#options.set(`${level}:${option}`, v);
    const conn = this.#conn;
    if (conn !== undefined && this.#state === 'connected') {
      if (level === IPPROTO_TCP && option === TCP_NODELAY) conn.setNoDelay(Boolean(v));
      if (level === SOL_SOCKET && option === SO_KEEPALIVE) conn.setKeepAlive(Boolean(v));
    }
    this.#applyDatagramOptions();
  }

  /** The value recorded for a socket option (0 if never set). */
  getsockopt(level: number, option: number): number {
    return this.#options.get(`${level}:${option}`) ?? 0;
  }

  // ---- Addresses --------------------------------------------------------------------

  /**
   * Bind to an address: `[host, port]` (`''` is every interface, port 0 picks a free
   * one) or a Unix path. Synchronous. UDP sockets bind at once (errors are thrown here);
   * stream sockets bind when they `listen()` or `connect()`.
   */
  bind(address: AddressLike): void {
    if (this.#state !== 'idle')
      throw systemError('EINVAL', 'bind', 'the socket is already bound, connected or closed');
    if (this.family === AF_UNIX) {
      this.#bound = unixPath(address, 'bind');
      return;
    }
    const [host, port] = inetParts(address, 'bind');
    if (this.type === SOCK_DGRAM) {
      this.#endpoint().bind(host, port);
      this.#applyDatagramOptions();
    }
    this.#bound = [host, port];
  }

  /** The socket's own address: `[host, port]`, or a path for Unix sockets. */
  getsockname(): SocketAddress {
    if (this.family === AF_UNIX)
      return typeof this.#local === 'string' ? this.#local : ((this.#bound as string) ?? '');
    if (this.#dgram?.bound) return this.#dgram.address();
    if (this.#acceptor !== undefined) {
      const a = this.#acceptor.server.address();
      if (a !== null && typeof a === 'object')
        return fromNodeAddress(a.address, a.port, this.family);
    }
    if (this.#local !== undefined) return this.#local;
    if (this.#bound !== undefined) return [...(this.#bound as InetAddress)] as InetAddress;
    return fromNodeAddress(undefined, 0, this.family);
  }

  /** The peer's address (`[host, port]`, or a path — `''` if unnamed — for Unix sockets). */
  getpeername(): SocketAddress {
    if (this.#peer !== undefined) return this.#peer;
    if (this.#dgram?.peer !== undefined) return this.#dgram.peer;
    throw systemError('ENOTCONN', 'getpeername', 'the socket is not connected');
  }

  // ---- Listening ----------------------------------------------------------------------

  /**
   * Start listening for connections (stream sockets). Synchronous: the address is bound
   * before this returns when it is a literal (so `getsockname()` knows the port). Errors
   * such as `EADDRINUSE` or `EACCES` are thrown by the next `accept()`.
   */
  listen(backlog: number = DEFAULT_BACKLOG): void {
    if (this.type !== SOCK_STREAM)
      throw systemError('EOPNOTSUPP', 'listen', 'listen() needs a SOCK_STREAM socket');
    if (this.#state === 'listening') return;
    if (this.#state !== 'idle') throw this.#fail('listen');
    if (this.family === AF_UNIX && typeof this.#bound !== 'string') {
      throw systemError(
        'EINVAL',
        'listen',
        'an AF_UNIX socket must be bound to a path before listen()',
      );
    }
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    this.#acceptor = new Acceptor<Socket, SocketAddress>(
      server,
      (conn) => {
        const client = new Socket(conn, { family: this.family });
        if (this.#options.get(`${IPPROTO_TCP}:${TCP_NODELAY}`)) conn.setNoDelay(true);
        return [client, client.getpeername()];
      },
      ([client]) => {
        client.#abort();
      },
    );
    this.#state = 'listening';
    if (this.family === AF_UNIX) {
      listenNow(server, { path: this.#bound as string, backlog });
      return;
    }
    const [host, port] = (this.#bound as InetAddress | undefined) ?? ['', 0];
    listenNow(server, {
      host: literalHost(host, this.family),
      port,
      backlog,
      reusePort: Boolean(this.#options.get(`${SOL_SOCKET}:${SO_REUSEPORT}`)),
    });
  }

  /**
   * Wait for a connection; resolves to `[client, address]`. A queued connection is
   * returned at once. Cancelling a waiting accept loses no connection.
   */
  accept(): Promise<[Socket, SocketAddress]> {
    if (this.#state !== 'listening') {
      return Promise.reject(
        this.#state === 'closed'
          ? this.#fail('accept')
          : systemError(
              'EINVAL',
              'accept',
              'the socket is not listening: call bind() and listen() first',
            ),
      );
    }
    return this.#acceptor!.accept();
  }

  // ---- Connecting ---------------------------------------------------------------------

  /**
   * Connect to `address` (`[host, port]` or a Unix path). A cancellation point; a
   * cancelled or failed connect leaves the socket unconnected.
   */
  async connect(address: AddressLike): Promise<void> {
    if (this.type === SOCK_DGRAM) {
      const [host, port] = inetParts(address, 'connect');
      await this.#endpoint().connect([host, port]);
      return;
    }
    if (this.#state === 'connected')
      throw systemError('EISCONN', 'connect', 'the socket is already connected');
    if (this.#state === 'connecting')
      throw systemError('EALREADY', 'connect', 'a connect() is already in progress');
    if (this.#state !== 'idle') throw this.#fail('connect');
    let options: net.NetConnectOpts;
    let peerPath: string | undefined;
    if (this.family === AF_UNIX) {
      peerPath = unixPath(address, 'connect');
      options = { path: peerPath };
    } else {
      const [host, port] = inetParts(address, 'connect');
      const target =
        host === '' ? literalHost('localhost', this.family) : literalHost(host, this.family);
      options = { host: target, port, family: nodeFamily(this.family) };
      if (Array.isArray(this.#bound)) {
        const [lhost, lport] = this.#bound as InetAddress;
        options.localAddress = literalHost(lhost, this.family);
        if (lport) options.localPort = lport;
      }
    }
    this.#state = 'connecting';
    let conn: net.Socket;
    try {
      conn = await dial(options);
    } catch (err) {
      if (this.#state === 'connecting') this.#state = 'idle';
      throw err;
    }
    if (this.#state !== 'connecting') {
      conn.destroy(); // closed meanwhile
      throw this.#fail('connect');
    }
    this.#adopt(conn, peerPath);
  }

  // ---- Reading ------------------------------------------------------------------------

  /**
   * Receive up to `maxsize` bytes; an empty buffer means end-of-file. Returns at once when
   * data is buffered, else waits. A cancelled recv consumes nothing.
   */
  recv(maxsize: number): Promise<Buffer> {
    if (!(maxsize >= 0) || maxsize % 1 !== 0) {
      return Promise.reject(
        new RangeError(`recv() needs a byte count >= 0, got ${String(maxsize)}`),
      );
    }
    if (this.#state !== 'connected' || this.#lent) {
      if (this.type !== SOCK_DGRAM) return Promise.reject(this.#fail('recv'));
      try {
        return this.#endpoint()
          .recvfrom(maxsize)
          .then((r) => r[0]);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return (this.#rx ??= readChannelFor(this.#conn!)).recv(maxsize);
  }

  /**
   * Receive into `buffer` (any typed array or DataView), at most `nbytes` bytes if given;
   * resolves to the number of bytes received, 0 at end-of-file.
   */
  async recvInto(buffer: ArrayBufferView, nbytes = 0): Promise<number> {
    let view = toByteView(buffer, 'recvInto');
    if (nbytes > 0) view = view.subarray(0, nbytes);
    if (this.type === SOCK_DGRAM) {
      const [data] = await this.#endpoint().recvfrom(view.length);
      return data.copy(view);
    }
    const conn = this.#connection('recvInto');
    return (this.#rx ??= readChannelFor(conn)).recvInto(view);
  }

  /**
   * Receive a datagram: `[data, address]` (UDP). On a stream socket, `recv` plus the
   * peer's address.
   */
  async recvfrom(maxsize: number): Promise<[Buffer, SocketAddress]> {
    checkSize(maxsize, 'recvfrom');
    if (this.type === SOCK_DGRAM) return this.#endpoint().recvfrom(maxsize);
    const data = await this.recv(maxsize);
    return [data, this.getpeername()];
  }

  // ---- Writing ------------------------------------------------------------------------

  /**
   * Send some of `data` (at most one 64 KiB chunk); resolves to how many bytes were taken.
   * Waits first if the socket's buffer is full. Prefer {@link Socket.sendall}.
   */
  async send(data: Bytes): Promise<number> {
    const buf = toBuffer(data, 'send');
    if (this.type === SOCK_DGRAM) return this.#endpoint().sendto(buf, undefined);
    const conn = this.#connection('send');
    return (this.#tx ??= writeChannelFor(conn)).send(buf);
  }

  /**
   * Send all of `data`. Returns without switching tasks while Node's buffer has room, and
   * waits (for the peer to read) when it is full. A cancelled or timed-out sendall carries
   * `bytesSent` on the error (see `progressOf`): the bytes handed over, which will be sent.
   */
  sendall(data: Bytes): Promise<void> {
    let buf: Buffer;
    try {
      buf = toBuffer(data, 'sendall');
      if (this.type === SOCK_DGRAM) {
        this.#endpoint().sendto(buf, undefined);
        return Promise.resolve();
      }
      if (this.#state !== 'connected' || this.#lent) throw this.#fail('sendall');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#tx!.sendall(buf);
  }

  /** Send a datagram to `address` (UDP); resolves to its length. */
  async sendto(data: Bytes, address: AddressLike): Promise<number> {
    const buf = toBuffer(data, 'sendto');
    if (this.type !== SOCK_DGRAM) {
      throw systemError(
        'EISCONN',
        'sendto',
        'sendto() is for SOCK_DGRAM sockets: use sendall() on a stream',
      );
    }
    const [host, port] = inetParts(address, 'sendto');
    return this.#endpoint().sendto(buf, [host, port]);
  }

  // ---- Ending -------------------------------------------------------------------------

  /**
   * Shut down one or both directions: `SHUT_WR` sends end-of-file to the peer after the
   * data already accepted (the socket can still receive), `SHUT_RD` makes `recv` report
   * end-of-file, `SHUT_RDWR` both.
   */
  async shutdown(how: number): Promise<void> {
    if (this.type === SOCK_DGRAM) return;
    const conn = this.#connection('shutdown');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw new RangeError(`shutdown() needs SHUT_RD, SHUT_WR or SHUT_RDWR, got ${String(how)}`);
    }
    if (how !== SHUT_WR) (this.#rx ??= readChannelFor(conn)).shutdown();
    if (how !== SHUT_RD) this.#tx!.end();
  }

  /**
   * Close the socket, as Python's `close()`: it returns at once. Data already accepted for
   * sending still goes out — flushed in the background, then end-of-file — for at most
   * `SO_LINGER` seconds (default 5) if the peer is slow; after that it is dropped. Tasks
   * still waiting on the socket get an `EBADF` error. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const prior = this.#state;
    this.#state = 'closed';
    const err = systemError('EBADF', 'recv', 'the socket was closed');
    if (this.#acceptor !== undefined) this.#acceptor.close(err);
    if (this.#dgram !== undefined) await this.#dgram.close(err);
    const conn = this.#conn;
    if (conn === undefined || prior === 'connecting') return;
    this.#rx?.close(err);
    this.#tx!.closeSoon(err, this.#options.get(`${SOL_SOCKET}:${SO_LINGER}`) ?? DEFAULT_LINGER);
  }

  /** Close at once, dropping unsent data (for connections nobody accepted). */
  #abort(): void {
    this.#state = 'closed';
    this.#conn?.destroy();
  }

  /** `await using sock = socket()` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- Wrappers and interop -----------------------------------------------------------

  /**
   * A file-like stream over this socket: `read`, `readline`, `readExactly`, `write`,
   * `for await (const line of stream)`. Closing the stream closes the socket.
   */
  asStream(options?: StreamOptions): SocketStream {
    this.#connection('asStream');
    return new SocketStream(this, options);
  }

  /**
   * A `FileStream` over this socket, as Python's `makefile(mode)`; binary modes only
   * (`'rb'`, `'wb'`, `'rwb'`). It shares the socket's buffers; closing it leaves the
   * socket open.
   */
  makefile(mode = 'rb', options: StreamOptions = {}): FileStream {
    if (!mode.includes('b'))
      throw new CurioError(
        `makefile(${JSON.stringify(mode)}): only binary modes are supported ('rb', 'wb', 'rwb')`,
      );
    const conn = this.#connection('makefile');
    return new FileStream(conn, {
      ...options,
      readable: mode.includes('r') || mode.includes('+'),
      writable: mode.includes('w') || mode.includes('a') || mode.includes('+'),
      closeStream: false,
    });
  }

  /**
   * Lend the underlying `net.Socket` to ordinary Node code: Curio stops reading it (what
   * it had buffered is handed back to the socket) until the lease is released. After the
   * peer has closed, Node takes nothing back: buffered data then waits for the next `recv`.
   * @example
   * {
   *   using lease = client.blocking();
   *   await awaitPromise(legacyProtocol(lease.socket));
   * }
   */
  blocking(): SocketLease {
    const conn = this.#connection('blocking');
    if (this.#tx?.busy)
      throw new WriteResourceBusy(
        `${this.#tx.waiter} is writing this socket: it cannot be lent now`,
      );
    this.#rx?.release();
    if (this.#rx === undefined) conn.pause();
    this.#lent = true;
    return new SocketLease(conn, () => {
      this.#lent = false;
      if (this.#state !== 'connected') return;
      conn.pause();
      this.#rx?.attach();
    });
  }

  /**
   * Hand the underlying `net.Socket` over for good (e.g. to `tls.TLSSocket`): buffered
   * data goes back into it, Curio stops listening to it, and this Socket is closed. The new
   * owner must listen for `'error'`.
   */
  detach(): net.Socket {
    const conn = this.#connection('detach');
    if (this.#rx?.stranded) {
      throw new CurioError(
        'the peer has closed and unread data cannot be handed back: read it first',
      );
    }
    if (this.#tx?.busy)
      throw new WriteResourceBusy(
        `${this.#tx.waiter} is writing this socket: it cannot be detached now`,
      );
    this.#rx?.release();
    if (this.#rx === undefined) conn.pause();
    this.#tx?.detach();
    forgetChannels(conn);
    this.#state = 'closed';
    this.#conn = undefined;
    this.#rx = undefined;
    this.#tx = undefined;
    return conn;
  }

  /** Python's `settimeout` does not exist here: use `timeoutAfter`. */
  settimeout(_seconds: number | null): never {
    throw new CurioError(
      'sockets have no timeout setting: use timeoutAfter(seconds, () => sock.recv(n))',
    );
  }

  /** Like Python's repr: family, type, state and addresses. */
  toString(): string {
    const parts = [
      `family=${FAMILY_NAMES[this.family]}`,
      `type=${TYPE_NAMES[this.type]}`,
      `state=${this.#state}`,
    ];
    if (this.#state !== 'closed') {
      if (this.#local !== undefined || this.#acceptor !== undefined || this.#bound !== undefined) {
        parts.push(`laddr=${formatAddress(this.getsockname())}`);
      }
      if (this.#peer !== undefined) parts.push(`raddr=${formatAddress(this.#peer)}`);
    }
    return `<curio.Socket ${parts.join(', ')}>`;
  }
}

function familyOfHostNode(host: string): number | undefined {
  const f = familyOfHost(host);
  return f === AF_INET6 ? 6 : f === AF_INET ? 4 : undefined;
}

/**
 * Create a socket, as Python's `socket.socket(family, type)`.
 * @example
 * const sock = socket(AF_INET, SOCK_DGRAM);
 * sock.bind(['127.0.0.1', 0]);
 * const [data, addr] = await sock.recvfrom(8192);
 */
export function socket(family: number = AF_INET, type: number = SOCK_STREAM): Socket {
  return new Socket(family, type);
}
