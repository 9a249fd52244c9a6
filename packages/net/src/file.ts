/**
 * `aopen()`: files with Python's `open()` modes whose operations are cancellation points.
 * Built on `fs/promises`: reads and writes are positional (the file keeps its own
 * position), so a cancelled read leaves no trace — its result is dropped and the position
 * does not move. Writes, truncation and close are shielded: once started they complete, and
 * a cancellation that arrives meanwhile is delivered at the next blocking operation.
 * @module
 */
import type { PathLike } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { awaitPromise, CurioError, disableCancellation, WaitQueue } from '@curio/kernel';
import { systemError } from './errors.js';
import { EMPTY, toBuffer, toByteView } from './internal/bytes.js';
import { LineIterator } from './internal/line-iterator.js';
import { FileLease } from './lease.js';

type Base = 'r' | 'w' | 'a' | 'x';
/** Text modes: `read` returns strings, decoded as UTF-8. */
export type TextMode = Base | `${Base}+` | `${Base}t` | `${Base}t+` | `${Base}+t`;
/** Binary modes: `read` returns Buffers. */
export type BinaryMode = `${Base}b` | `${Base}b+` | `${Base}+b`;
/** Any mode `aopen` accepts. */
export type FileMode = TextMode | BinaryMode;

/** Size of each read from disk. */
const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

interface ParsedMode {
  flags: string;
  binary: boolean;
  readable: boolean;
  writable: boolean;
  append: boolean;
}

function parseMode(mode: string): ParsedMode {
  const m = /^([rwax])([bt]?)(\+?)([bt]?)$/.exec(mode);
  const kind = m?.[1];
  const tb = (m?.[2] ?? '') + (m?.[4] ?? '');
  if (m === null || kind === undefined || tb.length > 1) {
    throw new CurioError(
      `invalid file mode ${JSON.stringify(mode)}: use 'r', 'w', 'a', 'x', with 'b' for bytes and '+' for update`,
    );
  }
  const plus = m[3] === '+';
  const flags = { r: 'r', w: 'w', a: 'a', x: 'wx' }[kind]! + (plus ? '+' : '');
  return {
    flags,
    binary: tb === 'b',
    readable: kind === 'r' || plus,
    writable: kind !== 'r' || plus,
    append: kind === 'a',
  };
}

// Length of the longest prefix of `buf` that ends on a whole UTF-8 character.
function completeUtf8(buf: Buffer): number {
  const n = buf.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + size <= n ? n : i;
  }
  return n;
}

// The first `n` characters (code points) of `text`.
function firstChars(text: string, n: number): string {
  let i = 0;
  for (let count = 0; count < n && i < text.length; count++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, i);
}

