/**
 * The errors of `@curio/net`, and the partial-progress fields that reading and writing
 * attach to a cancellation or timeout (Curio's `bytes_read`, `bytes_written`, ...).
 * @module
 */
import { CurioError, isCancellation } from '@curio/kernel';

/**
 * The stream ended before the expected amount of data arrived (`readExactly`).
 * `bytesRead` holds what was read before end-of-file.
 * @example
 * try { await stream.readExactly(100); }
 * catch (err) { if (err instanceof EOFError) console.log('got only', err.bytesRead.length); }
 */
export class EOFError extends CurioError {
  static override readonly brand: string = 'EOFError';
  override readonly code: string = 'CURIO_EOF';
  /** The bytes read before end-of-file. */
  readonly bytesRead: Buffer;

  constructor(message: string, bytesRead: Buffer) {
    super(message);
    this.bytesRead = bytesRead;
  }
}

/**
 * `readline()` found no newline within the maximum line length. Nothing is consumed: the
 * bytes stay buffered for the next `read()`.
 */
export class LineTooLongError extends CurioError {
  static override readonly brand: string = 'LineTooLongError';
  override readonly code: string = 'CURIO_LINE_TOO_LONG';
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(
      `no end of line within ${limit} bytes: raise the limit (readline(maxlen) or asStream({ maxLineLength })) or read() the data`,
    );
    this.limit = limit;
  }
}

/**
 * What an I/O operation had done when a cancellation or timeout interrupted it. The fields
 * are set on the error object itself (the kernel's `TaskCancelled`, `TaskTimeout`, ...).
 * Read them with {@link progressOf}.
 */
export interface IOProgress {
  /** `readall`, `readExactly`, `readinto`: the bytes read so far (they are consumed). */
  bytesRead?: Buffer;
  /** Stream `write`, `writelines`: how many bytes were accepted for sending. */
  bytesWritten?: number;
  /** Socket `sendall`: how many bytes were accepted for sending. */
  bytesSent?: number;
  /** `readlines`: the lines read so far (they are consumed). */
  linesRead?: Buffer[];
}

/**
 * The partial-progress fields attached to `err` (an empty object if there are none).
 * @example
 * try { await timeoutAfter(1, () => sock.sendall(big)); }
 * catch (err) { console.log(progressOf(err).bytesSent); throw err; }
 */
export function progressOf(err: unknown): IOProgress {
  return typeof err === 'object' && err !== null ? (err as IOProgress) : {};
}

/** @internal Attach partial-progress fields to an error (if it is an object). */
export function attachProgress(err: unknown, progress: IOProgress): void {
  if (typeof err === 'object' && err !== null) Object.assign(err, progress);
}

/** @internal Turn `sendall`'s `bytesSent` into a stream write's `bytesWritten`, and rethrow. */
export function asWriteError(err: unknown): never {
  if (isCancellation(err)) attachProgress(err, { bytesWritten: progressOf(err).bytesSent ?? 0 });
  throw err;
}

/** A Node-style system error (`code`, `errno`, `syscall`), as Python's `OSError`. */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
}

const ERRNO: Readonly<Record<string, number>> = {
  EBADF: -9,
  EPIPE: -32,
  ENOTCONN: -107,
  EISCONN: -106,
  EINVAL: -22,
  EOPNOTSUPP: -95,
};

/** @internal Create a system error like the ones Node raises. */
export function systemError(code: string, syscall: string, message: string): SystemError {
  const err = new Error(`${syscall} ${code}: ${message}`) as SystemError;
  err.code = code;
  if (ERRNO[code] !== undefined) err.errno = ERRNO[code];
  err.syscall = syscall;
  return err;
}
