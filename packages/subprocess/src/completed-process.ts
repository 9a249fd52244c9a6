/**
 * `CompletedProcess`: what `run()` returns.
 * @module
 */
import { CalledProcessError } from './errors.js';

/** A command that ran to its end: its arguments, exit status and captured output. */
export class CompletedProcess {
  /** The command, as passed to `run`. */
  readonly args: readonly string[] | string;
  /** The exit status; `-N` when killed by signal N. */
  readonly returncode: number;
  /** The captured standard output (empty when not piped). */
  readonly stdout: Buffer;
  /** The captured standard error (empty when not piped). */
  readonly stderr: Buffer;

  constructor(
    args: readonly string[] | string,
    returncode: number,
    stdout: Buffer,
    stderr: Buffer,
  ) {
    this.args = args;
    this.returncode = returncode;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Throw if the status is not zero.
   * @throws CalledProcessError
   */
  checkReturncode(): void {
    if (this.returncode !== 0) {
      throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
    }
  }
}
