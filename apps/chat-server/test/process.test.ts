// The built CLI (dist/main.js) as a child process: start-up line, SIGHUP restart, and
// graceful exit on SIGINT/SIGTERM.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, WAIT_MS } from './helpers.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The CLI running in a child process, with its stdout split into lines. */
class ServerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = '';
  #listeners = new Set<() => void>();

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const parts = (this.#partial + text).split('\n');
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      for (const l of [...this.#listeners]) l();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        for (const l of [...this.#listeners]) l();
        resolve({ code, signal });
      });
    });
  }

  /** Wait for the `count`-th stdout line matching `pattern`; resolves to its match. */
  waitForLine(pattern: RegExp, count = 1): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const matches = this.lines.map((l) => l.match(pattern)).filter((m) => m !== null);
        if (matches.length >= count) return done(() => resolve(matches[count - 1]!));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(() =>
            reject(
              new Error(
                `server exited; stdout ${JSON.stringify(this.lines)} stderr ${this.stderr}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(
                `no line ${pattern} in ${JSON.stringify(this.lines)}; stderr ${this.stderr}`,
              ),
            ),
          ),
        WAIT_MS,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Start and wait for the `listening on host:port` line; resolves to the port. */
  async listening(count = 1): Promise<number> {
    const match = await this.waitForLine(/^Chat server listening on 127\.0\.0\.1:(\d+)$/, count);
    return Number(match[1]);
  }
}

let running: ServerProcess | undefined;
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  if (running && running.child.exitCode === null && running.child.signalCode === null)
    running.child.kill('SIGKILL');
  await running?.exited;
  running = undefined;
});

function startProcess(...args: string[]): ServerProcess {
  running = new ServerProcess(args);
  return running;
}

async function join(port: number, name: string): Promise<ChatClient> {
  const c = await ChatClient.join(port, name);
  clients.push(c);
  return c;
}

beforeAll(() => {
  // Build this app (and, through project references, the packages it uses) so dist/main.js
  // is current; tsc -b skips what is up to date.
  const tsc = path.join(
    path.dirname(createRequire(import.meta.url).resolve('typescript')),
    '..',
    'bin',
    'tsc',
  );
  execFileSync(process.execPath, [tsc, '-b', appDir], { stdio: 'inherit' });
}, 120_000);

describe('chat-server process', () => {
  it('SIGHUP drops every client, each told the server is going away, and starts fresh', async () => {
    const server = startProcess('--port', '0');
    const port = await server.listening();
    const alice = await join(port, 'alice');
    const bob = await join(port, 'bob');
    const idle = await ChatClient.connect(port);
    clients.push(idle);
    await idle.waitFor('Your name: ');

    server.child.kill('SIGHUP');
    await Promise.all([alice, bob, idle].map((c) => c.waitClosed()));
    expect(alice.received).toBe('Your name: alice:joined\nbob:joined\nSERVER IS GOING AWAY!\n');
    expect(bob.received).toBe('Your name: bob:joined\nSERVER IS GOING AWAY!\n');
    expect(idle.received).toBe('Your name: SERVER IS GOING AWAY!\n');

    expect(await server.listening(2)).toBe(port);
    const carol = await join(port, 'carol');
    const dave = await join(port, 'dave');
    dave.send('fresh start\n');
    await carol.waitFor('dave:fresh start\n');
    expect(carol.received).toBe('Your name: carol:joined\ndave:joined\ndave:fresh start\n');

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.lines).toEqual([
      `Chat server listening on 127.0.0.1:${port}`,
      expect.stringMatching(/^Connection from 127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^Connection from 127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^Connection from 127\.0\.0\.1:\d+$/),
      'SIGHUP: server shutting down',
      expect.stringMatching(/^Connection closed 127\.0\.0\.1:\d+ \(server going away\)$/),
      expect.stringMatching(/^Connection closed 127\.0\.0\.1:\d+ \(server going away\)$/),
      expect.stringMatching(/^Connection closed 127\.0\.0\.1:\d+ \(server going away\)$/),
      `Chat server listening on 127.0.0.1:${port}`,
      expect.stringMatching(/^Connection from/),
      expect.stringMatching(/^Connection from/),
      'SIGTERM: server shutting down',
      expect.stringMatching(/^Connection closed .* \(server going away\)$/),
      expect.stringMatching(/^Connection closed .* \(server going away\)$/),
      'Server stopped',
    ]);
    expect(server.stderr).toBe('');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s: clients are told, the process exits 0 within a second',
    async (signal) => {
      const server = startProcess('--port', '0');
      const port = await server.listening();
      const alice = await join(port, 'alice');
      // One client that stopped reading must not hold up the exit.
      const stuck = await join(port, 'stuck');
      stuck.socket.pause();

      const sent = performance.now();
      server.child.kill(signal);
      const exit = await server.exited;
      const elapsed = performance.now() - sent;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(elapsed).toBeLessThan(1000);
      await alice.waitClosed();
      expect(alice.received).toBe('Your name: alice:joined\nstuck:joined\nSERVER IS GOING AWAY!\n');
      expect(server.lines.at(-1)).toBe('Server stopped');
      expect(server.stderr).toBe('');
    },
  );

  it('prints help and rejects bad options', async () => {
    const help = startProcess('--help');
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.lines[0]).toBe('Usage: chat-server [options]');
    const bad = startProcess('--port', '99999');
    expect(await bad.exited).toEqual({ code: 2, signal: null });
    expect(bad.stderr).toBe(
      "chat-server: --port needs a whole number from 0 to 65535, got '99999'\n",
    );
  });

  it('exits 1 with a message when the port is taken', async () => {
    const first = startProcess('--port', '0');
    const port = await first.listening();
    const second = new ServerProcess(['--port', String(port)]);
    const exit = await second.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(second.stderr).toMatch(/^chat-server: .*EADDRINUSE/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });
});
