// The built CLI (dist/main.js) in a child process: the managed server's SIGHUP restart, and
// a clean shutdown on Ctrl-C (SIGINT) in every mode.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

beforeAll(() => {
  // Build the app and, through its project references, the packages it uses.
  const tsc = path.join(
    path.dirname(createRequire(import.meta.url).resolve('typescript')),
    '..',
    'bin',
    'tsc',
  );
  execFileSync(process.execPath, [tsc, '-b', appDir], { stdio: 'inherit' });
}, 120_000);

/** The CLI as a child process, its stdout split into lines. */
class Server {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  #changed: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const parts = (partial + text).split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
      for (const f of this.#changed.splice(0)) f();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /** The `count`-th line matching `pattern` (waits up to 10 s). */
  async line(pattern: RegExp, count = 1): Promise<RegExpMatchArray> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const matches = this.lines.map((l) => l.match(pattern)).filter((m) => m !== null);
      if (matches.length >= count) return matches[count - 1]!;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `no line ${pattern}: stdout ${JSON.stringify(this.lines)}, stderr ${this.stderr}`,
        );
      }
      await new Promise<void>((r) => {
        this.#changed.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async port(count = 1): Promise<number> {
    return Number((await this.line(/^Server listening at .*:(\d+)$/, count))[1]);
  }
}

/** A line-oriented client: everything received so far, and a wait for more. */
class Client {
  readonly sock: net.Socket;
  received = '';
  readonly closed: Promise<void>;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setEncoding('utf8').on('data', (d: string) => (this.received += d));
    this.closed = new Promise((resolve) => sock.on('close', () => resolve()));
    sock.on('error', () => {});
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Client(sock)));
      sock.once('error', reject);
    });
  }

  async waitFor(text: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!this.received.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(
          `never received ${JSON.stringify(text)}; got ${JSON.stringify(this.received)}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

let running: Server | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.sock.destroy();
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
});

async function connect(port: number): Promise<Client> {
  const c = await Client.connect(port);
  clients.push(c);
  return c;
}

describe('echo-server process', () => {
  test('managed: SIGHUP drops every client with a goodbye and restarts on the same port', async () => {
    const server = (running = new Server(['--mode', 'managed', '--port', '0']));
    const port = await server.port();
    const a = await connect(port);
    const b = await connect(port);
    a.sock.write('hello\n');
    b.sock.write('world\n');
    await a.waitFor('hello\n');
    await b.waitFor('world\n');

    server.child.kill('SIGHUP');
    await Promise.all([a.closed, b.closed]);
    expect(a.received).toBe('hello\nSERVER IS GOING AWAY!\n');
    expect(b.received).toBe('world\nSERVER IS GOING AWAY!\n');
    expect(await server.port(2)).toBe(port);

    const c = await connect(port);
    c.sock.write('fresh start\n');
    await c.waitFor('fresh start\n');

    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 130, signal: null });
    await c.closed;
    expect(c.received).toBe('fresh start\nSERVER IS GOING AWAY!\n');
    expect(server.lines.filter((l) => /^(Starting|Server) /.test(l))).toEqual([
      'Starting the server',
      `Server listening at 127.0.0.1:${port}`,
      'Server shutting down',
      'Starting the server',
      `Server listening at 127.0.0.1:${port}`,
      'Server stopped',
    ]);
    expect(server.stderr).toBe('');
  });

  for (const mode of ['raw', 'tcp', 'stream'] as const) {
    test(`${mode}: Ctrl-C closes the connections and exits cleanly`, async () => {
      const server = (running = new Server(['--mode', mode, '--port', '0']));
      const port = await server.port();
      const c = await connect(port);
      c.sock.write('echo me\n');
      await c.waitFor('echo me\n');
      server.child.kill('SIGINT');
      expect(await server.exited).toEqual({ code: 130, signal: null });
      await c.closed;
      expect(c.received).toBe('echo me\n');
      expect(server.lines.at(-1)).toBe('Server stopped');
      expect(server.stderr).toBe('');
    });
  }

  test('bad options print the usage and exit with status 2', async () => {
    const server = (running = new Server(['--mode', 'nope']));
    expect((await server.exited).code).toBe(2);
    expect(server.stderr).toContain("unknown mode 'nope'");
    expect(server.stderr).toContain('Usage: echo-server');
  });
});
