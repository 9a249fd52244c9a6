/**
 * `Popen`: a child process with curio streams, as Python's `subprocess.Popen` (and Curio's
 * wrapper of it). The process starts in the constructor; `wait()` and `communicate()` are
 * cancellation points that leave the process running when cancelled.
 * @module
 */
import { type ChildProcess, spawn as spawnChild } from 'node:child_process';
import { constants } from 'node:os';
import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import {
  CurioError,
  disableCancellation,
  isCancellation,
  spawn,
  suspend,
  type Task,
} from '@curio/kernel';
import { FileStream, progressOf } from '@curio/net';
import type { STDOUT } from './constants.js';
import { ExitWait } from './internal/exit-wait.js';
import { findExecutable, resolveStdio, type StdioSpec } from './internal/stdio.js';

/** Options of {@link Popen}. */
export interface PopenOptions {
  /** The child's standard input (default: this process's). */
  stdin?: StdioSpec;
  /** The child's standard output (default: this process's). */
  stdout?: StdioSpec;
  /** The child's standard error (default: this process's); `STDOUT` joins it to stdout. */
  stderr?: StdioSpec | typeof STDOUT;
  /** Working directory of the child. */
  cwd?: string;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run through `/bin/sh -c`: `args` is then a command string (or a list whose first item
   * is the command and the rest the shell's `$0`, `$1`, ...).
   */
  shell?: boolean;
  /**
   * Start the child in a new session and process group (Python's `start_new_session`), so
   * that {@link Popen.signalGroup} reaches it and its own children, and Ctrl-C in the
   * terminal does not.
   */
  startNewSession?: boolean;
}

const EMPTY = Buffer.alloc(0);
// Node streams of Popen pipes: handed to another Popen, the parent's copy is closed.
const popenStreams = new WeakSet<object>();

function checkArgs(args: unknown, shell: boolean): readonly string[] | string {
  if (typeof args === 'string') {
    if (!shell) {
      throw new TypeError(
        `Popen() takes a list of arguments, got the string ${JSON.stringify(args)}: pass ['cmd', 'arg', ...], or shell: true for a shell command`,
      );
    }
    return args;
  }
  if (!Array.isArray(args) || args.length === 0 || args.some((a) => typeof a !== 'string')) {
    throw new TypeError(
      `Popen() takes a non-empty list of string arguments, got ${JSON.stringify(args)}`,
    );
  }
  return [...args] as string[];
}

/** Exit status as Python reports it: the code, or `-N` for signal N. */
function returncodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal === null ? 0 : -(constants.signals[signal] ?? 0);
}

/**
 * A running (or finished) child process. Its piped standard streams are `FileStream`s
 * (`null` when not piped). `await using p = new Popen(...)` closes them and waits for the
 * process at block exit.
 * @example
 * const p = new Popen(['ping', '-c', '3', 'localhost'], { stdout: PIPE });
 * for await (const line of p.stdout!) console.log('Got:', line.toString().trimEnd());
 * console.log('exit status', await p.wait());
 */
export class Popen implements AsyncDisposable {
  /** The command, as given. */
  readonly args: readonly string[] | string;
  /** The process id (`undefined` if the process could not be started). */
  readonly pid: number | undefined;
  /** The child's standard input, when piped. */
  readonly stdin: FileStream | null;
  /** The child's standard output, when piped. */
  readonly stdout: FileStream | null;
  /** The child's standard error, when piped. */
  readonly stderr: FileStream | null;
  readonly #child: ChildProcess;
  readonly #exit = new ExitWait();
  readonly #newSession: boolean;
  #returncode: number | null = null;
  #spawnError: Error | undefined;

