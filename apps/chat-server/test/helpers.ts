// Test helpers: a line-oriented TCP client on node:net that records everything it receives,
// and a chat server running under its own curio kernel for the duration of one test.
import net from 'node:net';
import { awaitPromise, run, withTaskGroup } from '@curio/kernel';
import { type ChatServerOptions, chatServer } from '../src/server.js';

/** How long any single wait for the server may take before the test fails. */
export const WAIT_MS = 5_000;

type Waiter = {
  check: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
};

/** A chat client: connect, send lines, wait for text to arrive; `received` is the transcript. */
export class ChatClient {
  readonly socket: net.Socket;
  /** Everything received so far, as latin1 text (byte for byte). */
  received = '';
  /** Set once the server closed or reset the connection. */
  closed = false;
  /** An error the socket reported (e.g. ECONNRESET), if any. */
  error: Error | undefined;
  readonly #waiters = new Set<Waiter>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.#poke();
    });
    socket.on('error', (err) => {
      this.error = err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.#poke();
    });
  }

  /** Connect to the server on 127.0.0.1:`port`. */
  static connect(port: number): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ChatClient(socket));
      });
    });
  }

  /** Connect, answer the prompt with `name`, and wait until the room announced it. */
  static async join(port: number, name: string): Promise<ChatClient> {
    const client = await ChatClient.connect(port);
    await client.waitFor('Your name: ');
    client.send(`${name}\n`);
    await client.waitFor(`${name}:joined\n`);
    return client;
  }

  /** Send text (latin1, byte for byte). */
  send(text: string | Buffer): void {
    this.socket.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  /** Wait until the transcript contains `text` `count` times. */
  waitFor(text: string, count = 1): Promise<void> {
    // Scan incrementally: transcripts grow to megabytes in the slow-client test.
    let found = 0;
    let from = 0;
    return this.until(
      () => {
        const received = this.received;
        for (
          let at = received.indexOf(text, from);
          at >= 0 && found < count;
          at = received.indexOf(text, from)
        ) {
          found++;
          from = at + text.length;
        }
        if (found < count) from = Math.max(from, received.length - text.length + 1);
        return found >= count;
      },
      `${JSON.stringify(text)} ×${count}`,
    );
  }

  /** Wait until the server has closed the connection. */
  waitClosed(): Promise<void> {
    return this.until(() => this.closed, 'the connection to close');
  }

  /** Wait until `check()` holds; it is re-tested whenever data arrives or the socket closes. */
  until(check: () => boolean, what = 'a condition'): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.closed)
      return Promise.reject(
        new Error(
          `connection closed before ${what}; received: ${JSON.stringify(this.received.slice(-400))}`,
        ),
      );
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(
            new Error(
              `timed out waiting for ${what}; received so far: ${JSON.stringify(this.received.slice(-400))}`,
            ),
          );
        }, WAIT_MS),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Close our side gracefully and wait for the server to close its side. */
  async leave(): Promise<void> {
    this.socket.end();
    await this.waitClosed();
  }

  /** Make sure the socket is gone (for `finally` blocks). */
  destroy(): void {
    this.socket.destroy();
  }

  #poke(): void {
    for (const w of [...this.#waiters]) {
      if (w.check()) {
        clearTimeout(w.timer);
        this.#waiters.delete(w);
        w.resolve();
      } else if (this.closed) {
        clearTimeout(w.timer);
        this.#waiters.delete(w);
        w.reject(
          new Error(`connection closed; received: ${JSON.stringify(this.received.slice(-400))}`),
        );
      }
    }
  }
}

/** A chat server on 127.0.0.1 with an ephemeral port, under its own kernel. */
export interface TestServer {
  port: number;
  /** Cancel the server (every client hears it go away) and wait for the kernel to end. */
  stop(): Promise<void>;
}

/** Start {@link chatServer} in a new kernel; resolves once it is listening. */
export async function startServer(options: ChatServerOptions = {}): Promise<TestServer> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let listening!: (port: number) => void;
  const ready = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const done = run({ signals: 'default' }, () =>
    withTaskGroup({ wait: 'any' }, async (g) => {
      await g.spawn(chatServer, {
        ...options,
        host: '127.0.0.1',
        port: 0,
        onListening: ([, port]) => listening(port),
      });
      await g.spawn(() => awaitPromise(stopped));
    }),
  );
  const port = await Promise.race([
    ready,
    done.then(() => Promise.reject(new Error('server ended before listening'))),
  ]);
  return {
    port,
    stop: async () => {
      stop();
      await done;
    },
  };
}
