/**
 * Command-line options: `--mode raw|tcp|stream|managed`, `--host`, `--port`.
 * @module
 */
import { parseArgs } from 'node:util';

/** The four servers of the tutorial. */
export const MODES = ['raw', 'tcp', 'stream', 'managed'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** Parsed options. */
export interface CliOptions {
  mode: Mode;
  host: string;
  port: number;
  help: boolean;
}

/** Usage text. */
export const USAGE = `Usage: echo-server [--mode raw|tcp|stream|managed] [--host HOST] [--port PORT]

  --mode   raw      socket(), bind(), listen(), accept() and a daemon task per client
           tcp      tcpServer with recv()/sendall() (default)
           stream   tcpServer with line iteration over client.asStream()
           managed  the stream server, restarted on SIGHUP
  --host   address to listen on (default 127.0.0.1; '' for every interface)
  --port   port to listen on (default 25000; 0 picks a free one)

Stop with Ctrl-C.`;

/** Parse `argv` (without the node and script paths); throws with a message on bad input. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string', short: 'm', default: 'tcp' },
      host: { type: 'string', short: 'H', default: '127.0.0.1' },
      port: { type: 'string', short: 'p', default: '25000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const mode = values.mode as Mode;
  if (!MODES.includes(mode))
    throw new Error(`unknown mode '${values.mode}': use ${MODES.join(', ')}`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new Error(`bad port '${values.port}': use 0-65535`);
  return { mode, host: values.host, port, help: values.help };
}
