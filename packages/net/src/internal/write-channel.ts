// The write side of a Node stream as Curio sees it. Node's write() accepts everything and
// buffers it; this channel adds the backpressure Curio's sendall has: data goes in chunks,
// and when write() says the buffer is over its high-water mark the task blocks in
// WRITE_WAIT until 'drain'. So a peer that does not read makes sendall block, and at most
// one chunk plus the high-water mark sits in memory per stream.
import type { Writable } from 'node:stream';
import {
  type Blocker,
  isCancellation,
  suspend,
  type Task,
  WriteResourceBusy,
  wake,
  wakeWithError,
} from '@curio/kernel';
import { attachProgress, systemError } from '../errors.js';

/** Largest piece handed to `write()` at once. */
export const WRITE_CHUNK = 64 * 1024;

/** What `sendall` returns when it finished without waiting (compare with `===`). */
export const SENT: Promise<void> = Promise.resolve();

type Waiting = 'drain';

export class WriteChannel implements Blocker {
  readonly external = true;
  readonly stream: Writable;
  #waiter: Task | null = null;
  #waiting: Waiting = 'drain';
  #error: unknown = undefined;
  #hasError = false;
  #closed: Error | undefined = undefined;
  readonly #chunk: number;

  constructor(stream: Writable) {
    this.stream = stream;
    this.#chunk = Math.max(WRITE_CHUNK, stream.writableHighWaterMark || 0);
    stream.on('drain', this.#onDrain);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
  }

  /** True when a task is blocked writing. */
  get busy(): boolean {
    return this.#waiter !== null;
  }

  /** The task blocked writing, if any. */
  get waiter(): Task | null {
    return this.#waiter;
  }

  #onDrain = (): void => {
    if (this.#waiter !== null && this.#waiting === 'drain') this.#wakeWaiter();
  };

  #onError = (err: unknown): void => {
    if (!this.#hasError) {
      this.#hasError = true;
      this.#error = err;
    }
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
  };

  #onClose = (): void => {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    wakeWithError(
      waiter,
      this.#failure('send') ?? systemError('EPIPE', 'send', 'the connection was closed'),
    );
  };

  #wakeWaiter(): void {
    const waiter = this.#waiter!;
    this.#waiter = null;
    wake(waiter);
  }

  /** The error a write would fail with now, if any. */
  #failure(syscall: string): unknown {
    if (this.#closed !== undefined) return this.#closed;
    if (this.#hasError) return this.#error;
    const s = this.stream;
    if (s.destroyed) return systemError('EPIPE', syscall, 'the connection was closed');
    if (s.writableEnded)
      return systemError('EPIPE', syscall, 'cannot send after shutdown(SHUT_WR)');
    return undefined;
  }

  /**
   * Send all of `data`. Returns at once (without switching tasks) when Node's buffer has
   * room; otherwise blocks until the peer has taken enough. A cancellation or timeout
   * carries `bytesSent`: how much was handed over (and will be sent).
   */
  sendall(data: Buffer): Promise<void> {
    const s = this.stream;
    if (
      data.length <= this.#chunk &&
      !s.writableNeedDrain &&
      this.#closed === undefined &&
      !this.#hasError &&
      s.writable
    ) {
      if (data.length > 0) s.write(data);
      return SENT;
    }
    return this.#sendallSlow(data);
  }

  async #sendallSlow(data: Buffer): Promise<void> {
    let sent = 0;
    try {
      do {
        if (this.stream.writableNeedDrain) await this.#wait('drain');
        const err = this.#failure('send');
        if (err !== undefined) throw err;
        const n = Math.min(this.#chunk, data.length - sent);
        this.stream.write(n === data.length ? data : data.subarray(sent, sent + n));
        sent += n;
      } while (sent < data.length);
    } catch (err) {
      if (isCancellation(err)) attachProgress(err, { bytesSent: sent });
      throw err;
    }
  }

  /** Send as much of `data` as fits now (at most one chunk); block first if the buffer is full. */
  async send(data: Buffer): Promise<number> {
    if (this.stream.writableNeedDrain) await this.#wait('drain');
    const err = this.#failure('send');
    if (err !== undefined) throw err;
    const n = Math.min(this.#chunk, data.length);
    if (n > 0) this.stream.write(n === data.length ? data : data.subarray(0, n));
    return n;
  }

  /** Wait until Node's buffer is below its high-water mark. */
  async flush(): Promise<void> {
    if (this.stream.writableNeedDrain) await this.#wait('drain');
  }

  /** `shutdown(SHUT_WR)`: send end-of-file after what is buffered. */
  end(): void {
    const s = this.stream;
    if (!s.writableEnded && !s.destroyed) s.end();
  }

  /**
   * Close the stream: a task blocked writing gets `err`; what Node still buffers is flushed
   * in the background (then end-of-file), for at most `lingerSeconds`, after which — or at
   * once if nothing is buffered — the stream is destroyed.
   */
  closeSoon(err: Error, lingerSeconds: number): void {
    this.close(err);
    const s = this.stream;
    if (s.destroyed) return;
    if (s.writableLength === 0 || lingerSeconds <= 0 || this.#hasError || s.writableFinished) {
      s.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      s.destroy();
    };
    s.once('finish', done);
    s.once('error', done);
    s.once('close', done);
    if (Number.isFinite(lingerSeconds)) {
      timer = setTimeout(done, lingerSeconds * 1000);
      timer.unref();
    }
    if (!s.writableEnded) s.end();
  }

  #wait(what: Waiting): Promise<void> {
    if (this.#waiter !== null) {
      return Promise.reject(
        new WriteResourceBusy(
          `${this.#waiter} is already writing this socket: only one task may wait to write at a time`,
        ),
      );
    }
    this.#waiting = what;
    return suspend<void>('WRITE_WAIT', this);
  }

  /** @internal Blocker hook. */
  block(task: Task): void {
    this.#waiter = task;
  }

  /** @internal Blocker hook: the waiter was cancelled. */
  unblock(task: Task): void {
    if (this.#waiter === task) this.#waiter = null;
  }

  /** Stop listening to the stream (it is handed over to other code for good). */
  detach(): void {
    const s = this.stream;
    s.off('drain', this.#onDrain);
    s.off('error', this.#onError);
    s.off('close', this.#onClose);
  }

  /** The owner closed the stream without flushing. */
  close(err: Error): void {
    this.#closed = err;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
  }
}
