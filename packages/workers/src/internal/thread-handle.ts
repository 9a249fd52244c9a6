// A pooled worker thread running internal/thread-main.js.
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from './exec-argv.js';
import type { Reply } from './protocol.js';
import { WorkerHandle } from './worker-handle.js';

// Next to this file in src/ (tests run the sources) and in dist/ (tsc copies it: allowJs).
const BOOTSTRAP = new URL('./thread-main.js', import.meta.url);

export class ThreadHandle extends WorkerHandle {
  readonly kind = 'thread';
  readonly #worker: Worker;

  constructor() {
    super();
    this.#worker = new Worker(BOOTSTRAP, { execArgv: workerExecArgv() });
    this.#worker.on('message', (reply: Reply) => this.received(reply));
    this.#worker.on('messageerror', (error) => this.unreadable(error));
    this.#worker.on('error', (error) => this.errored(error));
    this.#worker.on('exit', (code) => {
      this.ended(`exit code ${code}`);
      this.closed();
    });
    // An idle worker must not keep the program alive; while a task waits on a call, the
    // kernel keeps it alive. After the listeners: adding a 'message' listener refs the port.
    this.#worker.unref();
  }

  protected post(message: unknown): void {
    this.#worker.postMessage(message);
  }

  protected stop(): void {
    // Referenced again until it has exited (see ProcessHandle.stop).
    this.#worker.ref();
    // Stops even a busy loop or an Atomics.wait; the 'exit' event follows.
    this.#worker.terminate().catch(() => {});
  }
}
