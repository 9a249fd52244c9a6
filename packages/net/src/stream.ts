/**
 * File-like streams over sockets and Node streams: `read`, `readall`, `readExactly`,
 * `readinto`, `readline`, `readlines`, `write`, `writelines`, `for await (const line of
 * stream)`. `write` is not buffered by the stream: it is `sendall`. Partial progress is
 * reported on a cancellation: `bytesRead`, `bytesWritten`, `linesRead` (see `progressOf`).
 * @module
 */
import { CurioError, isCancellation } from '@curio/kernel';
import { asWriteError, attachProgress, EOFError, LineTooLongError, progressOf } from './errors.js';
import { type Bytes, EMPTY, join, toBuffer, toByteView } from './internal/bytes.js';
import { LineIterator, type LineSource } from './internal/line-iterator.js';
import { SENT } from './internal/write-channel.js';
import type { SocketLease } from './lease.js';
import type { Socket } from './socket.js';

/** How much one raw read asks for. */
export const MAX_READ = 64 * 1024;

const NEWLINE = 0x0a;

/** Options of the streams. */
export interface StreamOptions {
  /**
   * Longest line `readline()` and line iteration accept, in bytes, newline included
   * (default: no limit, as in Curio). Past it they throw `LineTooLongError` and consume
   * nothing.
   */
  maxLineLength?: number;
}

/** What the streams have in common; subclasses supply the raw reads and writes. */
export abstract class StreamBase
  implements AsyncDisposable, AsyncIterable<Buffer>, LineSource<Buffer>
{
  #buffer: Buffer = EMPTY; // read ahead by readline, not yet returned
  readonly #maxLine: number;

  /** @internal */
  constructor(options: StreamOptions = {}) {
    const max = options.maxLineLength ?? Number.POSITIVE_INFINITY;
    if (!(max > 0))
      throw new RangeError(`maxLineLength must be > 0, got ${String(options.maxLineLength)}`);
    this.#maxLine = max;
  }

  /** One raw read of up to `max` bytes (empty at end-of-file). */
  protected abstract rawRead(max: number): Promise<Buffer>;
  /** One raw read into `target`; the byte count, 0 at end-of-file. */
  protected abstract rawReadInto(target: Buffer): Promise<number>;
  /** Write all of `data`; resolves to its length. */
  abstract write(data: Bytes): Promise<number>;
  /** Close the stream. */
  abstract close(): Promise<void>;

  /** Bytes read ahead (by `readline`) and not yet returned. */
  protected get buffered(): number {
    return this.#buffer.length;
  }

  /** @internal Take the read-ahead bytes. */
  protected takeBuffered(): Buffer {
    const b = this.#buffer;
    this.#buffer = EMPTY;
    return b;
  }

  /**
   * Read up to `maxbytes` bytes (`-1`: whatever one read returns, up to 64 KiB). An empty
   * buffer means end-of-file.
   */
  read(maxbytes = -1): Promise<Buffer> {
    const buf = this.#buffer;
    if (buf.length > 0) {
      if (maxbytes < 0 || buf.length <= maxbytes) {
        this.#buffer = EMPTY;
        return Promise.resolve(buf);
      }
      this.#buffer = buf.subarray(maxbytes);
      return Promise.resolve(buf.subarray(0, maxbytes));
    }
    return this.rawRead(maxbytes < 0 ? MAX_READ : maxbytes);
  }

  /** Read until end-of-file. Cancelled, the error carries `bytesRead`. */
  async readall(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let max = MAX_READ;
    for (;;) {
      let chunk: Buffer;
      try {
        chunk = await this.read(max);
      } catch (err) {
        if (isCancellation(err)) attachProgress(err, { bytesRead: join(chunks) });
        throw err;
      }
      if (chunk.length === 0) return join(chunks);
      chunks.push(chunk);
      if (chunk.length === max) max *= 2;
    }
  }

  /**
   * Read exactly `nbytes` bytes. Throws `EOFError` (with `bytesRead`) if the stream ends
   * first; cancelled, the error carries `bytesRead`.
   */
  async readExactly(nbytes: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let left = nbytes;
    while (left > 0) {
      let chunk: Buffer;
      try {
        chunk = await this.read(left);
      } catch (err) {
        if (isCancellation(err)) attachProgress(err, { bytesRead: join(chunks) });
        throw err;
      }
      if (chunk.length === 0) {
        throw new EOFError(
          `unexpected end of data: ${nbytes - left} of ${nbytes} bytes read`,
          join(chunks),
        );
      }
      chunks.push(chunk);
      left -= chunk.length;
    }
    return join(chunks);
  }

  /**
   * Fill `buffer` (any typed array or DataView) until it is full or the stream ends, as
   * Curio's `readinto`; resolves to the number of bytes read. Cancelled, the error carries
   * `bytesRead` (a view of the part of `buffer` filled).
   */
  async readinto(buffer: ArrayBufferView): Promise<number> {
    const view = toByteView(buffer, 'readinto');
    let total = 0;
    const ahead = this.#buffer;
    if (ahead.length > 0) {
      total = ahead.copy(view, 0, 0, Math.min(ahead.length, view.length));
      this.#buffer = ahead.subarray(total);
    }
    try {
      while (total < view.length) {
        const n = await this.rawReadInto(view.subarray(total));
        if (n === 0) break;
        total += n;
      }
    } catch (err) {
      if (isCancellation(err)) attachProgress(err, { bytesRead: view.subarray(0, total) });
      throw err;
    }
    return total;
  }

  /**
   * Read one line, newline included; at end-of-file the rest (an empty buffer when there is
   * none). With a limit (`maxlen`, else the stream's `maxLineLength`), a longer line throws
   * `LineTooLongError` and stays buffered. A cancelled readline consumes nothing.
   */
  readline(maxlen?: number): Promise<Buffer> {
    const limit = maxlen ?? this.#maxLine;
    try {
      const line = this.bufferedLine(limit);
      return line === undefined ? this.#readlineSlow(limit) : Promise.resolve(line);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * @internal Take the next line if the read-ahead holds all of it (the common case when
   * lines are shorter than a read): `undefined` if it does not.
   * @throws LineTooLongError if that line is longer than `limit` (it stays buffered).
   */
  bufferedLine(limit: number = this.#maxLine): Buffer | undefined {
    const ahead = this.#buffer;
    const at = ahead.indexOf(NEWLINE);
    if (at < 0) return undefined;
    if (at >= limit) throw new LineTooLongError(limit);
    this.#buffer = ahead.subarray(at + 1);
    return ahead.subarray(0, at + 1);
  }

  /** `readline` when the read-ahead holds no complete line: read until it does. */
  async #readlineSlow(limit: number): Promise<Buffer> {
    const ahead = this.#buffer;
    // Parts of the line read so far; on any error they go back to the buffer.
    const parts: Buffer[] = ahead.length > 0 ? [ahead] : [];
    let total = ahead.length;
    this.#buffer = EMPTY;
    try {
      for (;;) {
        if (total >= limit) throw new LineTooLongError(limit);
        const data = await this.rawRead(MAX_READ);
        if (data.length === 0) {
          const rest = join(parts);
          parts.length = 0;
          return rest;
        }
        const i = data.indexOf(NEWLINE);
        if (i < 0) {
          parts.push(data);
          total += data.length;
          continue;
        }
        if (total + i + 1 > limit) {
          parts.push(data);
          throw new LineTooLongError(limit);
        }
        parts.push(data.subarray(0, i + 1));
        const line = join(parts);
        parts.length = 0;
        this.#buffer = data.subarray(i + 1);
        return line;
      }
    } catch (err) {
      if (parts.length > 0)
        this.#buffer = join(this.#buffer.length > 0 ? [...parts, this.#buffer] : parts);
      throw err;
    }
  }

  /** Read every remaining line. Cancelled, the error carries `linesRead`. */
  async readlines(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    try {
      for (;;) {
        const line = await this.readline();
        if (line.length === 0) return lines;
        lines.push(line);
      }
    } catch (err) {
      if (isCancellation(err)) attachProgress(err, { linesRead: lines });
      throw err;
    }
  }

  /** Write each item in turn. Cancelled, the error carries the total `bytesWritten`. */
  async writelines(lines: Iterable<Bytes>): Promise<void> {
    let written = 0;
    for (const line of lines) {
      try {
        written += await this.write(line);
      } catch (err) {
        if (isCancellation(err))
          attachProgress(err, { bytesWritten: written + (progressOf(err).bytesWritten ?? 0) });
        throw err;
      }
    }
  }

  /** Wait until what was written has been handed to the operating system's buffers. */
  async flush(): Promise<void> {}

  /**
   * Lines until end-of-file: `for await (const line of stream)`. Each `next()` is one
   * `readline()`; the iterator ends at end-of-file, at the first error, or at `return()`
   * (a `break` out of the loop).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return new LineIterator(this);
  }

  /** `await using stream = ...` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Throw if read-ahead data would be lost by lending the stream out. */
  protected checkNothingBuffered(): void {
    if (this.#buffer.length > 0) {
      throw new CurioError(
        `there are ${this.#buffer.length} bytes of unread buffered data: read them before calling blocking()`,
      );
    }
  }
}

