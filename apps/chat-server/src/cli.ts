/**
 * The command line: parse options, print help or run the server under a curio kernel.
 * Returns the exit code, so tests can call it without spawning a process.
 * @module
 */
import { run, TaskError, TaskGroupError } from '@curio/kernel';
import { parseOptions, USAGE, UsageError } from './options.js';
import { serve } from './server.js';

/** Where the CLI writes. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/**
 * Run the chat server CLI with `argv` (the arguments after the script). Resolves to the
 * exit code once the server stopped: 0 after SIGINT/SIGTERM or `--help`, 2 for a bad
 * command line, 1 if the server failed.
 */
export async function cli(
  argv: readonly string[],
  output: CliOutput = consoleOutput,
): Promise<number> {
  let command: ReturnType<typeof parseOptions>;
  try {
    command = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    output.err(`chat-server: ${err.message}`);
    return 2;
  }
  if (command.help) {
    output.out(USAGE.trimEnd());
    return 0;
  }
  try {
    await run(serve, { ...command.options, log: output.out });
    return 0;
  } catch (err) {
    const cause = rootCause(err);
    output.err(`chat-server: ${cause instanceof Error ? cause.message : String(cause)}`);
    return 1;
  }
}

/** The error under the task-group and task wrappers (`EADDRINUSE`, not "1 task failed"). */
export function rootCause(err: unknown): unknown {
  let current = err;
  while (
    (current instanceof TaskGroupError || current instanceof TaskError) &&
    current.cause !== undefined
  ) {
    current = current.cause;
  }
  return current;
}
