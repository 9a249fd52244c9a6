/**
 * Leases: what `blocking()` returns. A lease lends an underlying Node object to ordinary
 * Node code; Curio stops using it until the lease is released (`using` releases it at block
 * exit, or call `release()`).
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import type { Socket as NodeSocket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';

/** Base of the leases: released once, by `release()` or `[Symbol.dispose]`. */
export abstract class Lease implements Disposable {
  #release: (() => void) | undefined;

  /** @internal */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** True until the lease is released. */
  get active(): boolean {
    return this.#release !== undefined;
  }

  /** Give the object back to Curio. Idempotent. */
  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** `using lease = sock.blocking()` releases it at block exit. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A connected `net.Socket` lent to Node code by `Socket.blocking()`. The socket is paused
 * and holds any data Curio had received but not yet delivered: read it with `read()`, or
 * attach a `'data'` listener and call `resume()`. Remove your listeners before releasing.
 * @example
 * {
 *   using lease = client.blocking();
 *   lease.socket.write('hello from callback code\n');
 * }
 */
export class SocketLease extends Lease {
  /** The underlying socket (a `tls.TLSSocket` for TLS connections). */
  readonly socket: NodeSocket;

  /** @internal */
  constructor(socket: NodeSocket, release: () => void) {
    super(release);
    this.socket = socket;
  }
}

/** The Node stream under a `FileStream`, lent by `FileStream.blocking()` (paused, as for sockets). */
export class StreamLease extends Lease {
  /** The underlying Node stream. */
  readonly stream: Readable | Writable | Duplex;

  /** @internal */
  constructor(stream: Readable | Writable | Duplex, release: () => void) {
    super(release);
    this.stream = stream;
  }
}

/**
 * The open file under an `aopen()` file, lent by `AsyncFile.blocking()`. Reads and writes
 * through `aopen` files are positional, so use `position` (the file's logical position)
 * with `fs.readSync(fd, buffer, 0, n, position)` and the like.
 */
export class FileLease extends Lease {
  /** The file descriptor. */
  readonly fd: number;
  /** The `fs/promises` handle. */
  readonly handle: FileHandle;
  /** The file's current position (what `tell()` returns). */
  readonly position: number;

  /** @internal */
  constructor(handle: FileHandle, position: number, release: () => void) {
    super(release);
    this.handle = handle;
    this.fd = handle.fd;
    this.position = position;
  }
}