  /**
   * Start `args[0]` with the arguments `args[1..]`.
   * @throws TypeError/RangeError for bad arguments or options. A missing executable does
   * not throw here: `wait()` and `communicate()` reject with Node's ENOENT error.
   */
  constructor(args: readonly string[] | string, options: PopenOptions = {}) {
    const shell = options.shell ?? false;
    this.args = checkArgs(args, shell);
    const { stdio, mergeIntoPipe, handedOver } = resolveStdio(
      options.stdin,
      options.stdout,
      options.stderr,
    );
    const [file, argv] = this.#commandLine(shell, mergeIntoPipe, options);
    this.#newSession = options.startNewSession ?? false;
    this.#child = spawnChild(file, argv, {
      stdio,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
      detached: this.#newSession,
      windowsHide: true,
    });
    const child = this.#child;
    this.pid = child.pid;
    // Spawn failures and failed kills arrive as 'error': never an unhandled one.
    child.on('error', (err) => {
      if (this.pid !== undefined || this.#spawnError !== undefined) return;
      this.#spawnError = err;
      this.#exit.failed(err);
    });
    child.on('exit', (code, signal) => {
      this.#returncode = returncodeOf(code, signal);
      this.#exit.exited(this.#returncode);
    });
    for (const stream of handedOver) {
      // The child has its own copy now; a pipe between two children must not stay open here.
      if (popenStreams.has(stream)) (stream as unknown as { destroy(): void }).destroy();
    }
    this.stdin = this.#wrap(child.stdin);
    this.stdout = this.#wrap(child.stdout);
    this.stderr = this.#wrap(child.stderr);
  }

  #commandLine(shell: boolean, mergeIntoPipe: boolean, options: PopenOptions): [string, string[]] {
    const args = this.args;
    if (shell) {
      const [command, ...rest] = typeof args === 'string' ? [args] : args;
      // `2>&1` for the whole script when stderr joins a piped stdout.
      const script = mergeIntoPipe ? `exec 2>&1\n${command}` : command!;
      return ['/bin/sh', ['-c', script, ...rest]];
    }
    const [file, ...rest] = args as readonly string[];
    if (!mergeIntoPipe) return [file!, rest];
    // `exec` keeps the pid the command's own. A missing executable is left to spawn, which
    // then fails with ENOENT as it would without the redirection.
    if (findExecutable(file!, options.cwd, (options.env ?? process.env).PATH) === undefined) {
      return [file!, rest];
    }
    return ['/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', file!, ...rest]];
  }

  #wrap(stream: Readable | Writable | null): FileStream | null {
    if (stream === null) return null;
    popenStreams.add(stream);
    // Read at once: when the child exits, Node drains the pipes nobody reads yet (their
    // output would be lost if our readers had not started).
    return new FileStream(stream, { readNow: true });
  }

  /** The exit status once the process has ended (`-N`: killed by signal N), else `null`. */
  get returncode(): number | null {
    return this.#returncode;
  }

  /** The exit status if the process has ended, else `null` (does not wait). */
  poll(): number | null {
    return this.#returncode;
  }

  /**
   * Wait for the process to end; resolves to its exit status. A cancellation point:
   * cancelling the wait leaves the process running.
   * @throws Node's spawn error (ENOENT, EACCES, ...) if the process could not be started.
   */
  wait(): Promise<number> {
    if (this.#returncode !== null) return Promise.resolve(this.#returncode);
    if (this.#spawnError !== undefined) return Promise.reject(this.#spawnError);
    return suspend<number>('PROCESS_WAIT', this.#exit);
  }

  /**
   * Send `input` to the child's stdin (then close it), read stdout and stderr to their end,
   * and wait for the process to end. Resolves to `[stdout, stderr]` (empty Buffers for
   * streams that are not piped). Cancelled, the error carries `stdout` and `stderr`: what
   * had been read (and is consumed); the process keeps running.
   */
  async communicate(input?: string | Uint8Array): Promise<[Buffer, Buffer]> {
    if (input !== undefined && input.length > 0 && this.stdin === null) {
      throw new CurioError(
        'communicate(input) needs a piped stdin: start the Popen with stdin: PIPE',
      );
    }
    const outTask = this.stdout === null ? null : await spawn(readAll, this.stdout);
    const errTask = this.stderr === null ? null : await spawn(readAll, this.stderr);
    try {
      if (this.stdin !== null) await feed(this.stdin, input);
      const out = await collect(outTask);
      const err = await collect(errTask);
      await this.wait();
      return [out, err];
    } catch (error) {
      // Collected with cancellation disabled: a second cancellation (a task cancel right
      // after a timeout) must not stop it halfway, losing what the readers had read.
      const [out, err] = await disableCancellation(async () => [
        await partial(outTask),
        await partial(errTask),
      ]);
      if (typeof error === 'object' && error !== null) {
        Object.assign(error, { stdout: out, stderr: err });
      }
      throw error;
    }
  }

  /** Send `signal` (a name such as `'SIGTERM'`, or a number) to the process, if it runs. */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (this.#returncode !== null || this.pid === undefined) return;
    this.#child.kill(signal);
  }

  /** `SIGTERM` the process. */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** `SIGKILL` the process. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /**
   * Send `signal` to the process's whole process group: the process and the children it
   * started. Needs `startNewSession: true` (the group is otherwise this process's own).
   */
  signalGroup(signal: NodeJS.Signals | number): void {
    if (!this.#newSession) {
      throw new CurioError(
        'signalGroup() needs a Popen started with startNewSession: true (otherwise its group is ours)',
      );
    }
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      // ESRCH: the whole group is gone already.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Close the piped streams and wait for the process to end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stdout?.close();
    await this.stderr?.close();
    await this.stdin?.close();
    // Not started (the spawn error may not have been reported yet): nothing to wait for.
    if (this.pid !== undefined) await this.wait();
  }

  /** Like Python's repr. */
  toString(): string {
    return `<Popen: returncode: ${this.#returncode ?? 'None'} args: ${JSON.stringify(this.args)}>`;
  }
}

/** What a reader task of `communicate` read, and the error that stopped it, if any. */
interface ReadOutcome {
  data: Buffer;
  error?: unknown;
}

/**
 * Read a stream to its end (a reader task of `communicate`). Errors are returned, not
 * thrown: the task is joined only later, and a failed task nobody joins yet is a crash.
 */
async function readAll(stream: FileStream): Promise<ReadOutcome> {
  try {
    return { data: await stream.readall() };
  } catch (error) {
    if (isCancellation(error)) throw error;
    return { data: progressOf(error).bytesRead ?? EMPTY, error };
  }
}

/** The output of a reader task (joined); its read error is rethrown. */
async function collect(task: Task | null): Promise<Buffer> {
  if (task === null) return EMPTY;
  const outcome = (await task.join()) as ReadOutcome;
  if (outcome.error !== undefined) throw outcome.error;
  return outcome.data;
}

/** Write `input` (if any) to the child's stdin and close it; a child that left is fine. */
async function feed(stdin: FileStream, input: string | Uint8Array | undefined): Promise<void> {
  try {
    if (input !== undefined && input.length > 0) await stdin.write(input);
  } catch (err) {
    // Python's communicate ignores a broken pipe too: the child did not want the rest.
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  } finally {
    await stdin.close();
  }
}

/** What a reader task had read, stopping it first (its cancellation carries the bytes). */
async function partial(task: Task | null): Promise<Buffer> {
  if (task === null) return EMPTY;
  if (!task.terminated) await task.cancel();
  const err = task.exception;
  if (err === undefined) return (task.result as ReadOutcome).data;
  return progressOf(err).bytesRead ?? EMPTY;
}
