// The read side of a Node stream as Curio sees it: a bounded queue of received chunks that
// tasks pull from with recv(). Node pushes ('data' events); tasks pull. Between them sits at
// most `limit` bytes: past that the stream is paused, Node stops reading the descriptor and
// TCP's own flow control pushes back on the peer. A task that finds nothing blocks in
// READ_WAIT on this channel; a 'data', 'end', 'error' or 'close' event wakes it.
//
// Invariants: a task waits only when nothing is buffered; one task at a time may wait
// (another gets ReadResourceBusy); a waiter that is cancelled is forgotten (unblock) and
// has consumed nothing.
import type { Readable } from 'node:stream';
import {
  type Blocker,
  ReadResourceBusy,
  suspend,
  type Task,
  wake,
  wakeWithError,
} from '@curio/kernel';
import { EMPTY } from './bytes.js';

/** Default bound of the per-stream receive queue. */
export const READ_LIMIT = 64 * 1024;

export class ReadChannel implements Blocker {
  readonly external = true;
  readonly stream: Readable;
  readonly limit: number;
  #chunks: (Buffer | undefined)[] = [];
  #head = 0;
  #size = 0;
  #eof = false;
  #error: unknown = undefined;
  #hasError = false;
  #closed: Error | undefined = undefined; // our owner closed the stream
  #waiter: Task | null = null;
  #want = 0; // > 0: hand the waiter up to this many bytes; 0: only wake it
  #full = false; // we paused the stream because the queue reached the limit
  #attached = false;
  #discard = false; // shutdown(SHUT_RD)

  constructor(stream: Readable, limit = READ_LIMIT) {
    this.stream = stream;
    this.limit = limit;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.#size;
  }

  /** True when a task is blocked reading. */
  get busy(): boolean {
    return this.#waiter !== null;
  }

  /** The task blocked reading, if any. */
  get waiter(): Task | null {
    return this.#waiter;
  }

  /** True when buffered data could not be given back to the stream (it has ended). */
  get stranded(): boolean {
    return this.#size > 0 && (this.stream.readableEnded || this.stream.destroyed);
  }

  // ---- Node side ----------------------------------------------------------------------