/**
 * A stream over a connected {@link Socket} (`socket.asStream()`). Closing the stream closes
 * the socket.
 * @example
 * const s = client.asStream();
 * for await (const line of s) await s.write(line);
 */
export class SocketStream extends StreamBase {
  /** The socket underneath. */
  readonly socket: Socket;

  constructor(sock: Socket, options?: StreamOptions) {
    super(options);
    this.socket = sock;
  }

  protected rawRead(max: number): Promise<Buffer> {
    return this.socket.recv(max);
  }

  protected rawReadInto(target: Buffer): Promise<number> {
    return this.socket.recvInto(target);
  }

  /** Send all of `data` (= `sendall`); resolves to its length. Cancelled: `bytesWritten`. */
  write(data: Bytes): Promise<number> {
    let sending: Promise<void>;
    let length: number;
    try {
      const buf = toBuffer(data, 'write');
      length = buf.length;
      sending = this.socket.sendall(buf);
    } catch (err) {
      return Promise.reject(err);
    }
    return sending === SENT ? Promise.resolve(length) : sending.then(() => length, asWriteError);
  }

  /** Close the socket (flushing what was written). */
  async close(): Promise<void> {
    await this.socket.close();
  }

  /**
   * Lend the underlying `net.Socket` (see `Socket.blocking`). Fails if the stream holds
   * read-ahead data, which the lessee would not see.
   */
  blocking(): SocketLease {
    this.checkNothingBuffered();
    return this.socket.blocking();
  }
}
