/**
 * The monitor: an `Activation` that serves Curio's monitor protocol on a TCP port, from a
 * worker thread of its own, so that it answers even while a task hogs the kernel's thread.
 * The kernel's thread keeps the worker informed: a fresh task table on request, one every
 * `PUSH_INTERVAL_MS` while tasks change (what `ps` shows when the kernel cannot answer), and
 * the running task in shared memory (so `ps` and `where` know who is hogging it).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Activation, type Kernel, type Task } from '@curio/kernel';
import { takeSnapshot } from './snapshot.js';

/** Options of {@link monitor}. */
export interface MonitorOptions {
  /** Interface to listen on (default `'127.0.0.1'`: only local connections). */
  host?: string;
  /** TCP port (default 48802, as Curio's; 0 picks a free one, see {@link Monitor.address}). */
  port?: number;
}

/** Curio's default monitor address. */
export const MONITOR_HOST = '127.0.0.1';
/** Curio's default monitor port. */
export const MONITOR_PORT = 48802;

const PUSH_INTERVAL_MS = 250;
const LIVE_STACK_LIMIT = 1000;
const HOOKS = Symbol.for('curio.monitor.hooks');
const hooks = globalThis as unknown as Record<symbol, unknown>;
// The worker's code: plain JavaScript next to this module, in the sources and in the build.
const SERVER_URL = new URL('./monitor-server.js', import.meta.url);

/** A request from the server thread (see monitor-server.js). */
interface Request {
  id: number;
  op: 'snapshot' | 'traceback' | 'cancel';
  taskId?: number;
}

/**
 * The monitor activation. Install it with `new Kernel({ activations: [monitor()] })` (or
 * the `curio` package's `run({ withMonitor: true }, main)`), then connect with
 * `curio-monitor` (or `nc 127.0.0.1 48802`) and type `help`.
 */
export class Monitor extends Activation {
  readonly host: string;
  readonly port: number;
  #kernel: Kernel | undefined;
  #worker: Worker | undefined;
  #listening: Promise<[string, number]> | undefined;
  // [0]: id of the task holding the kernel's thread (0: none), [1]: its cycles.
  readonly #running = new Int32Array(new SharedArrayBuffer(8));
  #changes = 0;
  #pushed = -1;
  #pusher: NodeJS.Timeout | undefined;

  constructor(options: MonitorOptions = {}) {
    super();
    this.host = options.host ?? MONITOR_HOST;
    this.port = options.port ?? MONITOR_PORT;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) {
      throw new RangeError(`monitor port must be 0..65535, got ${String(options.port)}`);
    }
  }

  /**
   * Where the monitor listens, once it does: `[host, port]` (the real port when 0 was
   * asked for). Rejects if it could not listen (the program itself goes on).
   */
  address(): Promise<[string, number]> {
    return this.#listening ?? Promise.reject(new Error('the monitor has not been started'));
  }

  override activate(kernel: Kernel): void {
    if (this.#worker !== undefined) return;
    this.#kernel = kernel;
    // `where` needs the stack of every suspension.
    kernel.captureStacks = true;
    const worker = new Worker(fileURLToPath(SERVER_URL), {
      workerData: { host: this.host, port: this.port, running: this.#running },
      stdout: false,
      stderr: false,
    });
    this.#worker = worker;
    let listened!: (address: [string, number]) => void;
    let failed!: (error: Error) => void;
    this.#listening = new Promise((resolve, reject) => {
      listened = resolve;
      failed = reject;
    });
    // A caller that never asks for the address must not see an unhandled rejection.
    this.#listening.catch(() => {});
    worker.on('message', (msg: { type?: string } & Record<string, unknown>) => {
      if (msg.type === 'listening') listened([msg.host as string, msg.port as number]);
      else if (msg.type === 'error') {
        const err = new Error(
          `Curio monitor: cannot listen on ${this.host}:${this.port}: ${String(msg.message)}`,
        );
        console.error(err.message);
        failed(err);
      } else this.#answer(msg as unknown as Request);
    });
    worker.on('error', (err) => {
      console.error(`Curio monitor: the server thread failed: ${err.stack ?? String(err)}`);
      failed(err);
    });
    // Neither the thread nor its timers keep the program alive.
    worker.unref();
    this.#pusher = setInterval(() => this.#push(), PUSH_INTERVAL_MS);
    this.#pusher.unref();
    this.#push();
    // What the server thread evaluates here through the inspector while a task hogs this
    // thread (see monitor-server.js).
    hooks[HOOKS] = {
      snapshot: () => takeSnapshot(kernel),
      traceback: (id: number) => kernel.findTask(id)?.traceback() ?? null,
      liveTraceback: (id: number) => liveTraceback(kernel, id),
    };
    kernel.onClose(() => this.close());
  }

  override created(_task: Task): void {
    this.#changes++;
  }

  override running(task: Task): void {
    this.#changes++;
    Atomics.store(this.#running, 1, task.cycles);
    Atomics.store(this.#running, 0, task.id);
  }

  override suspended(_task: Task): void {
    Atomics.store(this.#running, 0, 0);
  }

  override terminated(_task: Task): void {
    this.#changes++;
  }

  /** Stop the server thread (the kernel does it when it closes). */
  async close(): Promise<void> {
    if (this.#pusher !== undefined) clearInterval(this.#pusher);
    this.#pusher = undefined;
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    delete hooks[HOOKS];
    await worker.terminate();
  }

  /** Send the task table if it changed since the last one sent. */
  #push(): void {
    const kernel = this.#kernel;
    if (kernel === undefined || this.#worker === undefined || this.#pushed === this.#changes)
      return;
    this.#pushed = this.#changes;
    this.#worker.postMessage({ type: 'snapshot', snapshot: takeSnapshot(kernel) });
  }

  #answer(req: Request): void {
    const kernel = this.#kernel;
    const worker = this.#worker;
    if (kernel === undefined || worker === undefined) return;
    const task = req.taskId === undefined ? undefined : kernel.findTask(req.taskId);
    let value: unknown;
    switch (req.op) {
      case 'snapshot':
        value = takeSnapshot(kernel);
        break;
      case 'traceback':
        value = task?.traceback() ?? null;
        break;
      case 'cancel':
        // Not blocking: the cancellation is delivered by the kernel like any other.
        if (task !== undefined) void task.cancel({ blocking: false });
        value = task !== undefined;
        break;
    }
    worker.postMessage({ type: 'reply', id: req.id, value });
  }
}

/**
 * The traceback of task `id` as it runs now: called on the kernel's thread while it is
 * paused inside that task, so the current stack is the task's (the library's frames, this
 * one included, are hidden by `traceback()`).
 */
function liveTraceback(kernel: Kernel, id: number): string | null {
  const task = kernel.findTask(id);
  if (task === undefined) return null;
  const recorded = task.suspendStack;
  // Deep enough for a recursion (the monitor folds repeated lines), without the frame of the
  // inspector's evaluation that called us.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = LIVE_STACK_LIMIT;
  let stack: string | undefined;
  try {
    stack = new Error('running').stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
  task.suspendStack = stack
    ?.split('\n')
    .filter((line) => !/^\s*at (?:async )?eval \(eval at /.test(line))
    .join('\n');
  try {
    return task.traceback();
  } finally {
    task.suspendStack = recorded;
  }
}

/**
 * A monitor activation listening on `host:port` (default 127.0.0.1:48802).
 * @example
 * const kernel = new Kernel({ activations: [monitor()] });
 * await kernel.run(main);
 */
export function monitor(options: MonitorOptions = {}): Monitor {
  return new Monitor(options);
}
