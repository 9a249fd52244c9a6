/**
 * How many worker threads and processes may run calls at once: Curio's `MAX_WORKER_THREADS`
 * and `MAX_WORKER_PROCESSES`, settable with {@link setMaxWorkers}.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { WorkerKind } from './internal/protocol.js';

/** Pool sizes: the most calls that run at once in threads and in processes. */
export interface MaxWorkers {
  /** Worker threads (default 64, as in Curio). */
  threads: number;
  /** Worker processes (default: the number of CPUs, `os.availableParallelism()`). */
  processes: number;
}

const limits: MaxWorkers = { threads: 64, processes: availableParallelism() };
const listeners = new Set<() => void>();

/**
 * Set the pool sizes, for every kernel (existing pools follow at once: calls waiting for a
 * worker start if the limit grew; over a smaller limit, busy workers finish their call
 * first). Returns the previous sizes, to restore them later.
 * @example
 * const previous = setMaxWorkers({ threads: 4 });
 * try { ... } finally { setMaxWorkers(previous); }
 */
export function setMaxWorkers(sizes: Partial<MaxWorkers>): MaxWorkers {
  for (const key of ['threads', 'processes'] as const) {
    const n = sizes[key];
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
      throw new RangeError(`setMaxWorkers(): ${key} must be a positive integer, got ${n}`);
    }
  }
  const previous = { ...limits };
  if (sizes.threads !== undefined) limits.threads = sizes.threads;
  if (sizes.processes !== undefined) limits.processes = sizes.processes;
  for (const listener of listeners) listener();
  return previous;
}

/** @internal The current limit for `kind`. */
export function maxWorkers(kind: WorkerKind): number {
  return kind === 'thread' ? limits.threads : limits.processes;
}

/** @internal Call `listener` whenever the limits change; returns the unsubscribe. */
export function onLimitsChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
