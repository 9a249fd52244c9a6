/**
 * UDP for {@link Socket}: a `node:dgram` socket whose datagrams queue up until a task calls
 * `recvfrom`. Binding is synchronous, as in Python (host literals are resolved without a
 * detour through the event loop), so `getsockname()` knows the port right after `bind()`.
 * @module
 */
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import {
  type Blocker,
  ReadResourceBusy,
  suspend,
  type Task,
  WriteResourceBusy,
  wake,
  wakeWithError,
} from '@curio/kernel';
import { fromNodeAddress, type InetAddress, literalHost } from './address.js';
import { AF_INET6 } from './constants.js';
import { systemError } from './errors.js';

/** Datagrams queued beyond this many bytes are dropped (UDP may drop; memory stays bounded). */
export const DATAGRAM_QUEUE_LIMIT = 1024 * 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

// Literal addresses answer at once, so bind() and sendto() need no event-loop turn.
function literalLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: LookupCallback,
): void {
  const kind = isIP(hostname);
  if (kind !== 0) {
    callback(null, hostname, kind);
    return;
  }
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

/** Options of a datagram endpoint. */
export interface DatagramOptions {
  reuseAddr?: boolean;
  reusePort?: boolean;
}

/** @internal The UDP half of a Socket. */
export class DatagramEndpoint implements Blocker {
  readonly external = true;
  readonly socket: dgram.Socket;
  readonly family: number;
  #queue: [Buffer, InetAddress][] = [];
  #head = 0;
  #bytes = 0;
  #waiter: Task | null = null;
  #waiting: 'recv' | 'send' | 'connect' = 'recv';
  #want = 0;
  #error: unknown = undefined;
  #hasError = false;
  #closed: Error | undefined = undefined;
  #bound = false;
  #peer: InetAddress | undefined = undefined;
  #pending = 0;

  constructor(family: number, options: DatagramOptions) {
    this.family = family;
    this.socket = dgram.createSocket({
      type: family === AF_INET6 ? 'udp6' : 'udp4',
      reuseAddr: options.reuseAddr ?? false,
      ...(options.reusePort ? { reusePort: true } : {}),
      lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
    });
    this.socket.on('message', this.#onMessage);
    this.socket.on('error', this.#onError);
    this.socket.on('close', this.#onClose);
  }

  /** True once bound (explicitly, or implicitly by a send). */
  get bound(): boolean {
    return this.#bound;
  }

  /** The connected peer, if `connect()` was called. */
  get peer(): InetAddress | undefined {
    return this.#peer;
  }

  #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const from = fromNodeAddress(rinfo.address, rinfo.port, this.family);
    const waiter = this.#waiter;
    if (waiter !== null && this.#waiting === 'recv') {
      this.#waiter = null;
      wake(waiter, [msg.length > this.#want ? msg.subarray(0, this.#want) : msg, from]);
      return;
    }
    if (this.#bytes + msg.length > DATAGRAM_QUEUE_LIMIT) return;
    this.#queue.push([msg, from]);
    this.#bytes += msg.length;
  };

  #onError = (err: unknown): void => {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    } else if (!this.#hasError) {
      this.#hasError = true;
      this.#error = err;
    }
  };

  #onClose = (): void => {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    if (this.#waiting === 'send') wake(waiter);
    else
      wakeWithError(
        waiter,
        this.#closed ?? systemError('EBADF', 'recvfrom', 'the socket was closed'),
      );
  };

  #takeError(): unknown {
    const err = this.#error;
    this.#hasError = false;
    this.#error = undefined;
    return err;
  }

  /** Bind now; throws the bind error (EADDRINUSE, ...) at once. */
  bind(host: string, port: number): void {
    let failure: unknown;
    const onError = (err: unknown) => {
      failure = err;
    };
    // Our own listener sees the error too and would keep it for the next recv: not wanted.
    this.socket.off('error', this.#onError);
    this.socket.once('error', onError);
    try {
      this.socket.bind({ port, address: literalHost(host, this.family) });
    } finally {
      this.socket.off('error', onError);
      this.socket.on('error', this.#onError);
    }
    if (failure !== undefined) throw failure;
    this.#bound = true;
  }

  #ensureBound(): void {
    if (!this.#bound) this.bind('', 0);
  }

  /** `[host, port]` this socket is bound to. */
  address(): InetAddress {
    if (!this.#bound) return fromNodeAddress(undefined, 0, this.family);
    try {
      const a = this.socket.address();
      return fromNodeAddress(a.address, a.port, this.family);
    } catch {
      return fromNodeAddress(undefined, 0, this.family);
    }
  }

  /** Next datagram (cut to `max` bytes, as the OS does) and its sender. */
  recvfrom(max: number): Promise<[Buffer, InetAddress]> {
    if (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as [Buffer, InetAddress];
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
        // A queue that never quite empties (steady load) must not grow without bound.
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#bytes -= entry[0].length;
      if (entry[0].length > max) entry[0] = entry[0].subarray(0, max);
      return Promise.resolve(entry);
    }
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#hasError) return Promise.reject(this.#takeError());
    if (this.#waiter !== null) {
      return Promise.reject(
        new ReadResourceBusy(
          `${this.#waiter} is already waiting on this socket: only one task may wait at a time`,
        ),
      );
    }
    this.#ensureBound();
    this.#want = max;
    this.#waiting = 'recv';
    return suspend<[Buffer, InetAddress]>('READ_WAIT', this);
  }

  /** Send one datagram; returns its length. Does not block. */
  sendto(data: Buffer, to: InetAddress | undefined): number {
    if (this.#closed !== undefined) throw this.#closed;
    if (this.#hasError) throw this.#takeError();
    if (to === undefined && this.#peer === undefined) {
      throw systemError(
        'EDESTADDRREQ',
        'send',
        'the socket is not connected: use sendto(data, address)',
      );
    }
    this.#ensureBound();
    this.#pending++;
    const done = (err: Error | null) => {
      this.#pending--;
      if (err) this.#onError(err);
      if (this.#pending === 0 && this.#waiter !== null && this.#waiting === 'send') {
        const w = this.#waiter;
        this.#waiter = null;
        wake(w);
      }
    };
    if (to === undefined) this.socket.send(data, done);
    else this.socket.send(data, to[1], literalHost(to[0], this.family), done);
    return data.length;
  }

  /** Fix the peer: later `send`/`recv` use it (and datagrams from others are dropped by the OS). */
  async connect(to: InetAddress): Promise<void> {
    if (this.#closed !== undefined) throw this.#closed;
    if (this.#waiter !== null) {
      throw new WriteResourceBusy(`${this.#waiter} is already waiting on this socket`);
    }
    this.#ensureBound();
    let failure: unknown;
    let finished = false;
    this.socket.connect(to[1], literalHost(to[0], this.family), (err?: Error) => {
      failure = err;
      finished = true;
      const w = this.#waiter;
      if (w !== null && this.#waiting === 'connect') {
        this.#waiter = null;
        wake(w);
      }
    });
    if (!finished) {
      this.#waiting = 'connect';
      await suspend<void>('WRITE_WAIT', this);
    }
    if (failure !== undefined) throw failure;
    this.#peer = to;
  }

  /** @internal Blocker hook. */
  block(task: Task): void {
    this.#waiter = task;
  }

  /** @internal Blocker hook. */
  unblock(task: Task): void {
    if (this.#waiter === task) this.#waiter = null;
  }

  /** Wait for the datagrams still being sent, then close. */
  async close(err: Error): Promise<void> {
    if (this.#closed !== undefined) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
    try {
      if (this.#pending > 0) {
        this.#waiting = 'send';
        await suspend<void>('WRITE_WAIT', this);
      }
    } finally {
      this.#closed = err;
      this.#queue = [];
      this.#head = 0;
      try {
        this.socket.close();
      } catch {
        // already closed
      }
    }
  }
}
