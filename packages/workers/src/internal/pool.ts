// A pool of worker threads or processes, one of each per kernel (Curio keeps them on the
// kernel too), shut down when the kernel closes. As in Curio, a call reserves a worker for
// itself and releases it after; beyond the limit, callers wait in FIFO order.
import { currentTask, type Kernel, WaitQueue } from '@curio/kernel';
import { maxWorkers, onLimitsChanged } from '../limits.js';
import { ProcessHandle } from './process-handle.js';
import type { WorkerKind } from './protocol.js';
import { ThreadHandle } from './thread-handle.js';
import type { WorkerHandle } from './worker-handle.js';

export class WorkerPool {
  // Idle workers, most recently used last (reused first, while warm).
  readonly #idle: WorkerHandle[] = [];
  // Every worker not yet gone, busy, idle or being killed: shutdown waits for them all.
  readonly #all = new Set<WorkerHandle>();
  readonly #waiters = new WaitQueue();
  #busy = 0;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(readonly kind: WorkerKind) {
    this.#unsubscribe = onLimitsChanged(() => this.#admit());
  }

  /**
   * A worker for the calling task alone, until {@link release}. A cancellation point when the
   * pool is full; a cancelled wait takes no worker.
   */
  async reserve(): Promise<WorkerHandle> {
    if (this.#busy < maxWorkers(this.kind) && this.#waiters.length === 0) this.#busy++;
    // The releasing task hands its slot over (busy stays counted).
    else await this.#waiters.wait('WORKER_WAIT');
    let worker = this.#idle.pop();
    while (worker !== undefined && !worker.alive) worker = this.#idle.pop();
    return worker ?? this.#spawn();
  }

  /** Give the worker back (a dead one is dropped: the next call starts a new one). */
  release(worker: WorkerHandle): void {
    if (worker.alive && !this.#closed) this.#idle.push(worker);
    if (this.#waiters.length > 0 && this.#busy <= maxWorkers(this.kind)) this.#waiters.wakeOne();
    else this.#busy--;
  }

  /** Stop every worker and wait until they are gone. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.#idle.length = 0;
    for (const worker of this.#all) worker.kill();
    await Promise.all([...this.#all].map((w) => w.gone));
  }

  #spawn(): WorkerHandle {
    const worker = this.kind === 'thread' ? new ThreadHandle() : new ProcessHandle();
    this.#all.add(worker);
    worker.onEnd = () => {
      const at = this.#idle.indexOf(worker);
      if (at !== -1) this.#idle.splice(at, 1);
    };
    void worker.gone.then(() => this.#all.delete(worker));
    return worker;
  }

  /** The limit grew: let waiting callers in. */
  #admit(): void {
    while (this.#waiters.length > 0 && this.#busy < maxWorkers(this.kind)) {
      this.#busy++;
      this.#waiters.wakeOne();
    }
  }
}

interface KernelPools {
  thread?: WorkerPool;
  process?: WorkerPool;
}

const poolsByKernel = new WeakMap<Kernel, KernelPools>();

/** The calling task's kernel's pool of `kind`, created on first use. */
export function poolFor(kind: WorkerKind): WorkerPool {
  const kernel = currentTask().kernel;
  let pools = poolsByKernel.get(kernel);
  if (pools === undefined) {
    const created: KernelPools = {};
    pools = created;
    poolsByKernel.set(kernel, created);
    // After every task has been cancelled (their calls killed their workers): stop the idle
    // ones and wait for all, so run() settles with no thread or process left.
    kernel.onClose(async () => {
      poolsByKernel.delete(kernel);
      await Promise.all([created.thread?.shutdown(), created.process?.shutdown()]);
    });
  }
  let pool = pools[kind];
  if (pool === undefined) pool = pools[kind] = new WorkerPool(kind);
  return pool;
}
