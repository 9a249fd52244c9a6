/**
 * One chat connection, as in the tutorial: ask for a name, announce it, then run
 * `outgoing` (room → client) and `incoming` (client → room) under a task group with
 * `wait: 'any'`, so whichever ends first takes the other down.
 *
 * A third member, `slowWatch`, ends when the dispatcher drops the client for not reading;
 * the group then cancels the writer that is stuck on that client. Every line the server
 * says on its own (going away, too slow, too long) is written by the handler after the
 * group has ended, so two tasks never write to one socket at once.
 * @module
 */
import { isCancellation, sleep, withTaskGroup } from '@curio/kernel';
import {
  IPPROTO_TCP,
  LineTooLongError,
  progressOf,
  SO_LINGER,
  SOL_SOCKET,
  type Socket,
  type SocketStream,
  TCP_NODELAY,
} from '@curio/net';
import type { Backlog, ChatRoom, Subscriber } from './dispatcher.js';

/** What the server sends first, and again after an empty name. */
export const PROMPT = Buffer.from('Your name: ');
/** Sent to every client when the server is cancelled (restart or shutdown). */
export const GOING_AWAY = Buffer.from('SERVER IS GOING AWAY!\n');
/** Announced as `<name>:joined`. */
export const JOINED = Buffer.from('joined\n');
/** Announced as `<name>:has gone away`. */
export const GONE = Buffer.from('has gone away\n');

/** The line sent to a client cut off for not reading. */
export function tooSlowLine(clientQueue: number): Buffer {
  return Buffer.from(
    `*** disconnected: you are not reading and ${clientQueue} messages are waiting for you\n`,
  );
}

/** The line sent to a client whose line was too long. */
export function tooLongLine(maxLine: number): Buffer {
  return Buffer.from(`*** disconnected: line longer than ${maxLine} bytes\n`);
}

/**
 * How long, in seconds, a closed connection may keep flushing what was sent to the client
 * (its last lines included): its `SO_LINGER`. Closing returns at once; a client that is not
 * reading is cut off after that.
 */
export const CLOSE_SECONDS = 0.25;

/** Settings of a connection. */
export interface ClientOptions {
  /** Longest line accepted, in bytes (newline excluded). */
  maxLine: number;
  /** Shortest time between two writes to the client, in seconds. */
  writeInterval: number;
  /** Progress messages (`Connection from ...`). */
  log: (message: string) => void;
}

/** Why a chat session ended. */
export type Departure = 'left' | 'reset' | 'too-long' | 'too-slow';

/**
 * The connection handler for `runServer`: the tutorial's `chat_handler`. Returns when the
 * client is gone; rethrows cancellation after telling the client the server is going away.
 * Closes the connection itself; a slow reader gets at most {@link CLOSE_SECONDS} to take
 * the rest.
 */
export async function chatHandler(
  room: ChatRoom,
  options: ClientOptions,
  client: Socket,
  address: unknown,
): Promise<void> {
  const peer = formatAddress(address);
  options.log(`Connection from ${peer}`);
  // Chat lines are small and interactive: send them now rather than wait for an ACK.
  client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  // Closing flushes what is left in the background for SO_LINGER seconds (5 by default):
  // no longer than CLOSE_SECONDS for a client that is not reading.
  client.setsockopt(SOL_SOCKET, SO_LINGER, CLOSE_SECONDS);
  // The limit counts the newline too.
  const stream = client.asStream({ maxLineLength: options.maxLine + 1 });
  let sub: Subscriber | undefined;
  try {
    let departure: Departure = 'left';
    let name: Buffer | undefined;
    try {
      name = await askName(stream);
    } catch (err) {
      departure = departureFor(err);
    }
    if (name !== undefined) {
      // Subscribe before announcing, so the newcomer sees its own `joined` like everyone.
      sub = room.subscribe();
      try {
        departure = await chat(room, stream, sub, name, options.writeInterval);
      } finally {
        room.unsubscribe(sub);
      }
      await room.publish(name, GONE);
    }
    // What the room had already queued for the client goes out before any parting line,
    // except to a client cut off for not reading it (which still gets the rest of a line a
    // write had started, so that the parting line is a line of its own).
    const backlog = sub?.takeBacklog();
    if (departure === 'too-slow')
      lastWords(client, { partial: backlog?.partial, lines: [] }, tooSlowLine(room.clientQueue));
    else if (departure === 'too-long') lastWords(client, backlog, tooLongLine(options.maxLine));
    else if (departure === 'left') lastWords(client, backlog);
    options.log(`Connection closed ${peer} (${departure})`);
  } catch (err) {
    if (isCancellation(err)) {
      lastWords(client, sub?.takeBacklog(), GOING_AWAY);
      options.log(`Connection closed ${peer} (server going away)`);
    }
    throw err;
  } finally {
    await client.close();
  }
}

