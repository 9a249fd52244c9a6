/**
 * `run` and `checkOutput`: run a command to its end, as Python's `subprocess.run` and
 * `check_output`. Cancelled or timed out (or failing inside), they stop the command's whole
 * process group — SIGTERM, then SIGKILL after a grace period — reap it, and attach the
 * output it had produced to the error.
 * @module
 */
import { CurioError, disableCancellation, sleep, spawn } from '@curio/kernel';
import { CompletedProcess } from './completed-process.js';
import { PIPE, type STDOUT } from './constants.js';
import { CalledProcessError } from './errors.js';
import type { StdioSpec } from './internal/stdio.js';
import { Popen } from './popen.js';

/** Options of {@link run}. */
export interface RunOptions {
  /** Data for the child's stdin (which is then a pipe). */
  input?: string | Uint8Array;
  /** The child's standard input (default: this process's). Not with `input`. */
  stdin?: StdioSpec;
  /** The child's standard output (default: this process's; `PIPE` to capture it). */
  stdout?: StdioSpec;
  /** The child's standard error (default: this process's; `PIPE` to capture, `STDOUT` to join stdout). */
  stderr?: StdioSpec | typeof STDOUT;
  /** Capture stdout and stderr (both `PIPE`). Not with `stdout`/`stderr`. */
  captureOutput?: boolean;
  /** Throw a {@link CalledProcessError} if the exit status is not zero. */
  check?: boolean;
  /** Working directory of the child. */
  cwd?: string;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Run `args` through `/bin/sh -c` (see `PopenOptions.shell`). */
  shell?: boolean;
  /** Seconds between SIGTERM and SIGKILL when the run is stopped (default 0.5). */
  killGrace?: number;
}

/** Options of {@link checkOutput}: those of {@link run} that do not decide stdout. */
export type CheckOutputOptions = Omit<RunOptions, 'stdout' | 'captureOutput' | 'check'>;

const EMPTY = Buffer.alloc(0);
const DEFAULT_KILL_GRACE = 0.5;
// After the process group is gone its pipes close; a descendant that left the group may still
// hold one open, so reading the rest of the output is bounded.
const DRAIN_LIMIT = 1;

/**
 * Run `args` and wait for it to end; resolves to a {@link CompletedProcess}. With `check`,
 * a non-zero status throws a {@link CalledProcessError}. Cancelled or timed out, the command
 * and the processes it started are stopped, and the error carries `stdout` and `stderr`.
 * @example
 * const done = await run(['ls', '-l'], { captureOutput: true });
 * console.log(done.returncode, done.stdout.toString());
 */
export async function run(
  args: readonly string[] | string,
  options: RunOptions = {},
): Promise<CompletedProcess> {
  const { input, captureOutput = false, check = false } = options;
  const killGrace = options.killGrace ?? DEFAULT_KILL_GRACE;
  if (input !== undefined && options.stdin !== undefined) {
    throw new CurioError('run() takes stdin or input, not both: input makes stdin a pipe');
  }
  if (captureOutput && (options.stdout !== undefined || options.stderr !== undefined)) {
    throw new CurioError('run() takes captureOutput or stdout/stderr, not both');
  }
  if (!(killGrace >= 0)) {
    throw new RangeError(`killGrace must be a number of seconds >= 0, got ${String(killGrace)}`);
  }
  const process = new Popen(args, {
    stdin: input !== undefined ? PIPE : options.stdin,
    stdout: captureOutput ? PIPE : options.stdout,
    stderr: captureOutput ? PIPE : options.stderr,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.shell === undefined ? {} : { shell: options.shell }),
    startNewSession: true,
  });
  let stdout: Buffer;
  let stderr: Buffer;
  try {
    [stdout, stderr] = await process.communicate(input);
  } catch (error) {
    await disableCancellation(stopAndDrain, process, error, killGrace);
    throw error;
  } finally {
    await closeStreams(process);
  }
  const returncode = process.returncode!;
  if (check && returncode !== 0) {
    throw new CalledProcessError(returncode, process.args, stdout, stderr);
  }
  return new CompletedProcess(process.args, returncode, stdout, stderr);
}

/**
 * Run `args` with stdout captured and `check`; resolves to its output.
 * @throws CalledProcessError when the status is not zero (with `stdout`/`stderr` on it).
 * @example
 * const listing = (await checkOutput(['netstat', '-a'])).toString();
 */
export async function checkOutput(
  args: readonly string[] | string,
  options: CheckOutputOptions = {},
): Promise<Buffer> {
  const done = await run(args, { ...options, stdout: PIPE, check: true });
  return done.stdout;
}

/**
 * The run failed or was stopped: signal the process group, reap the process, read what is
 * left of its output, and add it to `error`'s `stdout`/`stderr` (set by communicate).
 * Runs with cancellation disabled: it must finish, or the process would be left behind.
 */
async function stopAndDrain(process: Popen, error: unknown, killGrace: number): Promise<void> {
  if (process.pid === undefined) return; // never started
  if (process.returncode === null) {
    process.signalGroup('SIGTERM');
    const killer = await spawn({ name: 'run.killer' }, async () => {
      await sleep(killGrace);
      process.signalGroup('SIGKILL');
    });
    await process.wait();
    await killer.cancel();
  }
  // Whatever of the group outlived its leader.
  process.signalGroup('SIGKILL');
  const [restOut, restErr] = await drainOutput(process);
  if (typeof error === 'object' && error !== null) {
    const got = error as { stdout?: Buffer; stderr?: Buffer };
    Object.assign(error, {
      stdout: Buffer.concat([got.stdout ?? EMPTY, restOut]),
      stderr: Buffer.concat([got.stderr ?? EMPTY, restErr]),
    });
  }
}

/** Read stdout and stderr to their end, for at most DRAIN_LIMIT seconds. */
async function drainOutput(process: Popen): Promise<[Buffer, Buffer]> {
  const closer = await spawn({ name: 'run.drainLimit' }, async () => {
    await sleep(DRAIN_LIMIT);
    await closeStreams(process);
  });
  try {
    // One after the other (a task waits for one thing at a time): the writers are gone, so
    // neither pipe can fill up while the other is read.
    const out = await rest(process.stdout);
    const err = await rest(process.stderr);
    return [out, err];
  } finally {
    await closer.cancel();
  }
}

async function rest(stream: Popen['stdout']): Promise<Buffer> {
  if (stream === null || stream.closed) return EMPTY;
  try {
    return await stream.readall();
  } catch (err) {
    return (err as { bytesRead?: Buffer }).bytesRead ?? EMPTY;
  }
}

async function closeStreams(process: Popen): Promise<void> {
  await process.stdin?.close();
  await process.stdout?.close();
  await process.stderr?.close();
}
