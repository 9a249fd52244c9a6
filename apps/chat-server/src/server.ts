/**
 * The server tasks: `chatServer` (the tutorial's `chat_server`: a dispatcher plus a TCP
 * server, supervised together) and `serve` (the tutorial's `main`: start the server, and on
 * SIGHUP cancel it — every client hears `SERVER IS GOING AWAY!` — and start a fresh one;
 * on SIGINT or SIGTERM stop).
 * @module
 */
import { withTaskGroup } from '@curio/kernel';
import { runServer, type Socket, tcpServerSocket } from '@curio/net';
import { type SignalName, SignalQueue } from '@curio/sync';
import { chatHandler, formatAddress } from './client.js';
import { ChatRoom, dispatcher } from './dispatcher.js';
import { type ChatOptions, DEFAULTS } from './options.js';

/** Options of {@link chatServer}: the CLI's settings plus hooks for embedding and tests. */
export interface ChatServerOptions extends Partial<ChatOptions> {
  /** Called with the bound `[host, port]` once the server accepts connections. */
  onListening?: (address: [string, number]) => void;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

const quiet = () => {};

/**
 * Run one chat server until cancelled: a fresh room, its dispatcher, and a TCP server whose
 * every connection runs {@link chatHandler}. Cancelling it drops every client, each told
 * `SERVER IS GOING AWAY!`.
 * @example
 * const server = await spawn(chatServer, { port: 0, onListening: ([h, p]) => console.log(p) });
 * // ...
 * await server.cancel();
 */
export async function chatServer(options: ChatServerOptions = {}): Promise<void> {
  const settings = { ...DEFAULTS, ...stripUndefined(options) };
  const log = options.log ?? quiet;
  const room = new ChatRoom(settings.clientQueue);
  const client = { maxLine: settings.maxLine, writeInterval: settings.writeInterval / 1000, log };
  const sock = tcpServerSocket(settings.host, settings.port);
  try {
    const address = sock.getsockname() as [string, number];
    options.onListening?.(address);
    await withTaskGroup(async (g) => {
      await g.spawn(dispatcher, room);
      await g.spawn(runServer, sock, (c: Socket, addr: unknown) =>
        chatHandler(room, client, c, addr),
      );
    });
  } finally {
    await sock.close();
  }
}

/** Options of {@link serve}. */
export interface ServeOptions extends ChatServerOptions {
  /** Signals that restart the server (default `['SIGHUP']`). */
  restartSignals?: SignalName[];
  /** Signals that stop it (default `['SIGINT', 'SIGTERM']`). */
  stopSignals?: SignalName[];
}

/**
 * The tutorial's `main`: run {@link chatServer}; on a restart signal cancel it and start a
 * fresh one on the same address (with port 0, the port first chosen is kept), on a stop
 * signal cancel it and return the signal's name.
 */
export async function serve(options: ServeOptions = {}): Promise<SignalName> {
  const log = options.log ?? quiet;
  const restart = options.restartSignals ?? ['SIGHUP'];
  const stop = options.stopSignals ?? ['SIGINT', 'SIGTERM'];
  await using signals = new SignalQueue(...restart, ...stop);
  let port = options.port;
  for (;;) {
    const serverOptions: ChatServerOptions = {
      ...options,
      port,
      onListening: (address) => {
        port = address[1];
        log(`Chat server listening on ${formatAddress(address)}`);
        options.onListening?.(address);
      },
    };
    const workers = await withTaskGroup({ wait: 'any' }, async (g) => {
      await g.spawn(chatServer, serverOptions);
      await g.spawn(nextSignal, signals, log);
    });
    const signal = workers.result as SignalName | undefined;
    if (signal === undefined) throw new Error('the chat server stopped by itself');
    if (!restart.includes(signal)) {
      log('Server stopped');
      return signal;
    }
  }
}

async function nextSignal(
  signals: SignalQueue,
  log: (message: string) => void,
): Promise<SignalName> {
  const signal = await signals.get();
  log(`${signal}: server shutting down`);
  return signal;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
