/**
 * Command-line options of the chat server: parsing (`node:util` parseArgs), defaults,
 * validation and the `--help` text. Pure functions, so tests can call them directly.
 * @module
 */
import { parseArgs } from 'node:util';

/** Settings of one chat server. */
export interface ChatOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host: string;
  /** TCP port (default 25000; 0 picks a free one, printed at start-up). */
  port: number;
  /** Longest line a client may send, in bytes, newline excluded (default 4096). */
  maxLine: number;
  /** Messages queued for one client before it is cut off as too slow (default 1000). */
  clientQueue: number;
  /** Shortest time between two writes to one client, in milliseconds (default 10; 0: none). */
  writeInterval: number;
}

/** The defaults: the tutorial's port, on the loopback interface. */
export const DEFAULTS: Readonly<ChatOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 25000,
  maxLine: 4096,
  clientQueue: 1000,
  writeInterval: 10,
});

/** What {@link parseOptions} found: options to run with, or a request for help. */
export type ParsedCommand = { help: true } | { help: false; options: ChatOptions };

/** A command line that cannot be run; the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The `--help` text. */
export const USAGE = `Usage: chat-server [options]

The Curio tutorial's chat server: connect with \`nc HOST PORT\`, give a name, chat.
SIGHUP drops every client and restarts the server; SIGINT/SIGTERM stop it.

Options:
  --host HOST          interface to listen on (default ${DEFAULTS.host})
  --port PORT          TCP port, 0 for any free port (default ${DEFAULTS.port})
  --max-line BYTES     longest line a client may send (default ${DEFAULTS.maxLine})
  --client-queue N     messages queued for a client before it is cut off as too slow
                       (default ${DEFAULTS.clientQueue})
  --write-interval MS  shortest time between two writes to one client; messages that
                       arrive sooner go out together (default ${DEFAULTS.writeInterval})
  -h, --help           show this help
`;

/**
 * Parse command-line arguments (without `node` and the script).
 * @throws UsageError for unknown options or values out of range.
 * @example
 * parseOptions(['--port', '0']); // { help: false, options: { host: '127.0.0.1', port: 0, ... } }
 */
export function parseOptions(argv: readonly string[]): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'max-line': { type: 'string' },
        'client-queue': { type: 'string' },
        'write-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
  if (values.help === true) return { help: true };
  const host = values.host === undefined ? DEFAULTS.host : String(values.host);
  if (host === '') throw new UsageError('--host needs an address, e.g. --host 127.0.0.1');
  return {
    help: false,
    options: {
      host,
      port: integer('--port', values.port, DEFAULTS.port, 0, 65535),
      maxLine: integer('--max-line', values['max-line'], DEFAULTS.maxLine, 1, 2 ** 30),
      clientQueue: integer(
        '--client-queue',
        values['client-queue'],
        DEFAULTS.clientQueue,
        1,
        2 ** 30,
      ),
      writeInterval: integer(
        '--write-interval',
        values['write-interval'],
        DEFAULTS.writeInterval,
        0,
        1000,
      ),
    },
  };
}

function integer(
  flag: string,
  raw: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${flag} needs a whole number from ${min} to ${max}, got '${String(raw)}'`,
    );
  }
  return value;
}
