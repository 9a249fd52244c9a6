/**
 * `FileStream`: the stream API over any Node stream — a child process's pipes, a
 * `fs.ReadStream`, a socket's `makefile()`. Reads pull from a bounded queue (the Node stream
 * is paused when it fills); writes wait for `'drain'`.
 * @module
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { CurioError } from '@curio/kernel';
import { asWriteError, systemError } from './errors.js';
import { type Bytes, toBuffer } from './internal/bytes.js';
import { forgetChannels, readChannelFor, writeChannelFor } from './internal/channels.js';
import type { ReadChannel } from './internal/read-channel.js';
import { SENT, type WriteChannel } from './internal/write-channel.js';
import { StreamLease } from './lease.js';
import { StreamBase, type StreamOptions } from './stream.js';

/** Options of {@link FileStream}. */
export interface FileStreamOptions extends StreamOptions {
  /** Read from the stream (default: whether it is a readable stream). */
  readable?: boolean;
  /** Write to the stream (default: whether it is a writable stream). */
  writable?: boolean;
  /**
   * Whether `close()` ends and destroys the Node stream (default `true`). Streams from
   * `makefile()` leave the socket open.
   */
  closeStream?: boolean;
  /**
   * Start reading at once instead of at the first read (default `false`). A child process's
   * pipes need it: once the child exits, Node drains the pipes nobody listens to yet, and
   * their data is lost.
   */
  readNow?: boolean;
}

type NodeStream = Readable | Writable | Duplex;

function isReadable(s: NodeStream): boolean {
  return typeof (s as Readable).read === 'function' && (s as Readable).readable !== false;
}

function isWritable(s: NodeStream): boolean {
  return typeof (s as Writable).write === 'function' && (s as Writable).writable !== false;
}

/**
 * A stream over a Node stream.
 * @example
 * const out = new FileStream(child.stdout);
 * for await (const line of out) console.log(line.toString());
 */
export class FileStream extends StreamBase {
  /** The Node stream underneath. */
  readonly stream: NodeStream;
  readonly #rx: ReadChannel | undefined;
  readonly #tx: WriteChannel | undefined;
  readonly #closeStream: boolean;
  #closed = false;
  #lent = false;

  constructor(stream: NodeStream, options: FileStreamOptions = {}) {
    super(options);
    this.stream = stream;
    const readable = options.readable ?? isReadable(stream);
    const writable = options.writable ?? isWritable(stream);
    if (!readable && !writable)
      throw new CurioError('FileStream needs a readable or writable Node stream');
    this.#rx = readable ? readChannelFor(stream as Readable) : undefined;
    this.#tx = writable ? writeChannelFor(stream as Writable) : undefined;
    this.#closeStream = options.closeStream ?? true;
    if (options.readNow) this.#rx?.attach();
  }

  /** True once closed (or detached). */
  get closed(): boolean {
    return this.#closed;
  }

  #reader(op: string): ReadChannel {
    if (this.#closed) throw systemError('EBADF', op, 'the stream is closed');
    if (this.#lent)
      throw new CurioError(
        `${op}() while the stream is lent out by blocking(): release the lease first`,
      );
    if (this.#rx === undefined) throw systemError('EBADF', op, 'the stream is not readable');
    return this.#rx;
  }

  #writer(op: string): WriteChannel {
    if (this.#closed) throw systemError('EBADF', op, 'the stream is closed');
    if (this.#lent)
      throw new CurioError(
        `${op}() while the stream is lent out by blocking(): release the lease first`,
      );
    if (this.#tx === undefined) throw systemError('EBADF', op, 'the stream is not writable');
    return this.#tx;
  }

  protected rawRead(max: number): Promise<Buffer> {
    try {
      return this.#reader('read').recv(max);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected rawReadInto(target: Buffer): Promise<number> {
    try {
      return this.#reader('readinto').recvInto(target);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Write all of `data`, waiting while the stream's buffer is full; resolves to its length. */
  write(data: Bytes): Promise<number> {
    let sending: Promise<void>;
    let length: number;
    try {
      const buf = toBuffer(data, 'write');
      length = buf.length;
      sending = this.#writer('write').sendall(buf);
    } catch (err) {
      return Promise.reject(err);
    }
    return sending === SENT ? Promise.resolve(length) : sending.then(() => length, asWriteError);
  }

  /** Wait until the stream's write buffer is below its high-water mark. */
  override async flush(): Promise<void> {
    if (this.#tx !== undefined && !this.#closed) await this.#tx.flush();
  }

  /**
   * Close: the writable side is ended once what was written has been flushed (in the
   * background; `close()` returns at once), then the stream is destroyed. Streams from
   * `makefile()` only stop being usable.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#closeStream) return;
    const err = systemError('EBADF', 'read', 'the stream was closed');
    this.#rx?.close(err);
    if (this.#tx !== undefined) this.#tx.closeSoon(err, Number.POSITIVE_INFINITY);
    else this.stream.destroy();
  }

  /**
   * Lend the Node stream to ordinary Node code (paused; see `SocketLease`). Fails if the
   * stream holds read-ahead data.
   */
  blocking(): StreamLease {
    if (this.#closed) throw systemError('EBADF', 'blocking', 'the stream is closed');
    this.checkNothingBuffered();
    this.#rx?.release();
    this.#lent = true;
    return new StreamLease(this.stream, () => {
      this.#lent = false;
      if (this.#closed) return;
      (this.stream as Readable).pause?.();
      this.#rx?.attach();
    });
  }

  /**
   * Hand the Node stream over for good (e.g. as another process's stdin): all unread data
   * goes back into it, Curio stops listening, and this FileStream is closed.
   */
  detach(): NodeStream {
    if (this.#closed) throw systemError('EBADF', 'detach', 'the stream is closed');
    const ended = (this.stream as Readable).readableEnded || this.stream.destroyed;
    if ((this.buffered > 0 && ended) || this.#rx?.stranded) {
      throw new CurioError(
        'the stream has ended with unread data that cannot be handed back: read it first',
      );
    }
    const ahead = this.takeBuffered();
    this.#rx?.release();
    const readable = this.stream as Readable;
    if (ahead.length > 0 && !readable.readableEnded) readable.unshift(ahead);
    this.#tx?.detach();
    forgetChannels(this.stream);
    this.#closed = true;
    return this.stream;
  }
}
