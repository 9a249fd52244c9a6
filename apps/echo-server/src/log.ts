/**
 * Where the servers print to: stdout for the CLI, a list of lines in the tests.
 * @module
 */

/** Receives one line of server output. */
export type Log = (line: string) => void;

/** Options every echo server takes. */
export interface EchoOptions {
  /** Where to print (default `console.log`). */
  log?: Log;
}

/** The log of `options`. */
export function logOf(options: EchoOptions): Log {
  return options.log ?? ((line) => console.log(line));
}