  #onData = (data: Buffer | string): void => {
    if (this.#discard) return;
    let chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      const want = this.#want;
      if (want > 0) {
        // Nothing is buffered while someone waits: hand the chunk over directly.
        if (chunk.length <= want) {
          wake(waiter, chunk);
          return;
        }
        wake(waiter, chunk.subarray(0, want));
        chunk = chunk.subarray(want);
      } else {
        wake(waiter);
      }
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size >= this.limit && !this.#full) {
      this.#full = true;
      this.stream.pause();
    }
  };

  #onEnd = (): void => {
    this.#eof = true;
    this.#wakeEmpty();
  };

  #onError = (err: unknown): void => {
    if (this.#eof || this.#hasError) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      this.#eof = true; // reported once; reads after it see end-of-file
      wakeWithError(waiter, err);
    } else {
      this.#hasError = true;
      this.#error = err;
    }
  };

  #onClose = (): void => {
    if (this.#hasError) return;
    // Destroyed without an 'end' (reset, or closed locally): no more data will come.
    this.#eof = true;
    this.#wakeEmpty();
  };

  #wakeEmpty(): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    wake(waiter, this.#want > 0 ? EMPTY : undefined);
  }

  /** Start listening to the stream (done lazily, at the first read). */
  attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    const s = this.stream;
    s.on('data', this.#onData);
    s.on('end', this.#onEnd);
    s.on('error', this.#onError);
    s.on('close', this.#onClose);
    if (s.readableEnded) this.#eof = true;
    else if (s.destroyed) {
      const err = (s as Readable & { errored?: unknown }).errored;
      if (err) {
        this.#hasError = true;
        this.#error = err;
      } else this.#eof = true;
    } else if (!this.#full) s.resume();
  }

  #detachListeners(): void {
    if (!this.#attached) return;
    this.#attached = false;
    const s = this.stream;
    s.off('data', this.#onData);
    s.off('end', this.#onEnd);
    s.off('error', this.#onError);
    s.off('close', this.#onClose);
  }

  // ---- Task side ----------------------------------------------------------------------

  /**
   * Up to `max` bytes: what is buffered, else wait for data. Resolves to an empty buffer
   * at end-of-file. Does not block (nor switch tasks) when data is buffered.
   */
  recv(max: number): Promise<Buffer> {
    if (this.#size > 0) return Promise.resolve(this.#take(max));
    if (!this.#attached) this.attach();
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#hasError) return Promise.reject(this.#takeError());
    if (this.#eof || max === 0) return Promise.resolve(EMPTY);
    return this.#wait(max) as Promise<Buffer>;
  }

  /** Fill `target` with what is buffered (at most its length), else wait; 0 at end-of-file. */
  async recvInto(target: Buffer): Promise<number> {
    for (;;) {
      if (this.#size > 0 || target.length === 0) return this.#takeInto(target);
      if (!this.#attached) this.attach();
      if (this.#closed !== undefined) throw this.#closed;
      if (this.#hasError) throw this.#takeError();
      if (this.#eof) return 0;
      await this.#wait(0);
    }
  }

  #wait(want: number): Promise<Buffer | undefined> {
    if (this.#waiter !== null) {
      return Promise.reject(
        new ReadResourceBusy(
          `${this.#waiter} is already reading this socket: only one task may wait to read at a time`,
        ),
      );
    }
    this.#want = want;
    return suspend<Buffer | undefined>('READ_WAIT', this);
  }

  /** @internal Blocker hook. */
  block(task: Task): void {
    this.#waiter = task;
  }

  /** @internal Blocker hook: the waiter was cancelled; it took nothing. */
  unblock(task: Task): void {
    if (this.#waiter === task) this.#waiter = null;
  }

  #takeError(): unknown {
    const err = this.#error;
    this.#hasError = false;
    this.#error = undefined;
    this.#eof = true;
    return err;
  }

  #take(max: number): Buffer {
    const chunks = this.#chunks;
    const first = chunks[this.#head]!;
    let out: Buffer;
    if (first.length >= max) {
      if (first.length === max) {
        out = first;
        this.#shift();
      } else {
        out = first.subarray(0, max);
        chunks[this.#head] = first.subarray(max);
      }
    } else if (this.#head === chunks.length - 1) {
      out = first;
      this.#shift();
    } else {
      out = Buffer.allocUnsafe(Math.min(max, this.#size));
      this.#copyOut(out);
    }
    this.#consumed(out.length);
    return out;
  }

  #takeInto(target: Buffer): number {
    const n = this.#copyOut(target);
    this.#consumed(n);
    return n;
  }

  #copyOut(target: Buffer): number {
    const n = Math.min(target.length, this.#size);
    let off = 0;
    while (off < n) {
      // Read this.#chunks afresh each time: #shift() may compact it into a new array.
      const c = this.#chunks[this.#head]!;
      const k = Math.min(c.length, n - off);
      c.copy(target, off, 0, k);
      off += k;
      if (k === c.length) this.#shift();
      else this.#chunks[this.#head] = c.subarray(k);
    }
    return n;
  }

  #shift(): void {
    const chunks = this.#chunks;
    chunks[this.#head++] = undefined;
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > chunks.length) {
      this.#chunks = chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  #consumed(n: number): void {
    this.#size -= n;
    if (this.#full && this.#size <= this.limit >> 1 && this.#attached) {
      this.#full = false;
      this.stream.resume();
    }
  }

  /** Everything buffered, removed from the queue. */
  drain(): Buffer {
    if (this.#size === 0) return EMPTY;
    const first = this.#chunks[this.#head]!;
    if (first.length === this.#size) {
      this.#shift();
      this.#consumed(first.length);
      return first;
    }
    const out = Buffer.allocUnsafe(this.#size);
    this.#takeInto(out);
    return out;
  }

  // ---- Ownership ----------------------------------------------------------------------

  /**
   * Stop reading and give the buffered bytes back to the Node stream (`unshift`), so Node
   * code can read them; the stream is left paused. Undo with {@link ReadChannel.attach}.
   */
  release(): void {
    if (this.#waiter !== null) {
      throw new ReadResourceBusy(
        `${this.#waiter} is reading this socket: it cannot be handed over now`,
      );
    }
    if (!this.#attached) return;
    this.#detachListeners();
    const s = this.stream;
    s.pause();
    this.#full = false;
    if (this.#size > 0 && !s.readableEnded && !s.destroyed) s.unshift(this.drain());
  }

  /** `shutdown(SHUT_RD)`: report end-of-file from now on and drop what arrives. */
  shutdown(): void {
    this.#discard = true;
    this.#eof = true;
    this.#chunks = [];
    this.#head = 0;
    this.#size = 0;
    if (this.#full) {
      this.#full = false;
      this.stream.resume();
    }
    if (!this.#attached) this.attach();
    this.#wakeEmpty();
  }

  /** The owner closed the stream: a task still waiting gets `err`, and so does every later read. */
  close(err: Error): void {
    this.#closed = err;
    this.#size = 0;
    this.#chunks = [];
    this.#head = 0;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      wakeWithError(waiter, err);
    }
  }
}
