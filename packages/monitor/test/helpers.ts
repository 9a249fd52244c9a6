// Helpers for the monitor tests: a kernel with a monitor on an ephemeral port, and a
// line-based client that sends a command and returns what came back before the next prompt.
import net from 'node:net';
import { awaitPromise, Kernel } from '@curio/kernel';
import { type Monitor, monitor } from '@curio/monitor';

export const PROMPT = 'curio > ';

/** Run `fn(mon)` as the main task of a kernel with a monitor on 127.0.0.1, port 0. */
export async function withMonitor<R>(fn: (mon: Monitor) => Promise<R>): Promise<R> {
  const mon = monitor({ port: 0 });
  await using kernel = new Kernel({ activations: [mon], signals: 'default' });
  return await kernel.run(fn, mon);
}

/** A monitor session, driven from a curio task (its waits go through awaitPromise). */
export class MonitorClient {
  readonly #sock: net.Socket;
  #buffer = '';
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(sock: net.Socket) {
    this.#sock = sock;
    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#wake?.();
    });
    sock.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    sock.on('error', () => {});
  }

  /** Connect to the monitor of `mon`; resolves with the banner (up to the first prompt). */
  static async open(mon: Monitor): Promise<[MonitorClient, string]> {
    const [host, port] = await awaitPromise(mon.address());
    const sock = net.connect(port, host);
    const client = new MonitorClient(sock);
    return [client, await client.untilPrompt()];
  }

  /** Everything received up to the next prompt (or the end of the connection). */
  untilPrompt(): Promise<string> {
    return awaitPromise(
      (async () => {
        for (;;) {
          const at = this.#buffer.indexOf(PROMPT);
          if (at >= 0) {
            const text = this.#buffer.slice(0, at);
            this.#buffer = this.#buffer.slice(at + PROMPT.length);
            return text;
          }
          if (this.#closed) {
            const text = this.#buffer;
            this.#buffer = '';
            return text;
          }
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      })(),
    );
  }

  /** Send a command line; resolves with its output. */
  command(line: string): Promise<string> {
    this.#sock.write(`${line}\n`);
    return this.untilPrompt();
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#sock.destroy();
  }
}
