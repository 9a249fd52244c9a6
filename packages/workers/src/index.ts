/**
 * `@curio/workers`: run code in worker threads and processes from curio tasks, as Curio's
 * `run_in_thread`, `run_in_process` and `async_thread`. Every call is a cancellation point;
 * cancelling it stops the thread or process at once. Pools belong to the kernel and are shut
 * down when it closes.
 * @packageDocumentation
 */
export { asyncThread } from './async-thread.js';
export { RemoteTraceback, WorkerCloneError, WorkerError } from './errors.js';
export { type MaxWorkers, setMaxWorkers } from './limits.js';
export { runInProcess } from './run-in-process.js';
export { runInThread, type WorkerCallable } from './run-in-thread.js';
export { isWorkerFunction, type WorkerFunction, workerFunction } from './worker-function.js';
