// Running a built example in a child process: build once, spawn, read its output line by
// line, send it signals, and wait for it to end.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const examplesDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = path.join(
  path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin',
  'tsc',
);

/**
 * Build the examples (and the packages they use) with `tsc -b`: child processes run dist/.
 * Test files run in parallel, so builds take turns through a lock directory.
 */
export function buildExamples(): void {
  const lock = path.join(
    os.tmpdir(),
    `curio-examples-build-${createHash('sha1').update(examplesDir).digest('hex').slice(0, 12)}`,
  );
  const giveUp = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than two minutes was left by a crashed run.
      if (Date.now() > giveUp || Date.now() - statSync(lock).mtimeMs > 120_000) {
        rmSync(lock, { recursive: true, force: true });
      } else {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
  }
  try {
    execFileSync(process.execPath, [tsc, '-b', examplesDir], { stdio: 'pipe' });
  } catch (err) {
    const out = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `tsc -b examples failed:\n${out.stdout?.toString() ?? ''}${out.stderr?.toString() ?? ''}`,
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running example. */
export class ExampleProcess {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  #partial = '';
  #waiters: { pattern: string | RegExp; count: number; resolve: () => void }[] = [];

  constructor(script: string, args: string[]) {
    this.#child = spawn(process.execPath, [script, ...args], {
      cwd: examplesDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.#onData(chunk));
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Resolves once `count` printed lines match `pattern` (a string matches a whole line). */
  waitFor(pattern: string | RegExp, count = 1): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = { pattern, count, resolve };
      this.#waiters.push(waiter);
      this.#check();
      void this.exited.then(() => {
        if (this.#waiters.includes(waiter)) {
          reject(
            new Error(
              `the example ended before printing ${String(pattern)}:\n${this.lines.join('\n')}\n${this.stderr}`,
            ),
          );
        }
      });
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Send a signal, e.g. Ctrl-C's `SIGINT`. */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Make sure the process is gone (for `finally` blocks). */
  async stop(): Promise<Exit> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGKILL');
    return this.exited;
  }

  #onData(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop()!;
    this.lines.push(...parts);
    this.#check();
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const n = this.lines.filter((l) =>
        typeof w.pattern === 'string' ? l === w.pattern : w.pattern.test(l),
      ).length;
      if (n < w.count) return true;
      w.resolve();
      return false;
    });
  }
}

/** Run `examples/dist/<name>.js` on the ticking clock of fixtures/ticking.mjs. */
export function runTickingExample(name: string, ...args: string[]): ExampleProcess {
  return new ExampleProcess(fileURLToPath(new URL('./fixtures/ticking.mjs', import.meta.url)), [
    name,
    ...args,
  ]);
}

/** Run `examples/dist/<name>.js` as is, as `pnpm example <name>` does. */
export function runExample(name: string, ...args: string[]): ExampleProcess {
  return new ExampleProcess(fileURLToPath(new URL('../run.mjs', import.meta.url)), [name, ...args]);
}

/** A plain `node:net` client (the test is not a curio program): lines in, lines out. */
export class LineClient {
  readonly #sock: Socket;
  readonly #lines: string[] = [];
  #partial = '';
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split(/(?<=\n)/);
      this.#partial = parts.at(-1)!.endsWith('\n') ? '' : parts.pop()!;
      this.#lines.push(...parts);
      this.#wake?.();
    });
    sock.on('end', () => {
      this.#ended = true;
      this.#wake?.();
    });
    sock.on('error', () => {});
  }

  /** Connect to 127.0.0.1:port, retrying briefly while the server is still starting. */
  static async connect(port: number): Promise<LineClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        return new LineClient(sock);
      } catch (err) {
        if (attempt >= 50 || (err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** Type a line. */
  send(line: string): void {
    this.#sock.write(line);
  }

  /** The next line (with its newline), or `undefined` at end of file. */
  async readline(): Promise<string | undefined> {
    while (this.#lines.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return this.#lines.shift();
  }

  /** Hang up and wait until the socket is closed. */
  async close(): Promise<void> {
    if (this.#sock.closed) return;
    await new Promise<void>((resolve) => this.#sock.end(() => resolve()));
    this.#sock.destroy();
  }
}
