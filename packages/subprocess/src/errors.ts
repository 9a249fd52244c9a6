/**
 * The errors of `@curio/subprocess`.
 * @module
 */
import { constants } from 'node:os';
import { CurioError } from '@curio/kernel';

const EMPTY = Buffer.alloc(0);

/** The name of signal `n` (`SIGKILL` for 9), or `signal n`. */
export function signalName(n: number): string {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return `signal ${n}`;
}

/** The last line of `stderr`, shortened: what usually says why a command failed. */
function lastLine(stderr: Buffer): string {
  const text = stderr.toString('utf8').trimEnd();
  const line = text.slice(text.lastIndexOf('\n') + 1).trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * A command run with `check` (`run(..., { check: true })`, `checkOutput`) ended with a
 * non-zero status. `stdout` and `stderr` hold what was captured (empty when not piped).
 * @example
 * try { await checkOutput(['git', 'status']); }
 * catch (err) { if (err instanceof CalledProcessError) console.log(err.returncode, err.stderr.toString()); }
 */
export class CalledProcessError extends CurioError {
  static override readonly brand: string = 'CalledProcessError';
  override readonly code: string = 'CURIO_CALLED_PROCESS';
  /** The exit status; `-N` when killed by signal N. */
  readonly returncode: number;
  /** The command, as passed to `run`. */
  readonly cmd: readonly string[] | string;
  /** The captured standard output. */
  readonly stdout: Buffer;
  /** The captured standard error. */
  readonly stderr: Buffer;

  constructor(
    returncode: number,
    cmd: readonly string[] | string,
    stdout: Buffer = EMPTY,
    stderr: Buffer = EMPTY,
  ) {
    const how =
      returncode < 0
        ? `died with ${signalName(-returncode)}`
        : `returned non-zero exit status ${returncode}`;
    const why = lastLine(stderr);
    super(`Command ${JSON.stringify(cmd)} ${how}.${why ? ` Its last error output: ${why}` : ''}`);
    this.returncode = returncode;
    this.cmd = cmd;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Python's name for `stdout`. */
  get output(): Buffer {
    return this.stdout;
  }
}