// How many characters (code points) `text` has, counting no further than `max`.
function charsIn(text: string, max: number): number {
  let count = 0;
  for (let i = 0; i < text.length && count < max; count++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return count;
}

/**
 * An open file (from {@link aopen}). `T` is `string` in text modes, `Buffer` in binary
 * modes. `await using f = await aopen(path)` closes it at block exit.
 */
export class AsyncFile<T extends string | Buffer = string | Buffer>
  implements AsyncDisposable, AsyncIterable<T>
{
  /** The path it was opened with. */
  readonly name: string;
  /** The mode it was opened with. */
  readonly mode: string;
  readonly #fh: FileHandle;
  readonly #binary: boolean;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #append: boolean;
  #pos: number; // file offset of the next read from disk (or write)
  #ahead: Buffer = EMPTY; // read from disk, not yet returned; ends at #pos
  #closed = false;
  #busy = false;
  readonly #waiters = new WaitQueue<void>();

  /** @internal Use {@link aopen}. */
  constructor(fh: FileHandle, name: string, mode: string, parsed: ParsedMode, position: number) {
    this.#fh = fh;
    this.name = name;
    this.mode = mode;
    this.#binary = parsed.binary;
    this.#readable = parsed.readable;
    this.#writable = parsed.writable;
    this.#append = parsed.append;
    this.#pos = position;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  // One operation at a time, in arrival order (as the lock of Python's buffered files).
  async #locked<R>(op: string, body: () => Promise<R>): Promise<R> {
    if (this.#closed) throw systemError('EBADF', op, 'I/O operation on a closed file');
    if (this.#busy) await this.#waiters.wait('FILE_WAIT');
    else this.#busy = true;
    try {
      if (this.#closed) throw systemError('EBADF', op, 'I/O operation on a closed file');
      return await body();
    } finally {
      if (this.#waiters.wakeOne() === undefined) this.#busy = false;
    }
  }

  #checkReadable(op: string): void {
    if (!this.#readable)
      throw systemError('EBADF', op, `the file was opened with mode '${this.mode}': not readable`);
  }

  // Read one more chunk from disk into the read-ahead; false at end-of-file.
  async #fill(): Promise<boolean> {
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await awaitPromise(this.#fh.read(buf, 0, CHUNK, this.#pos));
    if (bytesRead === 0) return false;
    this.#pos += bytesRead;
    const data = buf.subarray(0, bytesRead);
    this.#ahead = this.#ahead.length > 0 ? Buffer.concat([this.#ahead, data]) : data;
    return true;
  }

  #takeBytes(n: number): Buffer {
    const ahead = this.#ahead;
    if (n >= ahead.length) {
      this.#ahead = EMPTY;
      return ahead;
    }
    this.#ahead = ahead.subarray(n);
    return ahead.subarray(0, n);
  }

  #out(bytes: Buffer): T {
    return (this.#binary ? bytes : bytes.toString('utf8')) as T;
  }

  /**
   * Read `size` bytes (binary) or characters (text), fewer only at end-of-file; everything
   * to the end with the default `-1`. An empty result means end-of-file.
   */
  read(size = -1): Promise<T> {
    return this.#locked('read', async () => {
      this.#checkReadable('read');
      if (size < 0) {
        while (await this.#fill());
        return this.#out(this.#takeBytes(this.#ahead.length));
      }
      if (this.#binary) {
        while (this.#ahead.length < size && (await this.#fill()));
        return this.#out(this.#takeBytes(size));
      }
      for (;;) {
        const text = this.#ahead.toString('utf8', 0, completeUtf8(this.#ahead));
        if (charsIn(text, size) >= size) {
          const part = firstChars(text, size);
          this.#takeBytes(Buffer.byteLength(part));
          return part as T;
        }
        if (!(await this.#fill())) {
          // End-of-file: the rest (a broken last character decodes as U+FFFD).
          const all = this.#ahead.toString('utf8');
          const part = firstChars(all, size);
          this.#takeBytes(
            part.length === all.length ? this.#ahead.length : Buffer.byteLength(part),
          );
          return part as T;
        }
      }
    });
  }

  /** Everything to the end of the file (Curio's `readall`). */
  readall(): Promise<T> {
    return this.read(-1);
  }

  /** At most `size` bytes with at most one read from disk (binary). */
  read1(size = -1): Promise<Buffer> {
    return this.#locked('read1', async () => {
      this.#checkReadable('read1');
      if (this.#ahead.length === 0) await this.#fill();
      return this.#takeBytes(size < 0 ? this.#ahead.length : size);
    });
  }

  /** Fill `buffer` from the file; resolves to the byte count (smaller only at end-of-file). */
  readinto(buffer: ArrayBufferView): Promise<number> {
    return this.#readinto(buffer, false);
  }

  /** Like `readinto`, with at most one read from disk. */
  readinto1(buffer: ArrayBufferView): Promise<number> {
    return this.#readinto(buffer, true);
  }

  #readinto(buffer: ArrayBufferView, once: boolean): Promise<number> {
    return this.#locked('readinto', async () => {
      this.#checkReadable('readinto');
      const view = toByteView(buffer, 'readinto');
      if (once) {
        if (this.#ahead.length === 0) await this.#fill();
      } else {
        while (this.#ahead.length < view.length && (await this.#fill()));
      }
      return this.#takeBytes(view.length).copy(view);
    });
  }

  /**
   * One line, newline included; `''` (or an empty Buffer) at end-of-file. With `size >= 0`,
   * at most that many bytes (binary) or characters (text).
   */
  readline(size = -1): Promise<T> {
    const line = this.#lineNow(size);
    return line !== undefined
      ? Promise.resolve(line)
      : this.#locked('readline', () => this.#readline(size));
  }

  /** @internal The next line if it can be had at once (see `#lineNow`), else `undefined`. */
  bufferedLine(): T | undefined {
    return this.#lineNow(-1);
  }

  // A line already read ahead, with no other operation in progress, needs neither the
  // file's lock nor an async frame (the common case: lines are shorter than a chunk).
  // Otherwise `undefined`, and the locked path does the rest (and reports EBADF).
  #lineNow(size: number): T | undefined {
    return !this.#busy && !this.#closed && this.#readable ? this.#lineAhead(size, 0) : undefined;
  }

  async #readline(size: number): Promise<T> {
    this.#checkReadable('readline');
    let scanned = 0;
    for (;;) {
      const line = this.#lineAhead(size, scanned);
      if (line !== undefined) return line;
      scanned = this.#ahead.length;
      if (!(await this.#fill())) return this.#cutLine(this.#ahead.length, size);
    }
  }

  /**
   * Take the next line (at most `size`) if the read-ahead holds it, else `undefined`.
   * `scanned`: leading bytes already known to hold no newline.
   */
  #lineAhead(size: number, scanned: number): T | undefined {
    const ahead = this.#ahead;
    const at = ahead.indexOf(NEWLINE, scanned);
    const limited = this.#binary && size >= 0;
    if (at >= 0) return this.#cutLine(limited ? Math.min(at + 1, size) : at + 1, size);
    if (limited && ahead.length >= size) return this.#cutLine(size, size);
    return undefined;
  }

  #cutLine(bytes: number, size: number): T {
    if (this.#binary || size < 0) return this.#out(this.#takeBytes(bytes));
    const line = this.#ahead.toString('utf8', 0, bytes);
    const part = firstChars(line, size);
    this.#takeBytes(part.length === line.length ? bytes : Buffer.byteLength(part));
    return part as T;
  }

  /** Every remaining line. Cancelled, it leaves no trace: the position does not move. */
  readlines(): Promise<T[]> {
    return this.#locked('readlines', async () => {
      // The lines are taken from the read-ahead one by one, and taking the last needs one
      // more read from disk: cancelled there, the lines taken would be lost with the dropped
      // result. So an error goes back to where the lines start (and reads from disk again).
      const start = this.#pos - this.#ahead.length;
      const lines: T[] = [];
      try {
        for (;;) {
          const line = await this.#readline(-1);
          if (line.length === 0) return lines;
          lines.push(line);
        }
      } catch (err) {
        this.#pos = start;
        this.#ahead = EMPTY;
        throw err;
      }
    });
  }

  /**
   * Write `data` (a string is encoded as UTF-8); resolves to the number of characters
   * (text) or bytes (binary) written. Once started, a write completes: a cancellation that
   * arrives meanwhile is raised by the next blocking operation.
   */
  write(data: string | ArrayBufferView): Promise<number> {
    return this.#locked('write', () => this.#write(data));
  }

  async #write(data: string | ArrayBufferView): Promise<number> {
    if (!this.#writable)
      throw systemError(
        'EBADF',
        'write',
        `the file was opened with mode '${this.mode}': not writable`,
      );
    const buf = toBuffer(data, 'write');
    // Writing where the reader is: forget what was read ahead.
    this.#pos -= this.#ahead.length;
    this.#ahead = EMPTY;
    const at = this.#append ? null : this.#pos;
    await disableCancellation(async () => {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await awaitPromise(
          this.#fh.write(buf, off, buf.length - off, at === null ? null : at + off),
        );
        off += bytesWritten;
      }
    });
    this.#pos += buf.length;
    // Characters as read(n) counts them (code points, as Python), not UTF-16 units.
    return typeof data === 'string' && !this.#binary ? charsIn(data, data.length) : buf.length;
  }

  /** Write each item in turn (no newlines are added). */
  writelines(lines: Iterable<string | ArrayBufferView>): Promise<void> {
    return this.#locked('writelines', async () => {
      for (const line of lines) await this.#write(line);
    });
  }

  /**
   * Move to `offset` relative to the start (`whence = 0`), the current position (1) or the
   * end (2); resolves to the new position.
   */
  seek(offset: number, whence = 0): Promise<number> {
    return this.#locked('seek', async () => {
      let base = 0;
      if (whence === 1) base = this.#pos - this.#ahead.length;
      else if (whence === 2) base = (await awaitPromise(this.#fh.stat())).size;
      else if (whence !== 0)
        throw new RangeError(`seek(): whence must be 0, 1 or 2, got ${whence}`);
      const target = base + offset;
      if (target < 0) throw systemError('EINVAL', 'seek', `negative position ${target}`);
      this.#pos = target;
      this.#ahead = EMPTY;
      return target;
    });
  }

  /** The current position, in bytes from the start. */
  tell(): Promise<number> {
    return this.#locked('tell', async () => this.#pos - this.#ahead.length);
  }

  /** Cut (or extend) the file to `size` bytes (default: the current position). */
  truncate(size?: number): Promise<number> {
    return this.#locked('truncate', async () => {
      if (!this.#writable)
        throw systemError(
          'EBADF',
          'truncate',
          `the file was opened with mode '${this.mode}': not writable`,
        );
      this.#pos -= this.#ahead.length;
      this.#ahead = EMPTY;
      const length = size ?? this.#pos;
      await disableCancellation(() => awaitPromise(this.#fh.truncate(length)));
      return length;
    });
  }

  /** Writes are not buffered here: resolves once earlier operations have completed. */
  flush(): Promise<void> {
    return this.#locked('flush', async () => {});
  }

  /** Close the file (after the operations under way). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#locked('close', async () => {
      this.#closed = true;
      await disableCancellation(() => awaitPromise(this.#fh.close()));
    });
  }

  /** `await using f = await aopen(path)` closes it at block exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Lines until end-of-file: `for await (const line of f)`. Each `next()` is one
   * `readline()`; the iterator ends at end-of-file, at the first error, or at `return()`
   * (a `break` out of the loop).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new LineIterator<T>(this);
  }

  /**
   * Lend the open file to synchronous code (`fs.readSync(lease.fd, buf, 0, n,
   * lease.position)`). What was read ahead is dropped, so later reads see any change.
   */
  blocking(): FileLease {
    if (this.#closed) throw systemError('EBADF', 'blocking', 'I/O operation on a closed file');
    this.#pos -= this.#ahead.length;
    this.#ahead = EMPTY;
    return new FileLease(this.#fh, this.#pos, () => {});
  }

  /** Like Python's repr. */
  toString(): string {
    return `<curio.AsyncFile name=${JSON.stringify(this.name)} mode='${this.mode}'${this.#closed ? ' closed' : ''}>`;
  }
}

/**
 * Open a file, as Python's `open(path, mode)`: `'r'`, `'w'`, `'a'`, `'x'` read and write
 * strings (UTF-8), `'rb'`, `'wb'`, `'ab'`, `'xb'` Buffers; `'+'` opens for update. A
 * cancellation point; cancelled, it leaves no file open.
 * @example
 * await using f = await aopen('data.txt');
 * for await (const line of f) console.log(line.trimEnd());
 */
export function aopen(path: PathLike, mode?: TextMode): Promise<AsyncFile<string>>;
export function aopen(path: PathLike, mode: BinaryMode): Promise<AsyncFile<Buffer>>;
export function aopen(path: PathLike, mode: FileMode): Promise<AsyncFile>;
export async function aopen(path: PathLike, mode: string = 'r'): Promise<AsyncFile> {
  const parsed = parseMode(mode);
  const opening = open(path, parsed.flags);
  let fh: FileHandle;
  try {
    fh = await awaitPromise(opening);
  } catch (err) {
    // Cancelled while opening: close the file once it is open.
    opening.then(
      (handle) => handle.close(),
      () => {},
    );
    throw err;
  }
  try {
    const position = parsed.append ? (await awaitPromise(fh.stat())).size : 0;
    return new AsyncFile(fh, String(path), mode, parsed, position);
  } catch (err) {
    await disableCancellation(() => awaitPromise(fh.close()));
    throw err;
  }
}