/** Announce the client, then run its writer and reader until one of them ends. */
async function chat(
  room: ChatRoom,
  stream: SocketStream,
  sub: Subscriber,
  name: Buffer,
  writeInterval: number,
): Promise<Departure> {
  await room.publish(name, JOINED);
  const workers = await withTaskGroup<Departure>({ wait: 'any' }, async (g) => {
    await g.spawn(outgoing, stream, sub, writeInterval);
    await g.spawn(incoming, stream, room, name);
    await g.spawn(slowWatch, sub);
  });
  return workers.result;
}

/** Prompt until the client gives a non-blank name; `undefined` if it leaves first. */
export async function askName(stream: SocketStream): Promise<Buffer | undefined> {
  for (;;) {
    await stream.write(PROMPT);
    const line = await stream.readline();
    if (line.length === 0) return undefined;
    const name = trimBytes(line);
    if (name.length > 0) return name;
  }
}

/**
 * Task that writes chat messages to the client, all that piled up in one write. After a
 * write it rests for `interval` seconds, so what arrives meanwhile goes out together in the
 * next write. Under load that turns a thousand small writes per second per client into a
 * few hundred bigger ones (the write system call is the server's main cost); a quiet chat
 * sees no delay, since a message for a rested writer goes out at once.
 */
export async function outgoing(
  stream: SocketStream,
  sub: Subscriber,
  interval: number,
): Promise<Departure> {
  try {
    for (;;) {
      const first = await sub.queue.get();
      const batch = sub.queue.empty() ? [first] : [first, ...sub.takeUnsent()];
      try {
        await stream.write(batch.length === 1 ? first : Buffer.concat(batch));
      } catch (err) {
        // Cancelled while the client's socket was full: what was not handed over yet is
        // still owed to the client, before what is queued (see `lastWords`).
        if (isCancellation(err)) sub.keepUnwritten(batch, progressOf(err).bytesWritten ?? 0);
        throw err;
      }
      if (interval > 0) await sleep(interval);
    }
  } catch (err) {
    return departureFor(err);
  }
}

/** Task that reads chat messages from the client and publishes them. */
export async function incoming(
  stream: SocketStream,
  room: ChatRoom,
  name: Buffer,
): Promise<Departure> {
  try {
    for await (const line of stream) await room.publish(name, line);
    return 'left';
  } catch (err) {
    return departureFor(err);
  }
}

/** Task that ends when the dispatcher drops this client for not keeping up. */
export async function slowWatch(sub: Subscriber): Promise<Departure> {
  await sub.dropped.wait();
  return 'too-slow';
}

/** The departure an I/O error means; anything else (a cancellation, a bug) is rethrown. */
function departureFor(err: unknown): Departure {
  if (err instanceof LineTooLongError) return 'too-long';
  if (isDisconnect(err)) return 'reset';
  throw err;
}

/**
 * Most bytes of backlog sent with a parting line (besides the rest of a line already
 * started); the rest of a long backlog is dropped.
 */
export const BACKLOG_BYTES = 64 * 1024;

/**
 * Queue the client's backlog (the rest of a line already started, then whole lines up to
 * {@link BACKLOG_BYTES}) and a parting line without waiting: `write` would wait for a client
 * that stopped reading to drain its buffer. This is a bounded amount and the connection
 * closes right after, so it is handed to Node directly; the client gets it if it reads
 * within {@link CLOSE_SECONDS}.
 */
function lastWords(client: Socket, backlog: Backlog | undefined, line?: Buffer): void {
  const parts: Buffer[] = backlog?.partial === undefined ? [] : [backlog.partial];
  let size = 0;
  for (const msg of backlog?.lines ?? []) {
    size += msg.length;
    if (size > BACKLOG_BYTES) break;
    parts.push(msg);
  }
  if (line !== undefined) parts.push(line);
  if (parts.length === 0) return;
  try {
    using lease = client.blocking();
    if (lease.socket.writable)
      lease.socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  } catch {
    // Closed or reset: there is no one left to tell.
  }
}

const DISCONNECT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTCONN',
  'EBADF',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_SOCKET_CLOSED',
]);

/** True for the errors a client causes by vanishing (reset, broken pipe, ...). */
export function isDisconnect(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || isCancellation(err)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && DISCONNECT_CODES.has(code);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Python's `bytes.strip()`: drop ASCII whitespace at both ends. */
export function trimBytes(data: Buffer): Buffer {
  let start = 0;
  let end = data.length;
  while (start < end && isSpace(data[start]!)) start++;
  while (end > start && isSpace(data[end - 1]!)) end--;
  return data.subarray(start, end);
}

/** `127.0.0.1:5000`, `[::1]:5000`, or the path of a Unix socket. */
export function formatAddress(address: unknown): string {
  if (Array.isArray(address) && address.length >= 2) {
    const [host, port] = address as [string, number];
    return String(host).includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }
  return String(address);
}
